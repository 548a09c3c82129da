"""How often a learner may submit one quiz: a fixed one-minute window counted
on the default cache, which is shared by every app server when CACHE_URL
points at Redis (with the per-process local cache, each server counts alone).

Without a limit a script could try every option of every quiz in a second."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from athena.client_address import client_address

WINDOW_SECONDS = 60


def _window_hit(key: str, *, limit: int) -> bool:
    """Count one hit on `key`; answer whether it is within `limit` this window."""
    count_in_window = getattr(cache, "count_in_window", None)
    if count_in_window is not None:  # Redis: one round trip (athena.cache)
        return count_in_window(key, WINDOW_SECONDS) <= limit
    # add() starts the window only if none is running; incr() is atomic on Redis.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    if count == 1:
        # Django's Redis incr() is EXISTS then INCR: should the window end
        # between the two, INCR makes a counter that never expires, and the
        # learner would be refused this quiz for good. The first hit of a
        # window gives its counter the window's lifetime again.
        cache.touch(key, WINDOW_SECONDS)
    return count <= limit


def quiz_submission_allowed(*, request: HttpRequest, activity_id: int) -> bool:
    """Whether this submission of the quiz is within the learner's allowance
    (settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE). A learner is their account; an
    anonymous visitor their client address (athena.client_address: behind the
    proxy, the visitor's, not the proxy's)."""
    who = (
        f"user:{request.user.pk}"
        if request.user.is_authenticated
        else f"addr:{client_address(request)}"
    )
    return _window_hit(
        f"quiz-submissions:{activity_id}:{who}", limit=settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE
    )
