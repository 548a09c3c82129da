"""A learner's rendered pages, kept until anything they show changes.

A logged-in learner's course, module, lesson and quiz pages and their dashboard
are made from course content, from what the learner has done (enrollments,
completions, answers, resume points, notifications, their account) and from
the clock ("last opened 5 minutes ago"; the visit recorded once a minute).
Each of the first two has a version in the shared cache that every write
moves on when its transaction commits: the content version
(`athena.pagecache`) and a version per learner (`learner_changed`, called by
the model signals in `enrollment.signals` and by the services whose writes
send none). A page is stored with both versions and an expiry, and served
again, without loading the user or running the view, while both versions
are the same and it has not expired.

A hit costs the session and one cache round trip (both versions and the page),
about what Django's trivial view costs; a learner who moves to another item
moves their resume point, which retires their pages, so it is the repeated
page (a reload, back and forth, a second tab) that is served from here.

A quiz's answer page (a POST) is never served before the view runs: the
answer has to be checked and stored. What is kept is its rendering
(`kept_answer`), under a digest of everything it shows: the content version,
the bell's count, the learner's state after the answer and the outcome.

What makes it safe:
- Only the learner it was rendered for gets it, only with a session whose
  account hash and backend are the ones the rendering request had, checked by
  Django against the user's password: a password change or a deactivation
  saves the user, which moves the learner version, and the next request runs
  Django's own checks again.
- Never stored: staff (who see drafts and admin links), a page showing
  messages, a page that used the CSP nonce, anything but a 200 answer to a GET,
  or a view that did not ask for it (`keep_for_learner`). Never served with
  messages waiting.
- CSRF tokens are punched out and every page served gets the learner's own, as
  `athena.pagecache` does for visitors.
- The middleware sits between the session and CSRF middleware; the headers the
  middleware inside it adds (X-Frame-Options) are stored with the page.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template.response import SimpleTemplateResponse

from athena.pagecache import (
    CONTENT_VERSION_KEY,
    established_version,
    keepable,
    new_version,
    page_key,
    replayed_body,
)
from notifications.selectors import notification_unread_count, unread_count_cache_key

LEARNER_PAGE_KEY_PREFIX = "learner-page"
LEARNER_ANSWER_KEY_PREFIX = "learner-answer"
# Where django.contrib.messages keeps messages that did not fit in its cookie.
_SESSION_MESSAGES_KEY = "_messages"


def learner_version_key(user_id: Any) -> str:
    return f"learner-version:{user_id}"


def learner_changed(user_id: Any) -> None:
    """Something a page shows of this learner changed (or is about to, in the
    open transaction): retire their kept pages when it commits, as
    `athena.pagecache.content_changed` does for content."""
    transaction.on_commit(lambda: cache.set(learner_version_key(user_id), new_version(), None))


class LearnerRowsAdminMixin:
    """For a ModelAdmin of rows a learner's pages show (with a `user` foreign
    key): deleting them retires the learners' kept pages, as saving does
    through the model signals. `learner_rows_changed` is what is done for
    each learner whose rows changed; an admin whose model sends no signal the
    pages follow (or that keeps more, such as a count) says so there."""

    def learner_rows_changed(self, user_id: Any) -> None:
        learner_changed(user_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.learner_rows_changed(obj.user_id)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for user_id in set(queryset.values_list("user_id", flat=True)):
            self.learner_rows_changed(user_id)
        super().delete_queryset(request, queryset)  # type: ignore[misc]


def keep_for_learner(response: HttpResponse, *, until: float | None = None) -> HttpResponse:
    """Let the middleware keep this page (`response`, from a learner page's
    view) for its learner, until `until` (a `time.time()` moment: when what
    the page shows changes with the clock, or the visit is to be recorded
    again) at the latest."""
    response.learner_page_until = until  # type: ignore[attr-defined]
    return response


class LearnerPageCacheMiddleware:
    """Serve and store a learner's pages; see the module docstring. Placed
    after SessionMiddleware (a hit reads the session) and CommonMiddleware,
    before CsrfViewMiddleware and AuthenticationMiddleware (a hit loads no user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(lambda request: HttpResponse())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.LEARNER_PAGE_CACHE_SECONDS
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME not in request.COOKIES
            or request.COOKIES.get("messages")
        ):
            return self.get_response(request)
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None or _SESSION_MESSAGES_KEY in session:
            return self.get_response(request)
        key = page_key(LEARNER_PAGE_KEY_PREFIX, request, user_id)
        version_key = learner_version_key(user_id)
        found = cache.get_many([CONTENT_VERSION_KEY, version_key, key])
        versions = (
            found.get(CONTENT_VERSION_KEY),
            found.get(version_key),
            session.get(HASH_SESSION_KEY),
            session.get(BACKEND_SESSION_KEY),
        )
        stored = found.get(key)
        if _current(stored, versions):
            return self._replay(request, stored)
        # Read before the view reads anything, so a write committed meanwhile
        # leaves this page under versions that are already retired.
        versions = (
            established_version(CONTENT_VERSION_KEY, versions[0]),
            established_version(version_key, versions[1]),
            *versions[2:],
        )
        response = self.get_response(request)
        if hasattr(response, "learner_page_until") and _storable(request, response, user_id):
            _keep(key, request, response, versions=versions)
        return response

    def _replay(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        if stored["csrf"]:
            # CsrfViewMiddleware has not run: as it would, read the CSRF cookie
            # (the page's tokens) and set it on the answer.
            self.csrf.process_request(request)
        response = _replayed(request, stored)
        if stored["csrf"]:
            self.csrf.process_response(request, response)
        return response


def kept_answer(
    request: HttpRequest,
    *,
    inputs: tuple[Any, ...],
    render: Callable[[], SimpleTemplateResponse],
    reusable: bool = True,
) -> HttpResponse:
    """The page answering a learner's POST (a quiz's answer), made by `render`
    (a view's response, not rendered yet), or the same page as made before,
    when everything it shows was the same: course content, the bell's count,
    the learner (not staff) and `inputs` (their state after the POST, the
    answer's outcome), and it has not expired (`keep_for_learner`). The POST
    itself has been handled by then; what is saved is making the page (its
    context too: `reusable` False when making it records something, such as
    a visit). One page per learner and URL."""
    user = request.user
    if (
        not settings.LEARNER_PAGE_CACHE_SECONDS
        or not user.is_authenticated
        or user.is_staff
        or user.is_superuser
        or get_messages(request)
    ):
        return render()
    key = page_key(LEARNER_ANSWER_KEY_PREFIX, request, user.pk)
    unread_key = unread_count_cache_key(user.pk)
    found = cache.get_many([CONTENT_VERSION_KEY, unread_key, key])
    unread = found.get(unread_key)
    if unread is None:
        unread = notification_unread_count(user_id=user.pk)
    digest = _digest(
        established_version(CONTENT_VERSION_KEY, found.get(CONTENT_VERSION_KEY)), unread, inputs
    )
    stored = found.get(key)
    if reusable and _current(stored, (digest,)):
        return _replayed(request, stored)
    response = render()
    response.render()
    if _storable(request, response, user.pk):
        _keep(key, request, response, versions=(digest,))
    return response


def _digest(*inputs: Any) -> str:
    """A digest of a page's inputs, the same in every process."""
    return hashlib.blake2b(repr(_canonical(inputs)).encode(), digest_size=16).hexdigest()


def _canonical(value: Any) -> Any:
    # A set's order follows string hashing, which differs between processes.
    if isinstance(value, set | frozenset):
        return sorted((_canonical(part) for part in value), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(part) for part in value]
    return value


def _storable(request: HttpRequest, response: HttpResponse, user_id: Any) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and user is not None
        and user.is_authenticated
        and str(user.pk) == str(user_id)
        and not (user.is_staff or user.is_superuser)
        and getattr(request, "_csp_nonce", None) is None
        # Messages shown on this page (added while it was made) are shown once.
        and not get_messages(request)
    )


def _replayed(request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
    """A kept page as an answer to `request`, with the learner's own CSRF token."""
    body = replayed_body(request, stored)
    response = HttpResponse(b"" if request.method == "HEAD" else body)
    for name, value in stored["headers"]:
        response[name] = value
    response["X-Page-Cache"] = "learner-hit"
    return response


def _current(stored: Any, versions: tuple[Any, ...]) -> bool:
    """Whether a page found in the cache was kept under `versions` and has
    not expired."""
    return (
        isinstance(stored, dict)
        and stored.get("versions") == versions
        and stored["until"] > time.time()
    )


def _keep(
    key: str, request: HttpRequest, response: HttpResponse, *, versions: tuple[Any, ...]
) -> None:
    """Keep `response` under `key` with `versions`, until the moment its view
    gave (`keep_for_learner`) or LEARNER_PAGE_CACHE_SECONDS from now,
    whichever comes first."""
    until = min(
        getattr(response, "learner_page_until", None) or float("inf"),
        time.time() + settings.LEARNER_PAGE_CACHE_SECONDS,
    )
    stored = {**keepable(request, response), "versions": versions, "until": until}
    cache.set(key, stored, max(1, int(until - time.time())))
