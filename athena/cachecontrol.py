"""Who may keep a page: `Cache-Control` on every answer.

A page a view marks public (`public_page`, `PublicPageMixin`: the catalog at
its filter addresses, the home page and a course's pages, for visitors without
a session) is the same for every such visitor; shared caches (a CDN, a proxy)
may keep it but must check it is current before each use (`no-cache`), since
an editor may unpublish it at any moment. Every other page is `private`
(athena.middleware.CacheControlMiddleware): a learner's pages, forms with a
CSRF token, anything that sets a cookie.

Athena itself keeps no rendered page: measured on the long-tail, Zipf and
learner-walk loads, a page cache in front of the views cost more than it
saved (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def public_page(response: HttpResponse) -> HttpResponse:
    """Mark `response` as the same for every visitor without a session."""
    patch_cache_control(response, public=True, no_cache=True)
    return response


class PublicPageMixin:
    """For a view whose page is the same for every visitor without a session:
    it says so (`public_page`) when `is_public`. A signed-in person's page is
    their own: `Cache-Control: private`."""

    request: HttpRequest

    def is_public(self, context: dict[str, Any]) -> bool:
        return not self.request.user.is_authenticated

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)  # type: ignore[misc]
        if self.is_public(context):
            public_page(response)
        return response
