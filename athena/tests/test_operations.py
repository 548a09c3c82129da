"""Health endpoint, production settings and the server entry points."""

import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from tests.servers import STRONG_KEY

# Set for the test session only (pyproject.toml, tests/browser/conftest.py).
TEST_ONLY_VARIABLES = (
    "SECRET_KEY",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(arguments: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in a production-like environment: the test session's own
    variables removed, `env` added (an empty value removes a variable)."""
    environment = {
        name: value for name, value in os.environ.items() if name not in TEST_ONLY_VARIABLES
    }
    for name, value in env.items():
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    return subprocess.run(  # noqa: S603
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=environment,
        check=False,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["healthz", "healthz-ready"])
def test_readiness_answers_ok_when_the_database_and_cache_answer(client, name):
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def make_the_database_unreachable(monkeypatch) -> None:
    """The check opens a fresh connection with these settings: a real failure."""
    unreachable = (
        "/nonexistent-directory/athena.sqlite3"
        if connection.vendor == "sqlite"
        else "athena_no_such_database"
    )
    monkeypatch.setitem(connection.settings_dict, "NAME", unreachable)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["healthz", "healthz-ready"])
def test_readiness_answers_503_naming_the_database_when_it_is_unreachable(
    client, monkeypatch, name
):
    make_the_database_unreachable(monkeypatch)
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "database": "unreachable", "cache": "ok"}


@pytest.fixture
def opened_connections():
    """The database connections any thread opens during the test, by alias."""
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(count, weak=False, dispatch_uid="test-opened-connections")
    yield opened
    connection_created.disconnect(dispatch_uid="test-opened-connections")


@pytest.mark.django_db
def test_a_flood_of_readiness_probes_opens_a_trickle_of_database_connections(
    settings, opened_connections
):
    """12 load balancers probing at once, 10 times each: the probes share one
    check per HEALTHZ_KEEP_SECONDS, including those that arrive while it runs."""
    prober_count, probes = 12, 10
    start = threading.Barrier(prober_count)

    def probe(_: int) -> list[int]:
        prober = Client()
        start.wait()
        return [prober.get("/healthz/ready").status_code for _ in range(probes)]

    began = time.monotonic()
    with ThreadPoolExecutor(prober_count) as pool:
        statuses = [status for batch in pool.map(probe, range(prober_count)) for status in batch]
    seconds = time.monotonic() - began

    assert statuses == [HTTPStatus.OK] * prober_count * probes
    assert 1 <= len(opened_connections) <= 1 + seconds // settings.HEALTHZ_KEEP_SECONDS


@pytest.mark.django_db
def test_readiness_reports_a_database_gone_within_the_kept_time(client, monkeypatch, settings):
    assert client.get(reverse("healthz-ready")).status_code == HTTPStatus.OK
    gone = time.monotonic()
    make_the_database_unreachable(monkeypatch)
    while True:
        asked = time.monotonic()
        response = client.get(reverse("healthz-ready"))
        if response.status_code != HTTPStatus.OK:
            break
        # Only a probe within the kept time may still hear the earlier answer.
        assert asked - gone < settings.HEALTHZ_KEEP_SECONDS
        time.sleep(0.05)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["database"] == "unreachable"


# Nothing listens on port 1: a Redis that refuses connections.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "athena.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.mark.django_db
def test_readiness_says_degraded_but_stays_ready_when_the_cache_is_unreachable(client, settings):
    """Redis is shared: were it to make servers unready, every server would
    leave the load balancer at once, for want of a cache they can do without
    (athena/tests/test_redis_outage.py)."""
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(reverse("healthz-ready"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unreachable"}


def test_liveness_answers_without_database_or_cache(client, settings):
    # No django_db mark: pytest-django fails the test if the view queries.
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(reverse("healthz-live"))
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["healthz", "healthz-ready", "healthz-live"])
def test_health_endpoints_answer_whatever_the_host_and_scheme(client, settings, name):
    # A load balancer or Docker probes the server by address over plain HTTP.
    settings.ALLOWED_HOSTS = ["athena.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse(name), headers={"host": "10.0.3.7:8000"})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_other_pages_still_refuse_hosts_not_allowed(client, settings):
    settings.ALLOWED_HOSTS = ["athena.example.com"]
    response = client.get(reverse("courses:home"), headers={"host": "10.0.3.7:8000"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["healthz", "healthz-live"])
def test_health_endpoints_refuse_post(client, name):
    assert client.post(reverse(name)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("healthz-live"))
    assert len(response["X-Request-ID"]) == 32


def test_a_request_id_from_the_proxy_is_kept(client):
    response = client.get(reverse("healthz-live"), headers={"x-request-id": "lb-7f3a9c21-01"})
    assert response["X-Request-ID"] == "lb-7f3a9c21-01"


@pytest.mark.parametrize("sent", ["short", "two words here", "id\ninjected=line", "x" * 200])
def test_a_malformed_request_id_is_replaced(client, sent):
    response = client.get(reverse("healthz-live"), headers={"x-request-id": sent})
    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = run(["-c", "import athena.wsgi"], DEBUG="false", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run(["-c", "import athena.wsgi"], DEBUG="false", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="athena.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# What `make run` does after `cp .env.example .env`: DEBUG=true in the
# environment, the rest from the file (the environment wins, as in settings).
# Then ask Django, as every request does, whether it answers to each host name.
HOSTS_WITH_ENV_EXAMPLE = """
import environ
environ.Env.read_env(".env.example")
import django
django.setup()
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
for host in ("127.0.0.1:8000", "localhost:8000", "athena.example.com"):
    request = HttpRequest()
    request.META = {"HTTP_HOST": host}
    try:
        request.get_host()
        print(host, "served")
    except DisallowedHost:
        print(host, "refused")
"""


def host_answers(**env: str) -> dict[str, str]:
    result = run(["-c", HOSTS_WITH_ENV_EXAMPLE], DJANGO_SETTINGS_MODULE="athena.settings", **env)
    assert result.returncode == 0, result.stderr
    return dict(line.split() for line in result.stdout.splitlines())


def test_a_copy_of_env_example_serves_the_development_server_locally():
    assert host_answers(DEBUG="true") == {
        "127.0.0.1:8000": "served",
        "localhost:8000": "served",
        "athena.example.com": "refused",
    }


def test_debug_serves_local_names_beside_production_allowed_hosts():
    assert host_answers(DEBUG="true", ALLOWED_HOSTS="athena.example.com") == {
        "127.0.0.1:8000": "served",
        "localhost:8000": "served",
        "athena.example.com": "served",
    }


def test_production_serves_only_its_allowed_hosts():
    answers = host_answers(DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="athena.example.com")
    assert answers == {
        "127.0.0.1:8000": "refused",
        "localhost:8000": "refused",
        "athena.example.com": "served",
    }


def make_venv_stamp(venv, **variables: str) -> subprocess.CompletedProcess:
    """Run the Makefile's interpreter check on the virtualenv `venv`."""
    assignments = [f"{name}={value}" for name, value in {"VENV": venv, **variables}.items()]
    return subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", *assignments, f"{venv}/.python"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        # No index: rebuilding must not reach the network in a test.
        env={**os.environ, "PIP_NO_INDEX": "1"},
        check=False,
    )


@pytest.fixture
def built_venv(tmp_path):
    """A stand-in virtualenv built with this interpreter, with a file to show
    whether it was kept."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".python").write_text(sys.executable + "\n")
    (venv / "kept").touch()
    return venv


def test_make_keeps_the_virtualenv_built_with_the_same_python(built_venv):
    result = make_venv_stamp(built_venv, PYTHON=sys.executable)
    assert result.returncode == 0, result.stderr
    assert (built_venv / "kept").exists()


def test_make_defaults_to_the_python_that_built_the_virtualenv(built_venv):
    result = make_venv_stamp(built_venv)
    assert result.returncode == 0, result.stderr
    assert (built_venv / "kept").exists()


def test_make_rebuilds_the_virtualenv_for_another_python(built_venv):
    (built_venv / ".python").write_text("python3.11\n")
    result = make_venv_stamp(built_venv, PYTHON=sys.executable)
    assert result.returncode == 0, result.stderr
    assert f"was built with python3.11, not {sys.executable}: rebuilding it" in result.stdout
    assert not (built_venv / "kept").exists()
    assert (built_venv / ".python").read_text().strip() == sys.executable
    assert (built_venv / "bin" / "python").exists()


def test_make_fails_loudly_for_a_python_that_is_not_there(built_venv):
    result = make_venv_stamp(built_venv, PYTHON="/nonexistent/python3")
    assert result.returncode != 0
    assert "/nonexistent/python3" in result.stderr
    assert (built_venv / "kept").exists()


LOG_ONE_LINE_EACH = """
import logging
import django
django.setup()
logging.getLogger("django.request").warning("a django line")
logging.getLogger("courses").warning("an athena line")
"""


@pytest.mark.parametrize("debug", ["true", "false"])
def test_each_log_line_is_printed_once(debug):
    result = run(
        ["-c", LOG_ONE_LINE_EACH],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DEBUG=debug,
        SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("a django line") == 1
    assert result.stderr.count("an athena line") == 1


def gunicorn_config(directory, **env: str) -> dict[str, str]:
    """gunicorn's own reading of gunicorn.conf.py, copied into `directory`."""
    config = directory / "gunicorn.conf.py"
    shutil.copy(settings.BASE_DIR / "gunicorn.conf.py", config)
    # It loads the application too, which refuses to start without a real key.
    result = run(
        ["-m", "gunicorn", "--print-config", "-c", str(config)], SECRET_KEY=STRONG_KEY, **env
    )
    assert result.returncode == 0, result.stderr
    return dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if "=" in line
    )


