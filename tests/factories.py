"""Small factories for test data, in one place for every app's tests."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.test import Client

from courses.documents import validate_document
from courses.models import Course
from courses.services import course_import

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def course_document(
    *,
    topic: str | None = None,
    modules: int = 2,
    lessons: int = 2,
    quizzes: int = 1,
    preferences: dict[str, Any] | None = None,
    language: str = "en",
) -> dict[str, Any]:
    """A valid course document; each module holds lessons then quizzes, interleaved
    as lesson, quiz, lesson, ... while both last."""
    number = next(_sequence)
    document_modules = []
    for module_number in range(1, modules + 1):
        lesson_items = [
            {
                "lesson_title": f"Lesson {module_number}.{index}",
                "content": {
                    "type": "MARKDOWN",
                    "value": f"## Part {module_number}.{index}\n\nSome *text*.",
                },
            }
            for index in range(1, lessons + 1)
        ]
        quiz_items = [
            {
                "quiz_title": f"Quiz {module_number}.{index}",
                "type": "quiz",
                "content": {
                    "question": f"Question {module_number}.{index}?",
                    "options": ["Alpha", "Beta", "Gamma"],
                    "answer": "2",
                },
            }
            for index in range(1, quizzes + 1)
        ]
        content = [
            item
            for pair in itertools.zip_longest(lesson_items, quiz_items)
            for item in pair
            if item is not None
        ]
        document_modules.append(
            {
                "title": f"Module {module_number}",
                "description": f"What module {module_number} covers.",
                "content": content,
            }
        )
    return {
        "topic": topic or f"Course {number}",
        "description": f"Description of course {number}.",
        "language": language,
        "preferences": preferences or {"level": "beginner", "duration": "short", "focus": "broad"},
        "modules": document_modules,
    }


def make_course(*, publish: bool = True, **document_options: Any) -> Course:
    spec = validate_document(course_document(**document_options))
    return course_import(spec=spec, publish=publish)


def course_items(course: Course) -> list:
    """The course's lessons and quizzes in reading order, fresh from the database."""
    return Course.objects.with_outline().get(pk=course.pk).ordered_items()


def make_user(*, username: str | None = None, **fields: Any) -> AbstractBaseUser:
    username = username or f"learner{next(_sequence)}"
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **fields
    )


def make_content_editor(**fields: Any) -> AbstractBaseUser:
    """A staff user in the "Content editors" group (created by a data migration)."""
    user = make_user(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


def logged_in(user: AbstractBaseUser, **client_options: Any) -> Client:
    """A test client of its own, logged in as `user`."""
    client = Client(**client_options)
    client.force_login(user)
    return client
