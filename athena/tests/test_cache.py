"""The Redis cache backend production uses (athena/cache.py), against the
local Redis; skipped when Redis is not reachable unless ATHENA_REQUIRE_REDIS=1."""

from __future__ import annotations

import os
import threading

import pytest
import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured

from athena.cache import RedisCache
from athena.tests.test_scale_out import redis_reachable

pytestmark = pytest.mark.skipif(
    os.environ.get("ATHENA_REQUIRE_REDIS") != "1" and not redis_reachable(),
    reason="Redis is not reachable on 127.0.0.1:6379 (ATHENA_REQUIRE_REDIS=1 to fail)",
)

URL = "redis://127.0.0.1:6379/12"
PARAMS = {"KEY_PREFIX": f"athena-cache-test-{os.getpid()}"}


@pytest.fixture
def redis_client():
    """A client of our own, to look at what the backend stored; deletes the
    test's keys afterwards (never the whole database, which other runs share)."""
    client = redis.Redis.from_url(URL)
    yield client
    for key in client.scan_iter(f"{PARAMS['KEY_PREFIX']}:*"):
        client.delete(key)


@pytest.fixture
def cache(redis_client):
    return RedisCache(URL, PARAMS)


def test_every_call_and_every_thread_uses_the_one_client(cache, monkeypatch):
    """What the backend is for: Django's builds a redis.Redis per call."""
    built = []
    original_init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    cache.set("greeting", {"text": "hello"}, 30)
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
    assert built == []


def test_values_are_shared_with_djangos_redis_backend(cache):
    """The same keys and values as Django's backend: a deployment switching
    between the two, or running both during a release, finds every entry."""
    django_cache = DjangoRedisCache(URL, PARAMS)
    cache.set("page", {"html": "<p>hi</p>"}, 30)
    cache.set("count", 41, 30)
    django_cache.set("version", 7, 30)
    django_cache.set("flag", True, 30)
    assert django_cache.get("page") == {"html": "<p>hi</p>"}
    assert django_cache.incr("count") == 42
    assert cache.get_many(["version", "flag", "count", "absent"]) == {
        "version": 7,
        "flag": True,
        "count": 42,
    }
    assert cache.incr("version", 3) == 10


@pytest.mark.parametrize("backend", [RedisCache, DjangoRedisCache])
def test_timeouts_and_the_other_calls_behave_as_in_djangos_backend(backend, redis_client):
    """Run on Django's backend too, which is what this one must match."""
    cache = backend(URL, PARAMS)
    ttl = redis_client.ttl
    assert cache.add("key", "first", 30)
    assert not cache.add("key", "second", 30)
    assert cache.get("key") == "first"
    assert 0 < ttl(cache.make_key("key")) <= 30
    cache.set("forever", 1, None)
    assert ttl(cache.make_key("forever")) == -1  # no expiry
    cache.set("forever", 1, 0)  # 0 deletes
    assert not cache.has_key("forever")
    assert cache.add("never", 1, 0)  # would have been added, and is gone at once
    assert not cache.has_key("never")
    cache.set("default", 1)
    assert 0 < ttl(cache.make_key("default")) <= cache.default_timeout
    assert cache.touch("default", None)
    assert ttl(cache.make_key("default")) == -1
    assert cache.touch("default", 10)
    assert 0 < ttl(cache.make_key("default")) <= 10
    assert not cache.touch("absent", 10)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("absent")
    cache.set_many({"a": 1, "b": [2]}, 20)
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": [2]}
    assert 0 < ttl(cache.make_key("b")) <= 20
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("key")
    assert not cache.delete("key")
    assert cache.get("key", "default") == "default"


def test_a_list_of_servers_is_refused():
    with pytest.raises(ImproperlyConfigured, match="one server"):
        RedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6380/0", {})


def test_an_unreachable_redis_is_a_miss_or_an_error_not_a_hang():
    """What each call answers then: athena/tests/test_redis_outage.py."""
    backend = RedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    assert backend.get("anything", "missed") == "missed"
    with pytest.raises(redis.ConnectionError):
        backend.delete("anything")


def test_a_window_counts_in_one_round_trip_and_ends_on_time(cache, redis_client):
    """The quiz rate limit's counter (enrollment.ratelimit) on Redis."""
    key = cache.make_key("answers")
    assert [cache.count_in_window("answers", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("answers") == 3  # readable as the other cache calls store it
    assert 0 < redis_client.ttl(key) <= 60
    # The window runs from the first hit: later hits do not extend it.
    redis_client.expire(key, 5)
    cache.count_in_window("answers", 60)
    assert redis_client.ttl(key) <= 5
    redis_client.delete(key)
    assert cache.count_in_window("answers", 60) == 1
