"""The Redis cache backend (CACHE_URL=redis://...): Django's, with one kept
redis-py client, written on public API only.

Django's `django.core.cache.backends.redis.RedisCache` builds a new
`redis.Redis` for every cache operation, which fills a table of some 170
response callbacks, and it offers no public way to hand it a client.
Measured in process (Django 5.2.19, redis-py 8.1, local Redis; medians of
7 rounds of 5,000 calls, two runs): a get takes 130-145 us of CPU with
Django's backend and 45-55 us with a kept client, a get_many 150-180 and
70-76 us, a set 125-165 and 50-75 us; building the client alone is 60 us.
A learner's kept page makes two cache calls and a quiz POST four (the
session, the content version and unread count, the rate limit): about 0.2
and 0.35 ms of CPU a request.

So this is a custom backend on the cache framework's documented base class
(`BaseCache`) and redis-py's public client: the same keys, timeouts and
stored values as Django's Redis backend (its serializer: integers as they
are, so INCR works, everything else pickled), so either reads what the other
wrote. OPTIONS are redis-py's connection options (`socket_timeout`, ...).
One `redis.Redis` serves every call of a backend (one per thread): it takes a
connection from its pool for each command and gives it back.

Redis is disposable (docs/deployment.md), so a Redis that cannot be reached
costs speed, not pages. Reads miss and writes are dropped, which every cache
user here can live with: what is kept is keyed so that an old entry is never
wrong (content versions, content hashes) or is a copy of what the database
holds (sessions). What must not be dropped raises `CACHE_UNAVAILABLE`, which
answers 503 (athena.middleware): counting (`incr`, `count_in_window`: a rate
limit that cannot count refuses, docs/security.md) and removing (`delete`,
`delete_many`, `clear`, a set with timeout 0), since an entry that could not
be removed would come back with Redis. The first failure logs one warning;
for `RETRY_SECONDS` after any failure every thread's calls skip Redis (a
silent Redis would otherwise cost each call its socket timeout); the first
call that reaches it again logs that it is back.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisSerializer
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

# What a Redis that is down or silent raises (redis-py's own client errors).
CACHE_UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)

# After a failure, calls answer without trying Redis for this long.
RETRY_SECONDS = 5.0

T = TypeVar("T")
# `otherwise` for the calls that must not pretend: raise instead.
FAIL = object()


class Outage:
    """Whether one Redis server failed lately: shared by the backends of
    every thread of the process that use it (see `outage_of`)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.retry_at: float | None = None  # None: no outage
        self._lock = threading.Lock()

    def skip(self) -> bool:
        """Whether a call should answer without trying Redis: during an outage,
        except for one call once RETRY_SECONDS have passed, which tries it for
        every thread (the others keep answering without it meanwhile, rather
        than each waiting out a silent server's timeout)."""
        retry_at = self.retry_at
        if retry_at is None:
            return False
        now = time.monotonic()
        if now < retry_at:
            return True
        with self._lock:
            if self.retry_at is None or now < self.retry_at:
                return self.retry_at is not None
            self.retry_at = now + RETRY_SECONDS  # this call probes
        return False

    def failed(self, error: Exception) -> None:
        with self._lock:
            began = self.retry_at is None
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if began:
            logger.warning(
                "Redis cache at %s unreachable (%s: %s): reads miss, writes are dropped, "
                "counts and deletes fail; trying again every %g s",
                self.server,
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )

    def answered(self) -> None:
        if self.retry_at is None:
            return
        with self._lock:
            ended, self.retry_at = self.retry_at is not None, None
        if ended:
            logger.info("Redis cache at %s answers again", self.server)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def forget_outages() -> None:
    """Forget every outage seen (tests: each starts with none), in the records
    the backends already built hold too."""
    with _outages_lock:
        for outage in _outages.values():
            outage.retry_at = None


def outage_of(client: redis.Redis) -> Outage:
    """The process's one `Outage` record for the server `client` talks to,
    named by address and database only (never a password)."""
    options = client.connection_pool.connection_kwargs
    server = options.get("path") or f"{options.get('host')}:{options.get('port')}"
    server = f"{server}/{options.get('db', 0)}"
    with _outages_lock:
        return _outages.setdefault(server, Outage(server))


