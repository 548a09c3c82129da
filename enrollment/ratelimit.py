"""How often a learner may submit one quiz: a fixed one-minute window counted
on the default cache, which is shared by every app server when CACHE_URL
points at Redis (with the per-process local cache, each server counts alone).

Without a limit a script could try every option of every quiz in a second."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60


def _window_hit(key: str, *, limit: int) -> bool:
    """Count one hit on `key`; answer whether it is within `limit` this window."""
    # add() starts the window only if none is running; incr() is atomic on Redis.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count <= limit


def quiz_submission_allowed(*, request: HttpRequest, activity_id: int) -> bool:
    """Whether this submission of the quiz is within the learner's allowance
    (settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE). A learner is their account; an
    anonymous visitor, whose answers are checked too, their client address."""
    who = (
        f"user:{request.user.pk}"
        if request.user.is_authenticated
        else f"addr:{request.META.get('REMOTE_ADDR', '')}"
    )
    return _window_hit(
        f"quiz-submissions:{activity_id}:{who}", limit=settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE
    )
