"""Django's Redis cache, keeping its redis-py client instead of building one
per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache
operation, and each one fills a table of some 170 response callbacks: about
0.1-0.2 ms on every cache call (a learner's page makes several: its session,
the content version, the unread-notification count). A `redis.Redis` may be shared: it takes a
connection from its pool for each command and gives it back. So one client per
connection pool is kept; everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}  # by connection pool

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class RedisCache(redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with a kept client; the
    settings use it wherever CACHE_URL names Redis."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count_in_window(self, key: str, seconds: int) -> int:
        """Count one hit on `key`, whose count starts at 0 and lasts `seconds`
        from the first hit (a fixed window); answer the count. One round trip
        (SET NX EX and INCR in one MULTI), where Django's add() and incr()
        take three and can leave a counter that never expires."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=True)
        pipeline.set(key, 0, ex=seconds, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]