def test_gunicorn_reads_the_env_file_beside_its_config(tmp_path):
    (tmp_path / ".env").write_text("GUNICORN_BIND=127.0.0.1:8123\nWEB_CONCURRENCY=3\n")
    config = gunicorn_config(tmp_path)
    assert config["bind"] == "['127.0.0.1:8123']"
    assert config["workers"] == "3"
    assert config["wsgi_app"] == "athena.wsgi:application"


def test_gunicorn_prefers_the_environment_to_the_env_file(tmp_path):
    (tmp_path / ".env").write_text("WEB_CONCURRENCY=3\n")
    assert gunicorn_config(tmp_path, WEB_CONCURRENCY="5")["workers"] == "5"


def test_gunicorn_runs_gthread_workers_sized_for_the_machine(tmp_path):
    config = gunicorn_config(tmp_path)
    assert config["worker_class"] == "gthread"
    assert config["workers"] == str(min(2 * (os.cpu_count() or 1) + 1, 8))
    assert int(config["threads"]) > 1
    assert int(config["max_requests"]) > 0
    assert int(config["max_requests_jitter"]) > 0
    assert int(config["graceful_timeout"]) > 0


@pytest.mark.parametrize(
    ("behind_tls_proxy", "trusted"),
    [("", "[]"), ("false", "[]"), ("true", "['127.0.0.1', '::1']")],
)
def test_gunicorn_trusts_forwarded_headers_only_behind_a_tls_proxy(
    tmp_path, behind_tls_proxy, trusted
):
    config = gunicorn_config(tmp_path, BEHIND_TLS_PROXY=behind_tls_proxy)
    assert config["forwarded_allow_ips"] == trusted


