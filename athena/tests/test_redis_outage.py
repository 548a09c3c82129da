"""Redis is disposable: while it cannot be reached, pages are served uncached;
only what must not pretend (a rate limit that cannot count, a log-out whose
session copy cannot be removed) answers 503.

The outage is real: a Redis URL on a port where nothing listens, or a socket
that never answers. The healthy half runs against the local Redis; skipped
when it is not reachable unless ATHENA_REQUIRE_REDIS=1.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from contextlib import contextmanager
from http import HTTPStatus

import pytest
import redis
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.services import account_is_unconfirmed, activation_url
from athena import cache as redis_cache
from athena.cache import RedisCache, outage_of
from athena.tests.test_scale_out import redis_reachable
from enrollment.models import Enrollment, QuizAttempt
from tests.factories import PASSWORD, course_items, logged_in, make_course, make_user
from tests.servers import Gunicorn, Visitor, fetch, free_port, manage, production_environment

# Nothing listens on port 1: a Redis that refuses connections.
UNREACHABLE = "redis://127.0.0.1:1/0"
QUICK = {"socket_connect_timeout": 1, "socket_timeout": 1}
WARNING_LINE = "unreachable (ConnectionError"

needs_redis = pytest.mark.skipif(
    os.environ.get("ATHENA_REQUIRE_REDIS") != "1" and not redis_reachable(),
    reason="Redis is not reachable on 127.0.0.1:6379 (ATHENA_REQUIRE_REDIS=1 to fail)",
)
REDIS_URL = "redis://127.0.0.1:6379/12"


def outage_warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "athena.cache" and record.levelno == logging.WARNING
    ]


# The backend.


def test_while_redis_is_down_reads_miss_writes_are_dropped_counts_and_deletes_fail(caplog):
    backend = RedisCache(UNREACHABLE, {"OPTIONS": QUICK})

    assert backend.get("key", "default") == "default"
    assert backend.get_many(["a", "b"]) == {}
    assert not backend.has_key("key")
    assert backend.get_or_set("key", lambda: "worked out") == "worked out"
    assert backend.set("key", "value") is None
    assert not backend.add("key", "value")
    assert not backend.touch("key", 10)
    assert backend.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
    # Counting and removing cannot pretend: a count of 0, or an entry that
    # comes back with Redis, would be wrong.
    for call in (
        lambda: backend.incr("key"),
        lambda: backend.count_in_window("key", 60),
        lambda: backend.delete("key"),
        lambda: backend.delete_many(["a", "b"]),
        lambda: backend.set("key", "value", 0),
        backend.clear,
    ):
        with pytest.raises(redis.ConnectionError):
            call()

    # One line for the outage, naming the server and no password.
    warnings = outage_warnings(caplog)
    assert len(warnings) == 1
    assert "127.0.0.1:1/0" in warnings[0]
    assert WARNING_LINE in warnings[0]


def test_every_threads_backend_shares_the_outage_and_its_one_warning(caplog):
    """Django builds a backend per thread: one line per process, not per thread."""
    first, second = (RedisCache(UNREACHABLE, {"OPTIONS": QUICK}) for _ in range(2))
    first.get("key")
    second.get("key")
    assert first.outage is second.outage
    assert len(outage_warnings(caplog)) == 1


@contextmanager
def silent_server():
    """A socket that accepts connections (the kernel does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def test_a_silent_redis_costs_one_timeout_not_one_per_call():
    with silent_server() as url:
        backend = RedisCache(url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 0.5}})
        began = time.monotonic()
        assert backend.get("key") is None
        first = time.monotonic() - began
        for _ in range(20):
            assert backend.get("key") is None
            backend.set("key", "value")
        rest = time.monotonic() - began - first
    assert first >= 0.5  # it did wait for Redis once
    assert rest < 0.5  # and then answered without it


@needs_redis
def test_redis_is_used_again_once_it_answers(monkeypatch, caplog, tmp_path):
    """A Redis server of its own, started after the backend found it missing."""
    monkeypatch.setattr(redis_cache, "RETRY_SECONDS", 0.2)
    port = free_port()
    backend = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": QUICK})
    assert backend.get("key", "missed") == "missed"
    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],  # noqa: S607
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        backend.set("key", "stored")
        while backend.get("key") != "stored":
            assert time.monotonic() < deadline, "the backend never used Redis again"
            time.sleep(0.1)
            backend.set("key", "stored")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert any("answers again" in record.getMessage() for record in caplog.records)


