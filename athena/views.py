"""Project-level views that belong to no app: health endpoints and error pages."""

import sys
from contextlib import suppress
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error

from athena.cache import CACHE_UNAVAILABLE
from athena.memo import KeptAnswer

# A shared store that is down or silent: the database, or Redis behind the
# cache (for the calls that cannot do without it: athena.cache).
STORE_UNAVAILABLE = (OperationalError, InterfaceError, *CACHE_UNAVAILABLE)

# Seconds a client is asked to wait before retrying while the database is down.
RETRY_AFTER_SECONDS = 30


@never_cache
@require_safe
def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process serves requests. Touches neither database nor cache,
    so an outage there never gets healthy servers restarted."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def healthz_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's second floor (bench/): a view that does nothing, reached
    through the whole middleware stack (unlike `/healthz/live`, which
    HealthCheckMiddleware answers first). Touches neither database nor cache."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database answers, else 503, within a few
    seconds even when the database is frozen; the answer names what is down.

    A cache that does not answer makes the server "degraded", still ready:
    pages are served without it (athena.cache), and Redis is shared by every
    server, so counting it would take them all out of the load balancer at
    once."""
    checks = READINESS.get()
    ready = checks["database"]
    return JsonResponse(
        {
            "status": "unavailable" if not ready else "ok" if all(checks.values()) else "degraded",
            **{name: "ok" if ok else "unreachable" for name, ok in checks.items()},
        },
        status=HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE,
    )


def _readiness_checks() -> dict[str, bool]:
    return {"database": _database_answers(), "cache": _cache_answers()}


# What the readiness checks found, shared by the probes of this process for
# HEALTHZ_KEEP_SECONDS (1 s by default): load balancers, Docker and a probe
# flood together cost each process at most one database session in that
# time, and a store that went away is reported within it.
READINESS = KeptAnswer(_readiness_checks, lambda: settings.HEALTHZ_KEEP_SECONDS)


def _database_answers() -> bool:
    """Ask the database for `SELECT 1` on a fresh, short-lived connection.

    A fresh connection tests what a new request would meet, and its own short
    connect, statement and client timeouts bound the check whatever state the
    request threads' connections are in.
    """
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    probe_settings: dict[str, Any] = {**settings_dict, "CONN_MAX_AGE": 0}
    if settings_dict["ENGINE"] == "athena.postgresql":
        seconds = settings.HEALTHZ_DATABASE_TIMEOUT
        probe_settings["OPTIONS"] = {
            **settings_dict["OPTIONS"],
            "connect_timeout": max(2, round(seconds)),  # libpq's minimum is 2
            "options": f"-c statement_timeout={int(seconds * 1000)}",
            "client_timeout": seconds,
            "tcp_user_timeout": int(seconds * 1000),
        }
    probe = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(probe_settings, DEFAULT_DB_ALIAS)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False
    finally:
        with suppress(DatabaseError):
            probe.close()


def _cache_answers() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:  # any cache client error (Redis down, timeout) means unreachable
        return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The friendly 503 page. Renders without a request context: nothing on it
    may need the database (no user, no messages)."""
    response = HttpResponse(render_to_string("503.html"), status=HTTPStatus.SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a store outage met outside a view (in middleware, say) still
    answers 503; everything else is Django's 500 page."""
    if isinstance(sys.exc_info()[1], STORE_UNAVAILABLE):
        return service_unavailable(request)
    return django_server_error(request)