def test_gunicorn_access_log_holds_the_request_id_and_no_secrets(tmp_path):
    log_format = gunicorn_config(tmp_path)["access_log_format"]
    assert "%({x-request-id}o)s" in log_format
    # No cookies, Authorization, referrer (may carry tokens) or query string.
    for atom in ("{cookie}i", "{authorization}i", "%(f)s", "%(q)s", "%(r)s", "%(i)s"):
        assert atom not in log_format


PRINT_DATABASE_TIMEOUTS = """
import django
django.setup()
from django.conf import settings
options = settings.DATABASES["default"]["OPTIONS"]
print(options["connect_timeout"], options["client_timeout"], options["options"])
"""


def test_database_timeouts_end_before_gunicorns_worker_timeout(tmp_path):
    result = run(
        ["-c", PRINT_DATABASE_TIMEOUTS],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DATABASE_URL="postgres://athena@db.internal:5432/athena",
    )
    assert result.returncode == 0, result.stderr
    connect, client, options = result.stdout.split(maxsplit=2)
    assert "-c statement_timeout=15000" in options
    # A frozen database costs a request at most a health check on its kept
    # connection (client timeout) and one new connection attempt.
    assert float(client) + float(connect) < int(gunicorn_config(tmp_path)["timeout"])


def test_check_deploy_is_clean_with_postgresql_and_redis():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="athena.example.com",
        DATABASE_URL="postgres://athena@db.internal:5432/athena",
        CACHE_URL="redis://redis.internal:6379/0",
        BEHIND_TLS_PROXY="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_zero_statement_timeout_turns_the_database_timeouts_off():
    result = run(
        ["-c", PRINT_DATABASE_TIMEOUTS],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DATABASE_URL="postgres://athena@db.internal:5432/athena",
        DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    assert result.returncode == 0, result.stderr
    _, client, options = result.stdout.split(maxsplit=2)
    assert float(client) == 0
    assert "-c statement_timeout=0" in options


PRINT_CACHE_AND_SESSIONS = (
    "from django.conf import settings; "
    "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
)


@pytest.mark.parametrize(
    ("cache_url", "backend", "sessions"),
    [
        ("redis://redis:6379/0", "athena.cache.RedisCache", "athena.sessions"),
        (
            "",
            "django.core.cache.backends.locmem.LocMemCache",
            "django.contrib.sessions.backends.db",
        ),
    ],
)
def test_sessions_come_from_the_cache_only_when_it_is_shared(cache_url, backend, sessions):
    """With Redis every worker reads a session from the cache; with the
    per-process default cache each reads the database, which they share."""
    result = run(
        ["-c", PRINT_CACHE_AND_SESSIONS],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        CACHE_URL=cache_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [backend, sessions]


def test_loading_the_wsgi_app_opens_no_connection():
    """gunicorn preloads the app in its master and forks the workers from it:
    a database connection or cache client made while loading would be shared
    by every worker."""
    result = run(
        [
            "-c",
            "import athena.wsgi; from django.db import connections; "
            "from django.core.cache import caches; "
            "print(connections['default'].connection, '_cache' in caches['default'].__dict__)",
        ],
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        CACHE_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "False"]


def test_loading_the_wsgi_app_hides_it_from_the_garbage_collector():
    """What the app imported (Django, every view, the admin) is frozen: a
    worker's full collection does not walk it (a stall of tens of ms)."""
    result = run(
        ["-c", "import gc; import athena.wsgi; print(gc.get_freeze_count() > 100_000)"],
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