# Pages, in this process, with the production Redis settings pointing nowhere.


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "athena.cache.RedisCache",
            "LOCATION": UNREACHABLE,
            "OPTIONS": QUICK,
        }
    }
    settings.SESSION_ENGINE = "athena.sessions"  # as athena.settings has it with Redis


@pytest.fixture
def course(db):
    return make_course()


@pytest.mark.django_db
def test_pages_are_served_uncached_while_redis_is_down(redis_down, course, caplog):
    items = course_items(course)
    pages = [
        reverse("courses:home"),  # the trending shelf is kept in the cache
        reverse("courses:catalog"),
        course.get_absolute_url(),
        *(item.get_absolute_url() for item in items),  # rendered lessons are kept too
    ]
    for visitor in (Client(), logged_in(make_user())):  # a session kept in the cache
        for url in pages:
            assert visitor.get(url).status_code == HTTPStatus.OK, url
    learner = logged_in(make_user())
    assert learner.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK

    assert len(outage_warnings(caplog)) == 1
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_a_quiz_answer_is_refused_while_its_rate_limit_cannot_count(redis_down, course):
    quiz = next(item for item in course_items(course) if item.kind == "activity")
    learner = make_user()
    Enrollment.objects.create(user=learner, course=course)
    response = logged_in(learner).post(quiz.get_absolute_url(), {"option": "1"})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert int(response["Retry-After"]) > 0
    assert not QuizAttempt.objects.exists()


