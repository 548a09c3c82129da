"""Importing a document whose topic a course has already: the import asks
(refuses without a choice), adds a copy, or replaces the one draft of that
topic, keeping its enrollments and saying what happens to learners' progress.
A published course is never replaced. Imports stay all or nothing."""

from __future__ import annotations

import io
import json
from http import HTTPStatus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.models import Course, Lesson, Module
from enrollment.models import Enrollment, LessonCompletion
from tests.factories import course_document, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:courses_course_import"


def write(path, document) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def new_version(topic: str) -> dict:
    """A document of `topic` with other content than make_course's."""
    document = course_document(topic=topic, modules=1, lessons=1, quizzes=0)
    document["description"] = "The new version."
    document["modules"][0]["title"] = "Rewritten module"
    return document


def draft_with_a_learner(topic: str) -> tuple[Course, Enrollment]:
    course = make_course(topic=topic, publish=False, modules=2, lessons=1, quizzes=1)
    learner = make_user()
    enrollment = Enrollment.objects.create(user=learner, course=course)
    LessonCompletion.objects.create(
        user=learner, lesson=Lesson.objects.filter(module__course=course).first()
    )
    return course, enrollment


def database_rows() -> tuple[int, ...]:
    return (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        LessonCompletion.objects.count(),
    )


# --- import_course --------------------------------------------------------------------------


def test_the_command_refuses_a_taken_topic_without_a_choice_and_says_what_exists(tmp_path):
    course, _ = draft_with_a_learner("Taken topic")
    path = write(tmp_path / "doc.json", new_version("Taken topic"))
    before = database_rows()
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"--on-existing=copy .* --on-existing=replace"):
        call_command("import_course", path, stderr=err, stdout=io.StringIO())
    assert (
        f"“Taken topic” exists already (course {course.pk}, draft, 1 enrollment): "
        "choose to add a copy or to replace the draft." in err.getvalue()
    )
    assert database_rows() == before


def test_the_command_adds_a_copy_when_asked(tmp_path):
    course, _ = draft_with_a_learner("Taken topic")
    path = write(tmp_path / "doc.json", new_version("Taken topic"))
    out = io.StringIO()
    call_command("import_course", path, "--on-existing=copy", stdout=out)
    copy = Course.objects.exclude(pk=course.pk).get(topic="Taken topic")
    assert f"Created course {copy.pk} (draft): Taken topic" in out.getvalue()
    assert course.modules.count() == 2  # the first one as it was


def test_the_command_replaces_the_draft_keeping_its_id_and_enrollments(tmp_path):
    course, enrollment = draft_with_a_learner("Taken topic")
    old_lessons = list(Lesson.objects.filter(module__course=course).values_list("pk", flat=True))
    path = write(tmp_path / "doc.json", new_version("Taken topic"))
    out = io.StringIO()
    call_command("import_course", path, "--on-existing=replace", stdout=out)
    assert Course.objects.filter(topic="Taken topic").count() == 1
    course.refresh_from_db()
    assert course.description == "The new version."
    assert [module.title for module in course.modules.all()] == ["Rewritten module"]
    assert course.counts == {"modules": 1, "lessons": 1, "activities": 0}
    assert course.outline["modules"][0]["title"] == "Rewritten module"
    assert not course.is_published
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert not Lesson.objects.filter(pk__in=old_lessons).exists()
    assert not LessonCompletion.objects.exists()  # progress went with the old lessons
    output = out.getvalue()
    assert f"Replaced the content of course {course.pk} (draft): Taken topic" in output
    assert "1 enrollment kept; learners' progress on its former lessons and quizzes" in output


