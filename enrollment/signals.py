"""Finish an enrollment an anonymous visitor started before logging in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from courses.models import Course
from enrollment.services import enrollment_create
from enrollment.views import PENDING_ENROLLMENT_SESSION_KEY


@receiver(user_logged_in)
def enroll_pending_course(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    course_id = request.session.pop(PENDING_ENROLLMENT_SESSION_KEY, None)
    if course_id is None:
        return
    course = Course.objects.visible_to(user).filter(pk=course_id).first()
    if course is None:
        return
    _, created = enrollment_create(user=user, course=course)
    if created:
        messages.success(request, f"You are enrolled in {course.topic}.")