@pytest.mark.django_db
def test_logging_in_works_while_redis_is_down(redis_down, course):
    """An anonymous visitor's session (here, an enrollment asked for before
    logging in) is replaced at log-in: its copy in Redis need not go first."""
    visitor = Client()
    visitor.post(reverse("enrollment:enroll", args=[course.pk]))
    learner = make_user()
    response = visitor.post(reverse("login"), {"username": learner.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert Enrollment.objects.filter(user=learner, course=course).exists()
    assert visitor.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK


def session_key_of(visitor: Client) -> str:
    return visitor.cookies["sessionid"].value


def is_logged_in(session_key: str) -> bool:
    """What a browser holding this session cookie sees."""
    visitor = Client()
    visitor.cookies["sessionid"] = session_key
    return visitor.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_a_log_out_that_redis_cannot_hear_is_refused_and_changes_nothing(redis_down):
    learner = logged_in(make_user())
    key = session_key_of(learner)

    response = learner.post(reverse("logout"))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "sessionid" not in response.cookies  # the browser keeps its cookie
    assert Session.objects.filter(session_key=key).exists()
    assert is_logged_in(key)  # still, and openly so: the learner was told to retry


@pytest.mark.django_db
def test_a_confirmation_refused_in_an_outage_can_be_tried_again(redis_down):
    """Confirming an account in a browser logged in as someone else ends that
    session first; while Redis cannot hear it the page answers 503, and the
    account stays unconfirmed, its link still good for the retry."""
    pending = get_user_model()(username="pending", email="pending@example.com", is_active=False)
    pending.set_unusable_password()
    pending.save()
    browser = logged_in(make_user())
    link = activation_url(site_url="", user=pending)
    password = "owner-chose-this-2"
    response = browser.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    pending.refresh_from_db()
    assert account_is_unconfirmed(pending)
    assert not pending.has_usable_password()


@pytest.mark.django_db
def test_a_password_change_works_while_redis_is_down(redis_down):
    """The session it replaces carries the old password's hash: a copy of it
    that comes back with Redis logs nobody in."""
    user = make_user()
    learner = logged_in(user)
    old_key = session_key_of(learner)
    new_password = "Seven-lanterns-over-the-bay-2291"
    response = learner.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert session_key_of(learner) != old_key
    assert learner.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK
    assert not is_logged_in(old_key)  # and that session is flushed, even now


# The same with a real Redis, before, during and after an outage.


@contextmanager
def unreachable(backend: RedisCache):
    """This thread's backend talks to nothing for a while, then to its Redis
    again; what Redis holds meanwhile stays there, as in a network outage."""
    client, outage = backend.client, backend.outage
    backend.client = redis.Redis.from_url(UNREACHABLE, **QUICK)
    backend.outage = outage_of(backend.client)
    try:
        yield
    finally:
        backend.client, backend.outage = client, outage


@pytest.fixture
def real_redis(settings):
    prefix = f"athena-outage-test-{os.getpid()}"
    settings.CACHES = {
        "default": {
            "BACKEND": "athena.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": QUICK,
        }
    }
    settings.SESSION_ENGINE = "athena.sessions"
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def cached_session_keys(client: redis.Redis) -> list[str]:
    prefix = cache.make_key("django.contrib.sessions.cached_db")
    return [key.decode() for key in client.scan_iter(f"{prefix}*")]


@needs_redis
@pytest.mark.django_db
def test_with_redis_a_session_is_kept_in_it_and_a_log_out_removes_it(real_redis):
    learner = logged_in(make_user())
    key = session_key_of(learner)
    assert learner.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK
    assert any(stored.endswith(key) for stored in cached_session_keys(real_redis))

    assert learner.post(reverse("logout")).status_code == HTTPStatus.FOUND

    assert not any(stored.endswith(key) for stored in cached_session_keys(real_redis))
    assert not Session.objects.filter(session_key=key).exists()
    assert not is_logged_in(key)


@needs_redis
@pytest.mark.django_db
def test_a_log_out_refused_in_an_outage_leaves_no_session_behind_after_it(real_redis):
    """Had the log-out gone through the database alone, the copy left in Redis
    would log the session in again once Redis was back."""
    learner = logged_in(make_user())
    key = session_key_of(learner)
    assert any(stored.endswith(key) for stored in cached_session_keys(real_redis))

    with unreachable(cache):
        assert learner.post(reverse("logout")).status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert is_logged_in(key)
    assert is_logged_in(key)  # the same answer from Redis's copy

    assert learner.post(reverse("logout")).status_code == HTTPStatus.FOUND
    assert not is_logged_in(key)
    assert not any(stored.endswith(key) for stored in cached_session_keys(real_redis))


# Served by gunicorn with the production settings, CACHE_URL pointing nowhere.
FIRST_LESSON_AND_QUIZ = (
    "from django.contrib.auth import get_user_model; "
    "from courses.models import Activity, Lesson; "
    f"get_user_model().objects.create_user('ada', 'ada@example.com', '{PASSWORD}'); "
    "published = {'module__course__status': 'published'}; "
    "print(Lesson.objects.filter(**published).order_by('pk').first().get_absolute_url(), "
    "Activity.objects.filter(**published).order_by('pk').first().get_absolute_url())"
)


def test_a_server_whose_redis_is_down_serves_its_pages_and_says_so_once(tmp_path):
    environment = production_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'athena.sqlite3'}",
        CACHE_URL=UNREACHABLE,
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    manage("migrate", "--no-input", environment=environment)
    manage("load_demo_courses", environment=environment)
    lesson, quiz = manage("shell", "-c", FIRST_LESSON_AND_QUIZ, environment=environment).split()[
        -2:
    ]
    server = Gunicorn(environment, tmp_path / "gunicorn.log").start()
    try:
        for path in ("/", "/courses/", lesson, quiz):
            assert fetch(server.url(path)).status == HTTPStatus.OK, path
        ada = Visitor()
        assert ada.log_in(server, "ada", PASSWORD).status == HTTPStatus.FOUND
        for path in ("/my/", lesson):
            assert ada.get(server.url(path)).status == HTTPStatus.OK, path
        answer = ada.post(server.url(quiz), {"option": "1"})
        ready = fetch(server.url("/healthz/ready"))
    finally:
        server.stop()

    assert answer.status == HTTPStatus.SERVICE_UNAVAILABLE  # its rate limit cannot count
    assert int(answer.headers["retry-after"]) > 0
    assert ready.status == HTTPStatus.OK
    assert '"cache": "unreachable"' in ready.body
    log = server.log().splitlines()
    warnings = [line for line in log if " WARNING athena.cache " in line]
    assert len(warnings) == 1, warnings
    errors = [line for line in log if " ERROR " in line]
    assert len(errors) == 1, errors
    assert f"Service Unavailable (cache): POST {quiz}" in errors[0]


def test_after_an_outage_one_call_tries_redis_again_while_the_others_wait():
    """Once RETRY_SECONDS have passed, one call probes the server; every other
    call meanwhile answers without it instead of waiting out its timeout."""
    outage = redis_cache.Outage("probe:6379/0")
    assert not outage.skip()  # no outage
    outage.failed(redis.ConnectionError("refused"))
    assert outage.skip()
    outage.retry_at = time.monotonic() - 1  # the retry time has come
    assert not outage.skip()  # this call probes
    assert outage.skip()  # the others do not, while it does
    outage.answered()
    assert not outage.skip()
