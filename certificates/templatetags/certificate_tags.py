"""The learner's certificates, for pages of other apps (the dashboard) that
may not import this one: enrollment is below certificates."""

from __future__ import annotations

from typing import Any

from django import template

from certificates.models import Certificate

register = template.Library()


@register.simple_tag
def learner_certificates(user: Any) -> list[Certificate]:
    """Every certificate of `user`, newest first: one query, whatever their number."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Certificate.objects.of_learner(user).only(
            "course_id", "course_title", "issued_at", "revoked_at", "code"
        )
    )
