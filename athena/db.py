"""Database helpers shared by the apps."""

from __future__ import annotations

from django.db import connections
from django.db.backends.utils import CursorWrapper


def prepared_cursor(using: str = "default") -> CursorWrapper:
    """A cursor for a hand-written query that runs on every request: on
    PostgreSQL its plan is made once per connection and kept
    (athena.postgresql), elsewhere it is a plain cursor."""
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()
