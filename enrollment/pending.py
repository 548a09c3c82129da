"""An enrollment an anonymous visitor asked for, finished once they log in.

A visitor's Enroll is a link to the log-in page carrying `?enroll=<course id>`
(the course page then holds no form, so no CSRF token or cookie is made for
every visitor); the log-in and sign-up forms carry the wish on, and their
POST (which has a token) files it in the session. The session survives
logging in and signing up; the `user_logged_in` receiver (enrollment.signals)
completes it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from courses.models import Course
from enrollment.services import enrollment_create

SESSION_KEY = "enrollment_pending_course_id"
WISH_PARAMETER = "enroll"


def enrollment_wished(request: HttpRequest) -> Course | None:
    """The published course a log-in or sign-up form was asked to enroll in."""
    raw = request.POST.get(WISH_PARAMETER) or request.GET.get(WISH_PARAMETER) or ""
    # ASCII digits only ("²" is a digit to isdigit(), not to int()), few enough
    # for a bigint.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return Course.objects.published().filter(pk=int(raw)).first()


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
    _enrollment, created = enrollment_create(user=user, course=course)
    if created:
        messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.topic})
