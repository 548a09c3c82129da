"""Project-wide middleware: request ids, health endpoints, database outages."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.log import log_response

from athena import views
from athena.log import REQUEST_ID_HEADER, current_request_id, request_id_from

logger = logging.getLogger("athena.request")

HEALTH_VIEWS = {
    "/healthz": views.healthz_ready,
    "/healthz/ready": views.healthz_ready,
    "/healthz/live": views.healthz_live,
}


class RequestIdMiddleware:
    """Give each request an id (see athena.log) and return it in `X-Request-ID`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        # Kept until the response is finished (below), so the line Django logs
        # for an error response, after the middleware has run, carries it too.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="athena-forget-request-id")
def forget_request_id(**kwargs: object) -> None:
    current_request_id.set("-")


class HealthCheckMiddleware:
    """Answer the health endpoints before anything reads the Host header.

    Load balancers and Docker probe a server by its address, not by the public
    name in ALLOWED_HOSTS, and the HTTPS redirect means nothing to them. These
    answers build no URL from the Host header and set no cookie, so skipping the
    host check is safe for them alone. Placed before SecurityMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A page whose database (or Redis cache) is down or silent answers 503 with
    Retry-After, not 500: the outage is not a bug, and clients may retry.

    Errors raised by views (and templates) arrive here; the few raised by other
    middleware reach athena.views.server_error, which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, views.STORE_UNAVAILABLE):
            return None
        response = views.service_unavailable(request)
        # One line per failed request, naming the cause; log_response marks the
        # response logged, so Django adds no second one.
        log_response(
            "Service Unavailable (%s): %s %s: %s: %s",
            "database" if isinstance(exception, OperationalError | InterfaceError) else "cache",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            response=response,
            request=request,
            logger=logger,
            level="error",
        )
        return response


class CacheControlMiddleware:
    """Every page says who may keep it. A page a view marked public
    (athena.cachecontrol.public_page) stays so unless it sets a cookie (a CSRF
    token, a session: one person's); every other page is `private`, kept by
    the browser only, never by a shared cache (a proxy, a CDN). Placed before
    the session and CSRF middleware, so it sees the cookies they set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if "public" not in cache_control or response.cookies:
            patch_cache_control(response, private=True)
        return response


class LearnerLanguageMiddleware:
    """The interface's language for a signed-in learner who chose one on their
    profile; else what Django's LocaleMiddleware negotiated (the switcher's
    cookie, else Accept-Language, else English). After AuthenticationMiddleware:
    the profile's choice comes with the user's row (accounts.backends), no
    query of its own.

    Pages differ by that cookie too: `Vary: Cookie` (LocaleMiddleware adds
    `Vary: Accept-Language`), so a shared cache never hands one visitor's
    language to another."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = frozenset(code for code, _ in settings.LANGUAGES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "interface_language", "")
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response
