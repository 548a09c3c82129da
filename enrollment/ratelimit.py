"""How often a learner may submit one quiz: a fixed one-minute window counted
on the default cache, which is shared by every app server when CACHE_URL
points at Redis (with the per-process local cache, each server counts alone).

Without a limit a script could try every option of every quiz in a second."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from athena.client_address import client_address
from athena.ratelimit import window_count

WINDOW_SECONDS = 60


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
    count = window_count(f"quiz-submissions:{activity_id}:{who}", seconds=WINDOW_SECONDS)
    return count <= settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE
