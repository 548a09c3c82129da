"""Wording helpers for the learner's own pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def time_ago(moment: datetime | None) -> str:
    """ "just now" within a minute, else "5 minutes ago", "1 day ago": the
    largest unit only, plurals right (Django's `timesince`)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


@register.filter
def due_in(due_at: datetime | None) -> str:
    """When a question comes back for review: "due now", "in 5 hours",
    "tomorrow", "in 3 days"; "mastered" once it never will."""
    if due_at is None:
        return "mastered"
    left = due_at - timezone.now()
    if left <= timedelta(0):
        return "due now"
    if left < timedelta(hours=1):
        return "in less than an hour"
    if left < timedelta(hours=23, minutes=30):
        hours = round(left / timedelta(hours=1))
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    days = max(1, round(left / timedelta(days=1)))
    return "tomorrow" if days == 1 else f"in {days} days"
