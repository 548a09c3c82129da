"""Two app servers, one PostgreSQL, one Redis: a visitor may land on either.

Runs two gunicorn instances on two ports against a fresh database on the
PostgreSQL server of DATABASE_URL and the local Redis (its own database number
and key prefix; only those keys are removed afterwards). Part of the PostgreSQL
run of CI; skipped when Redis is not reachable unless ATHENA_REQUIRE_REDIS=1.
"""

import json
import os
import re
from http import HTTPStatus

import pytest
import redis

from tests.servers import Gunicorn, Visitor, fetch, fresh_database, manage, production_environment

SHARED_DATABASE = os.environ.get("DATABASE_URL", "")
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "Wide-river-lantern-4821"  # test-only account password


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not SHARED_DATABASE.startswith("postgres"),
        reason="scale-out test runs with DATABASE_URL=postgres://...",
    ),
    pytest.mark.skipif(
        os.environ.get("ATHENA_REQUIRE_REDIS") != "1" and not redis_reachable(),
        reason="Redis is not reachable on 127.0.0.1:6379 (ATHENA_REQUIRE_REDIS=1 to fail)",
    ),
    # On one pytest-xdist worker: the module's tests share one database and two servers.
    pytest.mark.xdist_group("scale-out"),
]


@pytest.fixture(scope="module")
def shared_database():
    """A fresh database on the shared server, dropped afterwards."""
    with fresh_database(SHARED_DATABASE, f"athena_scaleout_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="module")
def shared_cache():
    prefix = f"athena-scaleout-{os.getpid()}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


@pytest.fixture(scope="module")
def site(shared_database, shared_cache, tmp_path_factory):
    environment = production_environment(
        DATABASE_URL=shared_database,
        CACHE_URL=REDIS_URL,
        CACHE_KEY_PREFIX=shared_cache,
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    manage("migrate", "--no-input", environment=environment)
    manage("load_demo_courses", environment=environment)
    created = manage(
        "shell",
        "-c",
        "import json; from django.contrib.auth import get_user_model; "
        "from courses.models import Lesson; User = get_user_model(); "
        f"User.objects.create_user('ada', 'ada@example.com', '{PASSWORD}'); "
        f"User.objects.create_user('grace', 'grace@example.com', '{PASSWORD}'); "
        "lesson = Lesson.objects.filter(module__course__status='published')"
        ".select_related('module').order_by('pk').first(); "
        "from courses.models import Activity; "
        "quiz = Activity.objects.filter(module__course__status='published')"
        ".order_by('pk').first(); "
        "print(json.dumps({'course': lesson.module.course_id, "
        "'module': lesson.module_id, 'lesson': lesson.pk, 'quiz': quiz.get_absolute_url()}))",
        environment=environment,
    )
    directory = tmp_path_factory.mktemp("scale-out")
    first = Gunicorn(environment, directory / "first.log")
    second = Gunicorn(environment, directory / "second.log")
    try:
        first.start()
        second.start()
        yield first, second, json.loads(created.strip().splitlines()[-1])
    finally:
        first.stop()
        second.stop()


def test_a_session_started_on_one_server_continues_on_the_other(site):
    first, second, ids = site
    ada = Visitor()
    assert ada.log_in(first, "ada", PASSWORD).status == HTTPStatus.FOUND

    # The second server knows her (the session is in the shared database) and
    # accepts the CSRF token the first one gave.
    dashboard = ada.get(second.url("/my/"))
    assert dashboard.status == HTTPStatus.OK
    assert "Log out" in dashboard.body
    course, module, lesson = ids["course"], ids["module"], ids["lesson"]
    enrolled = ada.post(second.url(f"/courses/{course}/enroll/"), {})
    assert enrolled.status == HTTPStatus.FOUND
    done = ada.post(second.url(f"/courses/{course}/modules/{module}/lessons/{lesson}/done/"), {})
    assert done.status == HTTPStatus.FOUND

    # Back on the first server, the progress made on the second shows.
    progress = ada.get(first.url("/my/"))
    assert progress.status == HTTPStatus.OK
    assert re.search(r"\b1 of \d+ done", progress.body), progress.body


def test_an_edit_through_one_server_shows_on_the_other(site):
    """Each server keeps the course's outline it built, under the course's
    version in the shared database, which the edit's own transaction moves."""
    first, second, ids = site
    grace = Visitor()
    assert grace.log_in(first, "grace", PASSWORD).status == HTTPStatus.FOUND
    course, module, lesson = ids["course"], ids["module"], ids["lesson"]
    url = f"/courses/{course}/modules/{module}/lessons/{lesson}/"
    for server in (first, second):
        assert fetch(server.url(url)).status == HTTPStatus.OK
        page = grace.get(server.url(url))
        assert page.headers["cache-control"] == "private"  # hers alone

    manage(
        "shell",
        "-c",
        "from courses.models import Lesson; from courses.services import item_update; "
        f"lesson = Lesson.objects.select_related('module').get(pk={lesson}); "
        "item_update(item=lesson, data={'title': 'Retitled on the other side'})",
        environment=first.environment,
    )
    for server in (first, second):
        assert "Retitled on the other side" in fetch(server.url(url)).body
        assert "Retitled on the other side" in grace.get(server.url(url)).body


def test_a_login_lockout_hit_on_one_server_holds_on_the_other(site):
    first, second, _ = site
    attacker = Visitor()
    for _ in range(5):  # AXES_FAILURE_LIMIT
        attacker.log_in(first, "grace", "not-her-password")

    # Even the right password is refused on the other server.
    answer = attacker.log_in(second, "grace", PASSWORD)
    assert answer.status == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-ins" in answer.body
    assert not any(cookie.name == "sessionid" for cookie in attacker.cookies)


def test_both_servers_share_the_redis_cache(site, shared_cache):
    first, second, _ = site
    for server in (first, second):
        ready = fetch(server.url("/healthz/ready"))
        assert ready.status == HTTPStatus.OK
        assert '"cache": "ok"' in ready.body
    client = redis.Redis.from_url(REDIS_URL)
    assert any(client.scan_iter(match=f"{shared_cache}:*")), "nothing was cached in Redis"


def test_a_quiz_rate_limit_hit_on_one_server_holds_on_the_other(site):
    first, second, ids = site
    # An anonymous visitor (counted per address: this module's lockout test
    # locks 127.0.0.1 out of logging in).
    visitor = Visitor()
    assert visitor.get(first.url(ids["quiz"])).status == HTTPStatus.OK
    for _ in range(10):  # ATHENA_QUIZ_ATTEMPTS_PER_MINUTE
        answer = visitor.post(first.url(ids["quiz"]), {"option": "1"})
        assert answer.status == HTTPStatus.OK

    # The counter is in Redis: the other server refuses the eleventh answer.
    answer = visitor.post(second.url(ids["quiz"]), {"option": "1"})
    assert answer.status == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many answers in a minute" in answer.body
