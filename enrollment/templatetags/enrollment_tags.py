"""Wording helpers for the learner's own pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext_lazy

register = template.Library()

# Django's own units, in the form "%(time)s ago" takes (German wants the
# dative after "vor": "vor 3 Tagen").
AGO_STRINGS = {
    "year": npgettext_lazy("time ago", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("time ago", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("time ago", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("time ago", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("time ago", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("time ago", "%(num)d minute", "%(num)d minutes", "num"),
}


@register.filter
def time_ago(moment: datetime | None) -> str:
    """ "just now" within a minute, else "5 minutes ago", "1 day ago": the
    largest unit only, plurals right (Django's `timesince`)."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, depth=1, time_strings=AGO_STRINGS)}


@register.filter
def due_in(due_at: datetime | None) -> str:
    """When a question comes back for review: "due now", "in 5 hours",
    "tomorrow", "in 3 days"; "mastered" once it never will."""
    if due_at is None:
        return _("mastered")
    left = due_at - timezone.now()
    if left <= timedelta(0):
        return _("due now")
    if left < timedelta(hours=1):
        return _("in less than an hour")
    if left < timedelta(hours=23, minutes=30):
        hours = round(left / timedelta(hours=1))
        return ngettext("in %(count)d hour", "in %(count)d hours", hours) % {"count": hours}
    days = max(1, round(left / timedelta(days=1)))
    if days == 1:
        return _("tomorrow")
    return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
