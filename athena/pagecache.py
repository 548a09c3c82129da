"""Rendered pages for anonymous visitors, from the cache.

A visitor who sends no session or messages cookie sees the same page as every
other such visitor. A view says a page is that (`public_page`: the course
pages, the catalog and the home page do, for visitors only); such a page is
stored whole, body and headers exactly as rendered, under a key made of the
public content version, this release, the host and the full path, and served
again without running the session, authentication, CSRF, messages or view
code at all.

What is never stored: a page no view marked public, anything but a 200 answer
to GET/HEAD, a response that sets any cookie (a CSRF token is one person's:
a page with a form is rendered for each visitor), a page that used the CSP
nonce, anything marked private or no-store, and any request that carries a
session or messages cookie or credentials. Nothing in a stored page is ever
rewritten: what was rendered is what is served, with its own headers.

Correctness does not depend on the cache backend. The key holds the public
content version (athena.versions), a counter in the database that every write
a visitor could see (a published course edited, a course published,
unpublished or deleted) moves on in its own transaction: the middleware reads
it (one query) before anything else, so a change made by any process is
never hidden from the next request to any process, with the default
per-process cache as with Redis. Pages also expire after PAGE_CACHE_SECONDS,
which bounds how stale the parts that follow learner activity (trending
shelves, popularity) may get. The cache failing (Redis away) costs the page
its shortcut, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

from athena import versions

logger = logging.getLogger(__name__)

PAGE_KEY_PREFIX = "page"
# Headers the middleware between this one and the view adds that belong to
# one request only.
_NOT_STORED_HEADERS = {"x-request-id", "x-page-cache"}


def public_page(response: HttpResponse) -> HttpResponse:
    """Mark a page as the same for every visitor without a session: shared
    caches (this one, a CDN) may keep it but must check it is current before
    each use (`no-cache`), since an editor may unpublish it at any moment."""
    patch_cache_control(response, public=True, no_cache=True)
    return response


class PublicPageMixin:
    """For a page that is the same for every visitor without a session: it
    says so (`public_page`), so the page cache may keep it for
    them. A signed-in person's page is their own: `Cache-Control: private`
    (athena.middleware.PrivatePagesMiddleware) keeps it out of shared caches."""

    request: HttpRequest
    # Read by the page cache before the view runs (`_public_view`).
    public_pages = True

    def is_public(self, context: dict[str, Any]) -> bool:
        return not self.request.user.is_authenticated

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if self.is_public(context):
            public_page(response)
        return response


def page_key(prefix: str, request: HttpRequest, *scope: Any) -> str:
    """The cache key of the page `request` asks for: under `prefix`, this
    release and `scope` (a version, say), the host and full path hashed."""
    # get_host() also refuses a host not in ALLOWED_HOSTS, as the view would.
    raw = f"{request.get_host()}:{request.get_full_path()}"
    path = hashlib.sha256(raw.encode()).hexdigest()
    return ":".join([prefix, release(), *map(str, scope), path])


# What a page is made from besides data: the code, templates and static files
# (their hashed names are in every page).
_RELEASE_SOURCES = (
    "templates",
    "static",
    "athena",
    "accounts",
    "courses",
    "enrollment",
    "generation",
    "notifications",
)


@functools.cache
def release() -> str:
    """This build of Athena, for keys of rendered pages: a deploy must not
    serve pages its predecessor rendered (other markup, static file names that
    are gone). ATHENA_RELEASE when set (a commit id at image build), else a
    digest of the source files, read once per process."""
    if settings.ATHENA_RELEASE:
        return settings.ATHENA_RELEASE
    digest = hashlib.blake2b(digest_size=8)
    base = Path(settings.BASE_DIR)
    for top in _RELEASE_SOURCES:
        for path in sorted((base / top).rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".css", ".js", ".svg"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies
        or request.META.get("HTTP_AUTHORIZATION")
    )


def _public_view(request: HttpRequest) -> bool:
    """Whether the view for this address may answer with a public page
    (`PublicPageMixin`): other addresses cost no version read at all."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", match.func)
    return getattr(view, "public_pages", False)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    # django-csp's lazy nonce is true once a template used it: a nonce is for
    # one response only.
    if getattr(request, "csp_nonce", None):
        return False
    cache_control = {
        part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")
    }
    return "public" in cache_control and not cache_control & {"private", "no-store"}


def _cache_call(call: Callable[[], Any]) -> Any:
    """`call` on the cache, or None when the cache fails: a cache that is away
    (Redis restarting) costs a page its shortcut, never an error."""
    try:
        return call()
    except Exception:  # every backend raises its own errors
        logger.warning("page cache unavailable", exc_info=True)
        return None


class AnonymousPageCacheMiddleware:
    """Serve and store whole public pages for visitors; see the module
    docstring. Placed after SecurityMiddleware, WhiteNoise and CSPMiddleware
    (their headers are added to every answer, stored or not) and before
    SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.PAGE_CACHE_SECONDS
        if (
            not timeout
            or request.method not in ("GET", "HEAD")
            or not _anonymous(request)
            or not _public_view(request)
        ):
            return self.get_response(request)
        # Read before the view reads anything: a page rendered while a change
        # commits is filed under a version that is already retired.
        try:
            version = versions.current(versions.PUBLIC_CONTENT)
        except DatabaseError:
            # Without the database nothing stored can be trusted; the view
            # answers as it can (athena.middleware: a 503 where it needs it).
            return self.get_response(request)
        key = page_key(PAGE_KEY_PREFIX, request, version)
        stored = _cache_call(lambda: cache.get(key))
        if isinstance(stored, dict) and stored.get("format") == _FORMAT:
            return self._replay(request, stored)
        response = self.get_response(request)
        if _storable(request, response):
            stored = self._store(response)
            _cache_call(lambda: cache.set(key, stored, timeout))
            response["ETag"] = stored["etag"]
            response["X-Page-Cache"] = "miss"
        return response

    def _store(self, response: HttpResponse) -> dict[str, Any]:
        body = response.content
        etag = quote_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in _NOT_STORED_HEADERS
        ]
        return {
            "format": _FORMAT,
            "body": body,
            "headers": headers,
            "etag": etag,
            "last_modified": http_date(),
        }

    def _replay(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        etag = stored["etag"]
        if_none_match = request.headers.get("If-None-Match", "")
        if etag in [tag.strip() for tag in if_none_match.split(",")]:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(b"" if request.method == "HEAD" else stored["body"])
            for name, value in stored["headers"]:
                response[name] = value
        response["ETag"] = etag
        response["Last-Modified"] = stored["last_modified"]
        response["X-Page-Cache"] = "hit"
        patch_vary_headers(response, ["Cookie"])
        return response


# Stored pages carry their format: one stored by an earlier release under the
# same key (ATHENA_RELEASE reused) is a miss, never an error.
_FORMAT = 2
