"""System checks for settings that could serve stale pages
(`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Past this, a stored page may show trending shelves and counts that lag the
# learners' activity by more than an hour.
PAGE_CACHE_SECONDS_LIMIT = 3600


@register(Tags.caches, deploy=True)
def check_page_cache_lifetime(app_configs: Any, **kwargs: Any) -> list[Warning]:
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds > PAGE_CACHE_SECONDS_LIMIT:
        return [
            Warning(
                f"PAGE_CACHE_SECONDS is {seconds}: visitors' stored pages may show trending "
                "shelves and enrollment counts that old (content edits retire them at once).",
                hint=f"Keep it at {PAGE_CACHE_SECONDS_LIMIT} or less; the default is 300.",
                id="athena.W001",
            )
        ]
    return []


@register(Tags.caches, deploy=True)
def check_release_name(app_configs: Any, **kwargs: Any) -> list[Warning]:
    release = settings.ATHENA_RELEASE
    if release and release.lower() in {"latest", "main", "master", "dev", "release"}:
        return [
            Warning(
                f"ATHENA_RELEASE is {release!r}, a name every deploy would share: pages "
                "stored by the previous build (its markup, its static file names) would be "
                "served after a deploy.",
                hint="Set it to the image's commit id, or leave it empty (a digest of the "
                "source files is used).",
                id="athena.W002",
            )
        ]
    return []
