"""Issue the certificate the moment a learner finishes a course (enrollment
announces it, in the request that recorded the last item)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from certificates.services import certificate_issue
from enrollment.events import course_finished


@receiver(course_finished)
def issue_certificate(sender: Any, user: Any, course: Any, **kwargs: Any) -> None:
    certificate_issue(user=user, course=course)
