"""Sessions in the database, with a copy in the shared cache: Django's
`cached_db` engine, for a cache that may be unreachable (athena.cache).

While Redis cannot be reached, `cached_db` does well enough with reads and
writes: a miss reads the session from the database, and a write reaches the
database while its copy is dropped. (An older copy that Redis kept may come
back with it; nothing that grants or withdraws a login is written over a
session, though: logging in, logging out and a password change replace or
delete it.) A delete is different: a copy left in Redis would come back with
it, and a session deleted by a log-out would be logged in again for whoever
holds its cookie, as long as the copy lasts (the session's age, two weeks).

So a session is removed from the cache first, before anything else changes.
When that fails and the session would still log its user in (a log-out; a
log-in over another user's session), the request fails as it is
(athena.middleware answers 503; the session, its cookie and the database row
stay as they were) and can be tried again in a moment. Any other session is
removed from the database alone, because a copy of it that comes back logs
nobody in: an anonymous one (logging in replaces it), or one whose password
hash is out of date (a password change replaces it; Django refuses and
flushes it on sight).

Used as `SESSION_ENGINE = "athena.sessions"` when CACHE_URL points at Redis
(athena/settings.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils.crypto import constant_time_compare

from athena.cache import CACHE_UNAVAILABLE


def logs_in(data: dict[str, Any]) -> bool:
    """Whether a session holding `data` would log its user in: Django's own
    check (django.contrib.auth.get_user), the password hash against the
    current and the fallback secret keys; an inactive user counts as one
    that would, to be safe."""
    user_id, stored_hash = data.get(SESSION_KEY), data.get(HASH_SESSION_KEY)
    if user_id is None or not stored_hash:
        return False
    user_model = get_user_model()
    user = user_model._default_manager.filter(pk=user_model._meta.pk.to_python(user_id)).first()
    if user is None:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored_hash, current) for current in hashes)


class SessionStore(CachedDBStore):
    def _uncache(self, session_key: str | None) -> None:
        """Remove the session's copy from the cache; when the cache cannot
        be reached, raise if the session would still log its user in."""
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_UNAVAILABLE:
            if logs_in(self._stored(session_key)):
                raise

    def _stored(self, session_key: str) -> dict[str, Any]:
        if session_key == self.session_key:
            return self._session
        row = self.model.objects.filter(session_key=session_key).first()
        return {} if row is None else self.decode(row.session_data)

    def delete(self, session_key: str | None = None) -> None:
        self._uncache(session_key or self.session_key)
        DBStore.delete(self, session_key)  # the database's row, after the copy

    def flush(self) -> None:
        # Before the data is cleared (log-out), so that a refusal changes nothing.
        self._uncache(self.session_key)
        super().flush()

    def cycle_key(self) -> None:
        # Before the new key is made.
        self._uncache(self.session_key)
        super().cycle_key()
