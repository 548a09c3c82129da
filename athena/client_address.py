"""Who a request comes from: the one client address the whole project counts
by (the log-in lockout through django-axes, the anonymous quiz limit, the
account mail limits).

`REMOTE_ADDR` is the other end of the connection. Behind the TLS proxy of
docs/deployment.md (`BEHIND_TLS_PROXY=true`) that is the proxy, shared by
every visitor, and the client is the hop the proxy appended to
X-Forwarded-For: its last entry. Everything before it was sent by the client
and is never believed. The header is read only when a proxy is configured,
and only on connections from one of its addresses (`FORWARDED_ALLOW_IPS`,
the setting gunicorn believes X-Forwarded-Proto by): a client that reaches
the server directly can write any header it likes.

django-ipware reads the header (ports, brackets, IPv4-mapped IPv6 and
malformed entries); this module decides whether to ask it.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ipware.ip import get_client_ip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or, on a connection from the
    configured proxy, the last hop of X-Forwarded-For (the peer's again when
    the proxy sent none that parses)."""
    peer = request.META.get("REMOTE_ADDR") or ""
    if not _is_trusted_proxy(peer):
        return peer
    forwarded, _routable = get_client_ip(
        request,
        # The last hop is the one the proxy wrote; no hop after it is a proxy.
        proxy_count=0,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        # Skip what does not parse rather than refuse the whole header: the
        # proxy's own hop is well formed whatever the client put before it.
        strict=False,
    )
    return forwarded or peer


def _is_trusted_proxy(peer: str) -> bool:
    proxies = _trusted_proxies(tuple(settings.ATHENA_TRUSTED_PROXIES))
    if proxies is None:  # "*": whoever connects (a proxy on a Unix socket)
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in proxies)


@functools.cache
def _trusted_proxies(entries: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The proxy networks, read once per list; None when every peer is one."""
    entries = tuple(entry.strip() for entry in entries if entry.strip())
    if "*" in entries:
        return None
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS must list IP addresses or networks (or '*'): {error}"
        ) from error
