"""Real database failures under real traffic.

Each test starts its own PostgreSQL cluster (initdb into a temporary directory,
its own port; never the shared server on 5432), migrates it, serves Athena under
gunicorn against it, and then stops or freezes that cluster mid-traffic. Part of
the PostgreSQL run of CI; skipped on SQLite runs unless
ATHENA_REQUIRE_PG_FAILURE_TESTS=1.
"""

import os
import threading
import time
from http import HTTPStatus

import pytest

from tests.servers import (
    Gunicorn,
    PostgresInstance,
    fetch,
    manage,
    postgresql_bin_dir,
    production_environment,
    wait_for,
)

REQUIRED = os.environ.get("ATHENA_REQUIRE_PG_FAILURE_TESTS") == "1"
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")

pytestmark = [
    pytest.mark.skipif(
        not (REQUIRED or ON_POSTGRESQL),
        reason="PostgreSQL failure tests run with DATABASE_URL=postgres://... "
        "or ATHENA_REQUIRE_PG_FAILURE_TESTS=1",
    ),
    # On one pytest-xdist worker: the module's tests share one cluster and server.
    pytest.mark.xdist_group("database-failures"),
]

# Small on purpose, so a test sees every timeout fire within seconds. The
# database gives up before gunicorn's worker timeout: statement 2 s, client 3 s,
# connect 2 s.
GUNICORN_TIMEOUT = 8
TIMEOUTS = {
    "GUNICORN_TIMEOUT": str(GUNICORN_TIMEOUT),
    "DATABASE_STATEMENT_TIMEOUT_MS": "2000",
    "DATABASE_CLIENT_TIMEOUT": "3",
    "DATABASE_CONNECT_TIMEOUT": "2",
    "HEALTHZ_DATABASE_TIMEOUT": "2",
    "HEALTHZ_KEEP_SECONDS": "1",
}
# How long a worker may still answer readiness from its check before a failure.
HEALTHZ_KEEP_SECONDS = float(TIMEOUTS["HEALTHZ_KEEP_SECONDS"])
PAGE = "/courses/"  # queries the database on every request (page cache off below)


@pytest.fixture(scope="module")
def cluster():
    bin_dir = postgresql_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)")
    instance = PostgresInstance(bin_dir)
    try:
        instance.create()
        instance.create_database("athena")
        yield instance
    finally:
        instance.destroy()


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory):
    environment = production_environment(
        DATABASE_URL=cluster.url("athena"),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        **TIMEOUTS,
    )
    manage("migrate", "--no-input", environment=environment)
    gunicorn = Gunicorn(environment, tmp_path_factory.mktemp("failures") / "gunicorn.log")
    try:
        yield gunicorn.start()
    finally:
        gunicorn.stop()


@pytest.fixture
def running(cluster, server):
    """Each test starts from a serving server and a running, thawed database,
    whatever the previous test left behind."""
    cluster.thaw()
    if not cluster.is_running():
        cluster.start()
    wait_until_ready(server)
    return server


class Traffic:
    """Threads requesting a page over and over, keeping every answer."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.url = url
        self.answers = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.answers.append(fetch(self.url, timeout=30))

    def __enter__(self) -> "Traffic":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)


def wait_until_ready(server: Gunicorn) -> None:
    wait_for(
        lambda: fetch(server.url("/healthz/ready"), timeout=10).status == HTTPStatus.OK,
        seconds=30,
        what="readiness after the database came back",
    )


def assert_all_pages_answer(server: Gunicorn, count: int = 20) -> None:
    statuses = [fetch(server.url(PAGE)).status for _ in range(count)]
    assert statuses == [HTTPStatus.OK] * count


def test_a_database_stopped_mid_traffic_gives_503s_then_recovers_without_restart(running, cluster):
    server = running
    assert_all_pages_answer(server, count=4)
    with Traffic(server.url(PAGE)) as traffic:
        time.sleep(0.5)
        cluster.stop("immediate")
        time.sleep(2)
    statuses = {answer.status for answer in traffic.answers}
    assert statuses <= {HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE}, statuses
    unavailable = [a for a in traffic.answers if a.status == HTTPStatus.SERVICE_UNAVAILABLE]
    assert unavailable, "no request met the stopped database"
    assert all(int(answer.headers["retry-after"]) > 0 for answer in unavailable)
    assert all("Athena is back in a moment" in answer.body for answer in unavailable)

    ready = fetch(server.url("/healthz/ready"))
    assert ready.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert '"database": "unreachable"' in ready.body

    cluster.start()
    wait_until_ready(server)
    assert_all_pages_answer(server)


def test_a_frozen_database_is_noticed_within_seconds_and_holds_no_request(running, cluster):
    server = running
    assert_all_pages_answer(server, count=8)  # persistent connections in the workers
    answers = {}

    def ask(name: str, path: str, after: float = 0) -> None:
        time.sleep(after)
        answers[name] = fetch(server.url(path), timeout=30)

    cluster.freeze()
    try:
        # Readiness once its workers' kept answers from before the freeze are out of date.
        askers = [
            threading.Thread(target=ask, args=("ready", "/healthz/ready", HEALTHZ_KEEP_SECONDS))
        ] + [threading.Thread(target=ask, args=(f"page {n}", PAGE)) for n in range(6)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(timeout=40)
    finally:
        cluster.thaw()

    ready = answers["ready"]
    assert ready.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert ready.seconds < 10
    assert '"database": "unreachable"' in ready.body
    pages = [answer for name, answer in answers.items() if name.startswith("page")]
    assert len(pages) == 6
    for page in pages:
        assert page.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert page.seconds < GUNICORN_TIMEOUT
        assert int(page.headers["retry-after"]) > 0

    wait_until_ready(server)
    assert_all_pages_answer(server)
