"""The site's own address, for links that leave the page (account e-mails).

A request's Host header is checked against ALLOWED_HOSTS by its name only:
its port is whatever the client sent. Links built from it would carry a port
an attacker chose, so e-mailed links start with ATHENA_SITE_URL, and without
it with the request's scheme and host name but never its port (except with
DEBUG on, where the development server's port is part of the address).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port


def site_url(request: HttpRequest) -> str:
    """The origin links start with, e.g. "https://athena.example.com"."""
    if settings.ATHENA_SITE_URL:
        return settings.ATHENA_SITE_URL
    host = request.get_host()  # refuses a name not in ALLOWED_HOSTS
    if not settings.DEBUG:
        host, _port = split_domain_port(host)
    return f"{request.scheme}://{host}"
