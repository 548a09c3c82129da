"""System checks for settings that could serve course content after it changed.

Athena never stores a page: every page reads its course's row, and what a
process keeps of a course is filed under the row's content version
(courses.outline), so an edit, an unpublish or a deletion shows on the next
request of every worker whatever the cache backend. A cache in front of the
views would undo that: Django's per-site cache middleware stores whole
pages for `CACHE_MIDDLEWARE_SECONDS`, unpublished courses included."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

PAGE_CACHE_MIDDLEWARE = {
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.middleware.cache.FetchFromCacheMiddleware",
    "django.middleware.cache.CacheMiddleware",
}


@checks.register(checks.Tags.caches, deploy=True)
def page_cache_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found = sorted(PAGE_CACHE_MIDDLEWARE.intersection(settings.MIDDLEWARE))
    return [
        checks.Warning(
            f"{name} stores whole pages: a course unpublished, deleted or edited "
            "would still be served from it until the entry expires.",
            hint="Remove it: Athena's pages read fresh content on every request "
            "and say how browsers and proxies may keep them (Cache-Control).",
            id="courses.W001",
        )
        for name in found
    ]
