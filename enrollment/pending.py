"""An enrollment an anonymous visitor asked for, finished once they log in.

The wish lives in the session, which survives logging in and signing up; the
`user_logged_in` receiver (enrollment.signals) completes it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from courses.models import Course
from enrollment.services import enrollment_create

SESSION_KEY = "enrollment_pending_course_id"


def enrollment_defer(*, request: HttpRequest, course: Course) -> None:
    """Remember that this visitor wants to enroll in `course` once logged in."""
    request.session[SESSION_KEY] = course.pk


def enrollment_complete_pending(*, request: HttpRequest, user: Any) -> None:
    """Enroll `user` in the course they asked for before logging in, if any."""
    course_id = request.session.pop(SESSION_KEY, None)
    if course_id is None:
        return
    course = Course.objects.visible_to(user).filter(pk=course_id).first()
    if course is not None:
        enroll_and_announce(request=request, user=user, course=course)


def enroll_and_announce(*, request: HttpRequest, user: Any, course: Course) -> None:
    """Enroll, and tell the learner when it is new (a second click says nothing)."""
    _, created = enrollment_create(user=user, course=course)
    if created:
        messages.success(request, f"You are enrolled in {course.topic}.")
