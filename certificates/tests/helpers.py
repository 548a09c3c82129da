"""Taking a course through its pages, as a learner's browser would."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from courses.models import Activity, Lesson
from enrollment.pages import option_order


def mark_done(client: Client, lesson: Lesson) -> None:
    url = reverse(
        "enrollment:lesson-done",
        kwargs={
            "course_id": lesson.module.course_id,
            "module_id": lesson.module_id,
            "lesson_id": lesson.pk,
        },
    )
    assert client.post(url).status_code == 302


def answer(client: Client, quiz: Activity, user, *, right: bool = True) -> None:
    """Post the right option (or a wrong one) where the learner's page shows it."""
    order = option_order(quiz, user)
    number = quiz.answer if right else next(n for n in order if n != quiz.answer)
    response = client.post(quiz.get_absolute_url(), {"option": str(order.index(number) + 1)})
    assert response.status_code == 200
