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


def time_ago_changes(moment: datetime | None) -> float | None:
    """When `time_ago(moment)` will next read differently, as a `time.time()`
    moment: for "just now" and minutes exactly, for hours and more within a
    minute (they change far less often). None for no moment."""
    if moment is None:
        return None
    now = timezone.now()
    elapsed = (now - moment).total_seconds()
    if elapsed < 60 * 60:
        return moment.timestamp() + (elapsed // 60 + 1) * 60
    return now.timestamp() + 60