class RedisCache(BaseCache):
    """One Redis server, as LOCATION names it; a list of servers (Django's
    primary and read replicas) is refused rather than half served."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(params)
        servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        if len(servers) != 1:
            raise ImproperlyConfigured(f"athena.cache.RedisCache takes one server, not {servers}")
        self.client = redis.Redis.from_url(servers[0], **params.get("OPTIONS", {}))
        self.serializer = RedisSerializer()
        self.outage = outage_of(self.client)

    def _ask(self, command: Callable[[], T], *, otherwise: Any) -> T:
        """`command()`'s answer; while Redis cannot be reached, `otherwise`
        (what a miss or a dropped write answers), or the error when it is FAIL."""
        if self.outage.skip():
            if otherwise is FAIL:
                raise redis.ConnectionError(f"Redis cache at {self.outage.server} unreachable")
            return otherwise
        try:
            answer = command()
        except CACHE_UNAVAILABLE as error:
            self.outage.failed(error)
            if otherwise is FAIL:
                raise
            return otherwise
        self.outage.answered()
        return answer

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> int | None:
        """As Django's Redis backend: None keeps a key for good, and 0 or
        less deletes it."""
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        value, timeout = self.serializer.dumps(value), self.get_backend_timeout(timeout)
        if timeout == 0:
            # Added and gone at once: whether it would have been added.
            return self._ask(lambda: not self.client.exists(key), otherwise=False)
        return bool(
            self._ask(lambda: self.client.set(key, value, ex=timeout, nx=True), otherwise=False)
        )

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        value = self._ask(lambda: self.client.get(key), otherwise=None)
        return default if value is None else self.serializer.loads(value)

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            self._ask(lambda: self.client.delete(key), otherwise=FAIL)
        else:
            value = self.serializer.dumps(value)
            self._ask(lambda: self.client.set(key, value, ex=timeout), otherwise=None)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            return bool(self._ask(lambda: self.client.persist(key), otherwise=False))
        return bool(self._ask(lambda: self.client.expire(key, timeout), otherwise=False))

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._ask(lambda: self.client.delete(key), otherwise=FAIL))

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        values = self._ask(lambda: self.client.mget(key_map), otherwise=[None] * len(key_map))
        return {
            key_map[key]: self.serializer.loads(value)
            for key, value in zip(key_map, values, strict=True)
            if value is not None
        }

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._ask(lambda: self.client.exists(key), otherwise=False))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        # As Django's: a missing key is an error, never a new counter.
        if not self._ask(lambda: self.client.exists(key), otherwise=FAIL):
            raise ValueError(f"Key '{key}' not found.")
        return self._ask(lambda: self.client.incr(key, delta), otherwise=FAIL)

    def set_many(
        self,
        data: dict[str, Any],
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[str]:
        if not data:
            return []
        values = {
            self.make_and_validate_key(key, version=version): self.serializer.dumps(value)
            for key, value in data.items()
        }
        timeout = self.get_backend_timeout(timeout)
        pipeline = self.client.pipeline()
        pipeline.mset(values)
        if timeout is not None:
            # MSET takes no expiry; EXPIRE 0 deletes, as set() with 0 does.
            for key in values:
                pipeline.expire(key, timeout)
        # With timeout 0 this deletes: it must not be dropped.
        if self._ask(pipeline.execute, otherwise=FAIL if timeout == 0 else None) is None:
            return list(data)  # the keys that were not stored: all, while Redis is away
        return []

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        if keys:
            self._ask(lambda: self.client.delete(*keys), otherwise=FAIL)

    def clear(self) -> bool:
        return bool(self._ask(self.client.flushdb, otherwise=FAIL))

    def count_in_window(self, key: str, seconds: int) -> int:
        """Count one hit on `key`, whose count starts at 0 and lasts `seconds`
        from the first hit (a fixed window); answer the count. One round trip
        (SET NX EX and INCR in one MULTI), where the cache API's add() and
        incr() take three and can leave a counter that never expires
        (enrollment.ratelimit)."""
        key = self.make_and_validate_key(key)
        pipeline = self.client.pipeline(transaction=True)
        pipeline.set(key, 0, ex=seconds, nx=True)
        pipeline.incr(key)
        return self._ask(pipeline.execute, otherwise=FAIL)[1]
