"""Sessions in the database, with a copy in the shared cache: Django's
`cached_db` engine, for a cache that may be unreachable (athena.cache).

While Redis cannot be reached, `cached_db` already does the right thing for
reads and writes: a miss reads the session from the database, and a dropped
write leaves the database's row, which is the truth, for the next miss. A
delete is different: a copy left in Redis would come back with it, and a
session deleted by a log-out would be logged in again for whoever holds its
cookie, as long as the copy lasts (the session's age, two weeks).

So a session is removed from the cache first, before anything else changes.
When that fails and the session holds a login, the request fails as it is
(athena.middleware answers 503; the session, its cookie and the database row
stay as they were) and the log-out can be tried again in a moment. An
anonymous session (a pending enrollment, say) is removed from the database
alone: a copy of it that comes back grants nothing. Django's `login()` starts
a new session key for a login, so logging in works during an outage.

Used as `SESSION_ENGINE = "athena.sessions"` when CACHE_URL points at Redis
(athena/settings.py).
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from athena.cache import CACHE_UNAVAILABLE


class SessionStore(CachedDBStore):
    def _uncache(self, session_key: str | None) -> None:
        """Remove the session's copy from the cache; when the cache cannot
        be reached, raise if the session holds a login."""
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_UNAVAILABLE:
            if self._holds_login(session_key):
                raise

    def _holds_login(self, session_key: str) -> bool:
        if session_key == self.session_key:
            return SESSION_KEY in self._session
        row = self.model.objects.filter(session_key=session_key).first()
        return row is not None and SESSION_KEY in self.decode(row.session_data)

    def delete(self, session_key: str | None = None) -> None:
        self._uncache(session_key or self.session_key)
        DBStore.delete(self, session_key)  # the database's row, after the copy

    def flush(self) -> None:
        # Before the data is cleared (log-out), so that a refusal changes nothing.
        self._uncache(self.session_key)
        super().flush()

    def cycle_key(self) -> None:
        # Before the new key is made (a password change keeps the login).
        self._uncache(self.session_key)
        super().cycle_key()
