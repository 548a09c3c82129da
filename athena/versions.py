"""Version counters in the database, for caches that must never be stale.

A cache in front of the database is only as correct as its invalidation, and
the default cache (each process its own memory) cannot carry an invalidation
from one process to another. So what a cache is keyed by lives in the
database, in the same store the data does: a write moves the counter on in its
own transaction (committed together, or not at all), and a reader reads the
counter first, then the data; whatever it caches is filed under a counter that
is already retired if the data changed meanwhile. That holds for every
process (web workers, the task worker, a management command, a shell) and
for every cache backend, and a cache that fails costs speed, never a write.
"""

from __future__ import annotations

import secrets

from django.db import connection

# Everything an anonymous visitor may see: published courses and the catalog.
PUBLIC_CONTENT = "public-content"


def current(name: str) -> int:
    """The counter's value now (0 before its first move): one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM versions WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else 0


def new_value() -> int:
    """A version no earlier one equals: random, not the next number, so that
    a database restored from a backup (or a transaction rolled back) never
    hands out again a number that pages of other content were stored under."""
    return secrets.randbits(63)


def bump(name: str) -> None:
    """Move the counter on, in the caller's transaction. The row stays locked
    until that commits, so writers of one counter take turns, and a reader
    never sees the new value before the data it stands for."""
    from athena.models import Version  # not at import: the WSGI module imports this one

    Version.objects.update_or_create(name=name, defaults={"value": new_value()})
