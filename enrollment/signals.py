"""Finish an enrollment an anonymous visitor started before logging in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from enrollment.pending import enrollment_complete_pending


@receiver(user_logged_in)
def enroll_pending_course(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        enrollment_complete_pending(request=request, user=user)
