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
