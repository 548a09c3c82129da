"""compose.yaml and the Dockerfile, read as the tools would read them.

Docker is not available where the tests run, so compose.yaml is checked as
parsed YAML; the image's HEALTHCHECK command is run for real against gunicorn
in test_served.py.
"""

import re

import pytest
import yaml
from django.conf import settings

LONG_RUNNING = ("db", "redis", "web", "worker")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((settings.BASE_DIR / "compose.yaml").read_text())


def test_compose_runs_web_worker_postgresql_and_redis(compose):
    services = compose["services"]
    assert set(services) >= {"db", "redis", "migrate", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    # An idle worker looks for work four times a second: a request starts at once.
    assert services["worker"]["command"] == [
        *("python", "manage.py", "db_worker", "--no-reload"),
        *("--interval", "0.25"),
    ]
    assert services["web"]["environment"]["CACHE_URL"].startswith("redis://redis:")


def test_compose_migrates_before_the_web_server_and_the_worker_start(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    # Same settings as the web server, but no statement timeout for migrations.
    assert services["migrate"]["environment"] == {
        **services["web"]["environment"],
        "DATABASE_STATEMENT_TIMEOUT_MS": "0",
    }


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_compose_restarts_long_running_services_on_failure(compose, name):
    assert compose["services"][name]["restart"] == "unless-stopped"


def test_compose_health_checks_probe_readiness_and_the_stores(compose):
    services = compose["services"]
    assert "/healthz/ready" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # The worker serves no HTTP: the image's web probe would always fail there.
    assert services["worker"]["healthcheck"] == {"disable": True}


def test_the_image_health_check_probes_liveness():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"HEALTHCHECK .*\n\s+CMD .*/healthz/live", dockerfile)
