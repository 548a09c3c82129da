"""Django's PostgreSQL backend, with a deadline on every wait for the server.

`statement_timeout` makes the server end a slow query and `connect_timeout`
bounds a connection attempt, but neither helps when the server stops answering
altogether (a frozen host, a network that drops packets without a reset): the
kernel keeps the TCP connection open and psycopg would wait forever, and so would
every gunicorn thread, health checks included. Here every wait for a reply on an
open connection ends after `OPTIONS["client_timeout"]` seconds (set a little
above the statement timeout, so the server's own cancellation wins when it is
alive); the connection is then dropped and Django sees an `OperationalError`,
which Athena answers with a 503 (athena.middleware).

It also spares each request the health check's round trip (`SELECT 1`,
`CONN_HEALTH_CHECKS`) while its connection answered within the last second:
a connection that just answered is alive, and a database lost since costs
that request a 503, as it would cost one already under way. An idle
connection is still checked before use.

Used as `ENGINE = "athena.postgresql"` (athena/settings.py). The pooled mode
(`OPTIONS["pool"]`) builds its connections in psycopg_pool: pass
`"connection_class": DeadlineConnection` among the pool options there.
"""

import time
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors

# psycopg raises this private OperationalError subclass when `wait(timeout=...)`
# expires; psycopg has no public way to bound a wait on an open connection. Kept
# on purpose: psycopg is pinned in requirements.txt, and athena/tests/test_db.py
# (a late reply) and test_database_failures.py (a frozen server) exercise it.
_WaitTimeout = errors._WaitTimeout


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after `client_timeout`."""

    client_timeout: float | None = None
    # When the server last answered (time.monotonic()).
    answered_at: float = float("-inf")

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.client_timeout
        try:
            result = super().wait(gen, interval=interval, timeout=timeout)
        except _WaitTimeout:
            # The reply may still come: the connection is in an unknown state and
            # must never be reused.
            self.pgconn.finish()
            raise errors.OperationalError(
                f"the database server did not answer within {timeout:g} seconds"
            ) from None
        self.answered_at = time.monotonic()
        return result


class _Psycopg:
    """The psycopg module as Django's backend sees it, but connecting with
    DeadlineConnection (Django calls `self.Database.connect`)."""

    def __init__(self, client_timeout: float | None) -> None:
        self.client_timeout = client_timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)

    def connect(self, *args: Any, **kwargs: Any) -> DeadlineConnection:
        connection = DeadlineConnection.connect(*args, **kwargs)
        connection.client_timeout = self.client_timeout
        return connection


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        client_timeout = params.pop("client_timeout", None)
        # One wrapper per thread and alias, so this attribute is never shared.
        self.Database = _Psycopg(float(client_timeout) if client_timeout else None)
        return params

    # A connection that answered this recently skips the health check. Under
    # load every connection answers many times a second: the check's round
    # trip was about 4 % of a lesson page's CPU (docs/performance.md).
    health_check_quiet_seconds = 1.0

    def close_if_health_check_failed(self) -> None:
        answered_at = getattr(self.connection, "answered_at", None)
        if (
            answered_at is not None
            and self.health_check_enabled
            and time.monotonic() - answered_at < self.health_check_quiet_seconds
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
