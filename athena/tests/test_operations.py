"""Health endpoint, production settings and the server entry points."""

import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

STRONG_KEY = "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 4


# Set for the test session only (pyproject.toml, tests/browser/conftest.py).
TEST_ONLY_VARIABLES = ("SECRET_KEY", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(arguments: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in a production-like environment: the test session's own
    variables removed, `env` added (an empty value removes a variable)."""
    environment = {
        name: value for name, value in os.environ.items() if name not in TEST_ONLY_VARIABLES
    }
    environment.update({name: value for name, value in env.items() if value})
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


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["healthz", "healthz-ready"])
def test_readiness_answers_503_naming_the_database_when_it_is_unreachable(
    client, monkeypatch, name
):
    # The check opens a fresh connection with these settings: a real failure.
    unreachable = (
        "/nonexistent-directory/athena.sqlite3"
        if connection.vendor == "sqlite"
        else "athena_no_such_database"
    )
    monkeypatch.setitem(connection.settings_dict, "NAME", unreachable)
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "database": "unreachable", "cache": "ok"}


# Nothing listens on port 1: a Redis that refuses connections.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.mark.django_db
def test_readiness_answers_503_naming_the_cache_when_it_is_unreachable(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(reverse("healthz-ready"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unreachable"}


@pytest.mark.django_db
def test_a_page_answers_503_with_retry_after_when_the_redis_cache_is_down(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(reverse("courses:home"))  # caches the trending courses
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert int(response["Retry-After"]) > 0
    assert b"Athena is back in a moment" in response.content


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