def test_the_command_never_replaces_a_published_course(tmp_path):
    published = make_course(topic="Live topic", publish=True)
    path = write(tmp_path / "doc.json", new_version("Live topic"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_course", path, "--on-existing=replace", stderr=err)
    assert "a published course is never replaced" in err.getvalue()
    assert f"course {published.pk}, published, 0 enrollments" in err.getvalue()
    published.refresh_from_db()
    assert published.description != "The new version."


def test_the_command_will_not_guess_between_two_drafts(tmp_path):
    first = make_course(topic="Twice", publish=False)
    second = make_course(topic="Twice", publish=False)
    path = write(tmp_path / "doc.json", new_version("Twice"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", path, "--on-existing=replace", stderr=err)
    assert "“Twice” has 2 drafts" in err.getvalue()
    assert f"course {second.pk}, draft" in err.getvalue()
    assert f"course {first.pk}, draft" in err.getvalue()


def test_a_dry_run_says_what_would_be_replaced_and_writes_nothing(tmp_path):
    course, _ = draft_with_a_learner("Taken topic")
    path = write(tmp_path / "doc.json", new_version("Taken topic"))
    before = database_rows()
    out = io.StringIO()
    call_command("import_course", path, "--on-existing=replace", "--dry-run", stdout=out)
    assert f"Would replace the content of draft course {course.pk}, “Taken topic”" in (
        out.getvalue()
    )
    assert database_rows() == before


def test_one_refused_replacement_stops_every_document(tmp_path):
    draft_with_a_learner("Taken topic")
    make_course(topic="Live topic", publish=True)
    fresh = write(tmp_path / "fresh.json", new_version("Fresh topic"))
    taken = write(tmp_path / "taken.json", new_version("Taken topic"))
    live = write(tmp_path / "live.json", new_version("Live topic"))
    before = database_rows()
    with pytest.raises(CommandError):
        call_command(
            "import_course", fresh, taken, live, "--on-existing=replace", stderr=io.StringIO()
        )
    assert database_rows() == before
    assert not Course.objects.filter(topic="Fresh topic").exists()


# --- the admin's import page ---------------------------------------------------------------


def upload(name: str, document: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode(), "application/json")


def importer(*codenames: str):
    """A staff member allowed exactly these course permissions, and nothing else."""
    user = make_user(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="courses", codename__in=codenames)
    )
    return logged_in(user), user


def test_the_import_page_asks_when_a_topic_is_taken_and_writes_nothing(client_for_editor):
    course, _ = draft_with_a_learner("Taken topic")
    before = database_rows()
    response = client_for_editor.post(
        reverse(IMPORT_URL), {"documents": [upload("taken.json", new_version("Taken topic"))]}
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["on_existing"] == [
        f"“Taken topic” exists already (course {course.pk}, draft, 1 enrollment): "
        "choose to add a copy or to replace the draft."
    ]
    html = response.content.decode()
    assert "Please correct the problem below." in html
    assert 'type="radio" name="on_existing" value="copy"' in html
    assert 'type="radio" name="on_existing" value="replace"' in html
    assert "learners&#x27; progress on its old lessons and quizzes is deleted" in html
    assert database_rows() == before


def test_the_import_page_adds_a_copy(client_for_editor):
    course, _ = draft_with_a_learner("Taken topic")
    response = client_for_editor.post(
        reverse(IMPORT_URL),
        {"documents": [upload("taken.json", new_version("Taken topic"))], "on_existing": "copy"},
        follow=True,
    )
    assert "Imported 1 draft course" in response.content.decode()
    assert Course.objects.filter(topic="Taken topic").count() == 2
    assert course.modules.count() == 2


def test_an_editor_who_may_change_courses_replaces_the_draft():
    client, user = importer("add_course", "change_course", "view_course")
    course, enrollment = draft_with_a_learner("Taken topic")
    response = client.post(
        reverse(IMPORT_URL),
        {"documents": [upload("v2.json", new_version("Taken topic"))], "on_existing": "replace"},
        follow=True,
    )
    html = response.content.decode()
    assert "Replaced the content of the draft" in html
    assert "1 enrollment kept; learners' progress on its former lessons and quizzes" in html
    course.refresh_from_db()
    assert [module.title for module in course.modules.all()] == ["Rewritten module"]
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    entry = LogEntry.objects.get(user=user, object_id=str(course.pk))
    assert entry.action_flag == CHANGE
    assert entry.change_message == "Content replaced from v2.json."


def test_an_editor_who_may_only_add_courses_cannot_replace_one():
    client, _ = importer("add_course", "view_course")
    course, _ = draft_with_a_learner("Taken topic")
    before = database_rows()
    response = client.post(
        reverse(IMPORT_URL),
        {"documents": [upload("v2.json", new_version("Taken topic"))], "on_existing": "replace"},
    )
    assert response.context["form"].errors["on_existing"] == [
        "“Taken topic”: your account may not change this course; add a copy."
    ]
    assert database_rows() == before
    course.refresh_from_db()
    assert course.description != "The new version."


def test_the_import_page_never_replaces_a_published_course(client_for_editor):
    make_course(topic="Live topic", publish=True)
    before = database_rows()
    response = client_for_editor.post(
        reverse(IMPORT_URL),
        {"documents": [upload("live.json", new_version("Live topic"))], "on_existing": "replace"},
    )
    (problem,) = response.context["form"].errors["on_existing"]
    assert "a published course is never replaced" in problem
    assert database_rows() == before


def test_replacing_a_course_published_since_the_check_is_refused_whole():
    from courses.documents import validate_document
    from courses.services import (
        PublishedCourseError,
        course_import_planned,
        course_import_plans,
        course_publish,
    )

    course, _ = draft_with_a_learner("Taken topic")
    plans, problems = course_import_plans(
        specs=[
            validate_document(new_version("Fresh")),
            validate_document(new_version("Taken topic")),
        ],
        on_existing="replace",
    )
    assert problems == []
    course_publish(course_ids=[course.pk])
    before = database_rows()
    with pytest.raises(PublishedCourseError):
        course_import_planned(plans=plans)
    assert database_rows() == before


def test_asking_costs_the_same_few_queries_however_many_courses_share_the_topics(
    client_for_editor, django_assert_num_queries, warm_content_types
):
    documents = [new_version("Taken topic"), new_version("Other topic")]
    make_course(topic="Taken topic", publish=False)
    make_course(topic="Other topic", publish=True)

    def ask():
        return client_for_editor.post(
            reverse(IMPORT_URL),
            {"documents": [upload(f"{n}.json", d) for n, d in enumerate(documents)]},
        )

    # Session, user, permissions (2), and the courses of those topics with
    # their enrollment counts (one query).
    with django_assert_num_queries(5):
        assert len(ask().context["form"].errors["on_existing"]) == 2
    for _ in range(5):
        make_course(topic="Taken topic", publish=True, modules=1, lessons=1, quizzes=0)
    with django_assert_num_queries(5):
        assert len(ask().context["form"].errors["on_existing"]) == 2
