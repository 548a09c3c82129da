"""Context for every template rendered with a request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def signed_in(request: HttpRequest) -> dict[str, Any]:
    """`signed_in`: whether the visitor is logged in, as a plain boolean.
    Templates ask it several times a page; each `user.is_authenticated`
    went through the lazy `user` wrapper's proxies (about a twelfth of a
    course page's rendering, measured)."""
    user = getattr(request, "user", None)
    return {"signed_in": bool(user is not None and user.is_authenticated)}
