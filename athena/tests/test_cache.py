"""The Redis cache backend production uses (athena/cache.py), against the
local Redis; skipped when Redis is not reachable unless ATHENA_REQUIRE_REDIS=1."""

from __future__ import annotations

import os
import threading

import pytest
import redis

from athena.cache import RedisCache
from athena.tests.test_scale_out import redis_reachable

pytestmark = pytest.mark.skipif(
    os.environ.get("ATHENA_REQUIRE_REDIS") != "1" and not redis_reachable(),
    reason="Redis is not reachable on 127.0.0.1:6379 (ATHENA_REQUIRE_REDIS=1 to fail)",
)


@pytest.fixture
def cache():
    backend = RedisCache(
        "redis://127.0.0.1:6379/12", {"KEY_PREFIX": f"athena-cache-test-{os.getpid()}"}
    )
    yield backend
    backend.clear()


def test_one_client_serves_every_call_and_every_thread(cache):
    cache.set("greeting", {"text": "hello"}, 30)
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client

    seen = {}

    def read_and_write(number: int) -> None:
        seen[number] = cache.get("greeting")
        cache.set(f"thread-{number}", number, 30)

    threads = [threading.Thread(target=read_and_write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {n: {"text": "hello"} for n in range(4)}
    assert cache.get_many([f"thread-{n}" for n in range(4)]) == {f"thread-{n}": n for n in range(4)}
    assert cache.incr("thread-1") == 2


def test_an_unreachable_redis_is_an_error_not_a_hang():
    backend = RedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    with pytest.raises(redis.ConnectionError):
        backend.get("anything")


def test_a_window_counts_in_one_round_trip_and_ends_on_time(cache, settings):
    """The quiz rate limit's counter (enrollment.ratelimit) on Redis."""
    assert [cache.count_in_window("answers", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("answers") == 3  # readable as the other cache calls store it
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_key("answers")) <= 60
    # The window runs from the first hit: later hits do not extend it.
    client.expire(cache.make_key("answers"), 5)
    cache.count_in_window("answers", 60)
    assert client.ttl(cache.make_key("answers")) <= 5
    client.delete(cache.make_key("answers"))
    assert cache.count_in_window("answers", 60) == 1
