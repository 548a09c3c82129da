"""Rendered pages for anonymous visitors, from the shared cache.

A visitor who sends no session or messages cookie sees the same page as every
other such visitor: nothing on it can be theirs. Those pages are stored whole
(body and headers) under a key made of the content version, the host and the
full path, and served without running the session, authentication, CSRF,
messages or view code at all: a cache hit costs about what a trivial view costs.

What is never stored: anything but a 200 answer to GET/HEAD, a response that
sets a cookie other than the CSRF cookie (a session: a deferred enrollment), a
page that used the CSP nonce (a nonce must not be reused), a response marked
private or no-store, and any request that carries a session or messages cookie.

CSRF tokens (the Enroll button, the quiz form) are punched out: the stored page
holds a placeholder where each token was, and every visitor served from the
cache gets a token of their own (from their CSRF cookie, or a new one with its
cookie), exactly as CsrfViewMiddleware would have given them.

Invalidation: every write to course content (courses/services.py and the
admin) calls `content_changed()`, which moves the content version on once the
transaction commits; pages cached under an older version are never read again
and expire. Pages also expire after PAGE_CACHE_SECONDS, which bounds how stale
the parts that follow learner activity (trending shelves, popularity) can be.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, _unmask_cipher_token, get_token
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, quote_etag

CONTENT_VERSION_KEY = "content-version"
PAGE_KEY_PREFIX = "page"
# Headers the middleware between this one and the view adds that must not be
# replayed to another visitor (none set cookies on a stored page; see above).
_NOT_STORED_HEADERS = {"set-cookie", "x-request-id", "x-page-cache"}
# Stands in for a CSRF token in a stored page; a token is 64 letters and digits.
CSRF_PLACEHOLDER = b"@@athena-csrf-token@@"
_TOKEN_LIKE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def content_version() -> str:
    """The current content version: one cache round trip."""
    return established_version(CONTENT_VERSION_KEY, cache.get(CONTENT_VERSION_KEY))


def established_version(key: str, version: str | None) -> str:
    """`version`, read from `key`, or, when the cache holds none there (new,
    flushed or restarted), a new one that every process then shares: a
    version is never reused, so nothing stored under an older one (in a
    process's memory too) matches."""
    if version is None:
        cache.add(key, new_version(), None)
        version = cache.get(key) or new_version()
    return version


def new_version() -> str:
    """A version no earlier one can equal: the clock, in nanoseconds."""
    return f"{time.time_ns():x}"


def versioned_get_many(keys: list[str]) -> tuple[str, dict[str, Any]]:
    """The current content version, and what `versioned_set_many` stored under
    each of `keys` under that version (keys stored under an older one, or not
    at all, are left out): one cache round trip. For anything cached that an
    edit to course content must retire."""
    found = cache.get_many([CONTENT_VERSION_KEY, *keys])
    version = established_version(CONTENT_VERSION_KEY, found.get(CONTENT_VERSION_KEY))
    current = {}
    for key in keys:
        stored = found.get(key)
        # Anything else under the key (an entry in an older format, written
        # before a deploy) is a miss, never an error.
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
            current[key] = stored[1]
    return version, current


def versioned_get(key: str) -> tuple[str, Any]:
    """`versioned_get_many` for one key: the version, and the value or None."""
    version, found = versioned_get_many([key])
    return version, found.get(key)


def versioned_set_many(values: dict[str, Any], *, version: str, timeout: int) -> None:
    """Store `values` for `versioned_get_many`, tagged with the content version
    read before they were computed (a later edit then retires them)."""
    cache.set_many({key: (version, value) for key, value in values.items()}, timeout)


def versioned_set(key: str, value: Any, *, version: str, timeout: int) -> None:
    """`versioned_set_many` for one key."""
    versioned_set_many({key: value}, version=version, timeout=timeout)


def bump_content_version() -> None:
    """Retire every cached page now. A fresh value, not an increment: it works
    on every cache backend and never collides with a version some other
    process is still writing under."""
    cache.set(CONTENT_VERSION_KEY, new_version(), None)


def content_changed() -> None:
    """Course content changed: retire cached pages when the change commits.

    After commit, so a page rendered while the transaction was open (reading
    the old rows) is stored under the old version, which is never read again.
    Outside a transaction (autocommit) it runs at once."""
    transaction.on_commit(bump_content_version)


def page_key(prefix: str, request: HttpRequest, *scope: Any) -> str:
    """The cache key of the page `request` asks for: under `prefix`, this
    release and `scope` (a learner's id, say), the host and full path hashed."""
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


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    if getattr(request, "_csp_nonce", None) is not None:
        return False  # a nonce is for one response only
    cache_control = response.get("Cache-Control", "")
    return (
        "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
    )


class AnonymousPageCacheMiddleware:
    """Serve and store whole pages for cookieless GETs; see the module docstring.

    Placed after SecurityMiddleware, WhiteNoise and CSPMiddleware (their headers
    are added to every answer, cached or not) and before SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Hands out each visitor's token on a replayed page; built once, as
        # Django builds its own middleware (it keeps no per-request state).
        self.csrf = CsrfViewMiddleware(lambda request: HttpResponse())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.PAGE_CACHE_SECONDS
        if not timeout or request.method not in ("GET", "HEAD") or not _anonymous(request):
            return self.get_response(request)
        key = page_key(PAGE_KEY_PREFIX, request)
        version, stored = versioned_get(key)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        if _storable(request, response):
            stored = self._store(request, response)
            versioned_set(key, stored, version=version, timeout=timeout)
            if not stored["csrf"]:
                response["ETag"] = stored["etag"]
            response["X-Page-Cache"] = "miss"
        return response

    def _store(self, request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
        stored = keepable(request, response)
        etag = hashlib.blake2b(stored["body"], digest_size=12).hexdigest()
        return {**stored, "etag": quote_etag(etag), "last_modified": http_date()}

    def _replay(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        etag = stored["etag"]
        if_none_match = request.headers.get("If-None-Match", "")
        if stored["csrf"]:
            # The visitor's own token, as CsrfViewMiddleware would give it: from
            # their CSRF cookie, or a new secret (and its cookie, set below).
            self.csrf.process_request(request)
        body = replayed_body(request, stored)
        if not stored["csrf"] and etag in [t.strip() for t in if_none_match.split(",")]:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(b"" if request.method == "HEAD" else body)
            for name, value in stored["headers"]:
                response[name] = value
        if stored["csrf"]:
            self.csrf.process_response(request, response)
        if not stored["csrf"]:
            # A page with the visitor's own token is never the same twice.
            response["ETag"] = etag
            response["Last-Modified"] = stored["last_modified"]
        response["X-Page-Cache"] = "hit"
        patch_vary_headers(response, ["Cookie"])
        return response


def keepable(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """What is kept of a rendered page to serve it again (here and in
    athena.learnerpages): the body with every CSRF token punched out, the
    headers but cookies and the request's own, and whether it had tokens."""
    body = response.content
    # get_token() (every {% csrf_token %}) flags the cookie for an update,
    # which CsrfViewMiddleware's process_response then sets (and unflags).
    csrf = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or (
        settings.CSRF_COOKIE_NAME in response.cookies
    )
    if csrf:
        body = punch_csrf_tokens(body, request.META["CSRF_COOKIE"])
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in _NOT_STORED_HEADERS
    ]
    return {"body": body, "headers": headers, "csrf": csrf}


def replayed_body(request: HttpRequest, stored: dict[str, Any]) -> bytes:
    """A kept body with the requester's own CSRF token (their secret, masked
    afresh; CsrfViewMiddleware must have read the cookie) where it had one."""
    if not stored["csrf"]:
        return stored["body"]
    return stored["body"].replace(CSRF_PLACEHOLDER, get_token(request).encode())


def punch_csrf_tokens(body: bytes, secret: str) -> bytes:
    """`body` with every CSRF token made from `secret` (each `{% csrf_token %}`
    masks it afresh) replaced by the placeholder, wherever it appears."""

    def punch(match: re.Match) -> bytes:
        candidate = match.group(0)
        return CSRF_PLACEHOLDER if _unmask_cipher_token(candidate.decode()) == secret else candidate

    return _TOKEN_LIKE.sub(punch, body)
