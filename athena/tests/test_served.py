"""Athena served by gunicorn (gunicorn.conf.py, DEBUG off), spoken to over HTTP.

These run on every database: the server gets its own SQLite path, unreachable on
purpose where a test needs the database down.
"""

import re
import subprocess
import sys
from http import HTTPStatus

import pytest

from tests.servers import BASE_DIR, Gunicorn, fetch, production_environment, wait_for

UNREACHABLE_DATABASE = "sqlite:////nonexistent-directory/athena.sqlite3"

# On one pytest-xdist worker: the module's tests share one gunicorn.
pytestmark = pytest.mark.xdist_group("served")


@pytest.fixture(scope="module")
def server_without_database(tmp_path_factory):
    directory = tmp_path_factory.mktemp("served")
    server = Gunicorn(
        production_environment(
            DATABASE_URL=UNREACHABLE_DATABASE, WEB_CONCURRENCY="1", GUNICORN_THREADS="2"
        ),
        directory / "gunicorn.log",
    )
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "cookie"),
    [
        ("/", ""),
        ("/courses/", ""),
        ("/courses/1/", ""),
        # A signed-in visitor: the session itself lives in the database.
        ("/my/", "sessionid=0123456789abcdefghijklmnopqrstuv"),
    ],
)
def test_pages_answer_a_friendly_503_with_retry_after_when_the_database_is_down(
    server_without_database, path, cookie
):
    response = fetch(server_without_database.url(path), headers={"cookie": cookie})
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert int(response.headers["retry-after"]) > 0
    assert "Athena is back in a moment" in response.body
    assert "css/athena.css" in response.body  # the site's own look


def test_a_login_while_the_database_is_down_answers_503_and_logs_no_password(
    server_without_database,
):
    password = "correct-horse-battery-staple-9137"
    page = fetch(server_without_database.url("/accounts/login/"))
    assert page.status == HTTPStatus.OK
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    cookie = page.headers["set-cookie"].split(";")[0]
    response = fetch(
        server_without_database.url("/accounts/login/"),
        data={"csrfmiddlewaretoken": token, "username": "learner", "password": password},
        headers={"cookie": cookie},
    )
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert password not in server_without_database.log()


def test_each_failed_request_logs_one_line_with_its_request_id(server_without_database):
    response = fetch(server_without_database.url("/courses/"))
    request_id = response.headers["x-request-id"]
    # gunicorn writes the access line after the answer has gone out.
    wait_for(
        lambda: any(
            request_id in line and "HTTP/1.1" in line
            for line in server_without_database.log().splitlines()
        ),
        seconds=10,
        what="the access log line",
    )
    lines = [line for line in server_without_database.log().splitlines() if request_id in line]
    errors = [line for line in lines if "ERROR" in line]
    assert len(errors) == 1, lines
    assert "Service Unavailable (database): GET /courses/" in errors[0]
    assert "OperationalError" in errors[0]
    assert any('"GET /courses/ HTTP/1.1" 503' in line for line in lines)  # access log


def test_the_access_log_masks_password_reset_tokens(server_without_database):
    token = "cbb1qs-4e0b5c9d1f2a3b4c5d6e7f8091a2b3c4"
    fetch(server_without_database.url(f"/accounts/reset/MQ/{token}/"))
    wait_for(
        lambda: any(
            "/accounts/reset/MQ/" in line and 'HTTP/1.1"' in line
            for line in server_without_database.log().splitlines()
        ),
        seconds=10,
        what="the access log line",
    )
    log = server_without_database.log()
    assert token not in log
    assert '"GET /accounts/reset/MQ/[token]/ HTTP/1.1"' in log


@pytest.mark.parametrize("host", ["athena.example.com", "10.0.3.7:8000", "evil.example"])
def test_health_endpoints_answer_whatever_the_host(server_without_database, host):
    live = fetch(server_without_database.url("/healthz/live"), headers={"host": host})
    assert (live.status, live.body) == (HTTPStatus.OK, "ok")
    ready = fetch(server_without_database.url("/healthz/ready"), headers={"host": host})
    assert ready.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert '"database": "unreachable"' in ready.body
    assert '"cache": "ok"' in ready.body


def test_readiness_answers_503_quickly_when_the_database_is_down(server_without_database):
    response = fetch(server_without_database.url("/healthz"))
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.seconds < 5


@pytest.mark.parametrize(
    ("behind_tls_proxy", "expected"),
    [("false", HTTPStatus.MOVED_PERMANENTLY), ("true", HTTPStatus.OK)],
)
def test_forwarded_proto_is_trusted_only_behind_a_tls_proxy(tmp_path, behind_tls_proxy, expected):
    # A client that claims HTTPS must still be redirected to it, unless a
    # configured proxy (here on 127.0.0.1) sets the header itself.
    server = Gunicorn(
        production_environment(
            DATABASE_URL=UNREACHABLE_DATABASE,
            SECURE_SSL_REDIRECT="true",
            BEHIND_TLS_PROXY=behind_tls_proxy,
            WEB_CONCURRENCY="1",
        ),
        tmp_path / "gunicorn.log",
    )
    try:
        server.start()
        response = fetch(server.url("/accounts/login/"), headers={"x-forwarded-proto": "https"})
    finally:
        server.stop()
    assert response.status == expected


def test_the_docker_health_check_passes_whatever_allowed_hosts_is(tmp_path):
    # The image's own HEALTHCHECK command, run as Docker runs it (inside the
    # container, against 127.0.0.1), while the site answers only its public name.
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    command = re.search(r'HEALTHCHECK .*\n\s+CMD python -c "([^"]+)"', dockerfile).group(1)
    server = Gunicorn(
        production_environment(
            DATABASE_URL=UNREACHABLE_DATABASE,
            ALLOWED_HOSTS="athena.example.com",
            SECURE_SSL_REDIRECT="true",
            WEB_CONCURRENCY="1",
        ),
        tmp_path / "gunicorn.log",
    )
    try:
        server.start()
        probe = subprocess.run(  # noqa: S603
            [sys.executable, "-c", command.replace(":8000/", f":{server.port}/")],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    finally:
        server.stop()
    assert probe.returncode == 0, probe.stderr
