"""Real servers for the operations tests: Athena under gunicorn, and a private
PostgreSQL instance that a test may stop or freeze.

Nothing here is faked: the tests speak HTTP to gunicorn over a socket, and
gunicorn's workers speak to a real PostgreSQL.
"""

import contextlib
import http.client
import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import environ
import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 4

# Variables of the test session that must not leak into a production-like server.
TEST_SESSION_VARIABLES = (
    "SECRET_KEY",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CACHE_URL",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(**variables: str) -> dict[str, str]:
    """DEBUG off, a real key, plain HTTP on 127.0.0.1; `variables` on top."""
    environment = {
        name: value for name, value in os.environ.items() if name not in TEST_SESSION_VARIABLES
    }
    environment.update(
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="tests.server_settings",
        # The tests speak plain HTTP: no redirect, cookies without `Secure`.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        PYTHONUNBUFFERED="1",
    )
    environment.update(variables)
    return environment


@contextlib.contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the PostgreSQL server of `server_url`
    (a database URL), dropped afterwards however the block ends: its URL."""
    config = environ.Env.db_url_config(server_url)
    admin = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def manage(*arguments: str, environment: dict[str, str]) -> str:
    """Run a management command; its output, or an assertion error showing it."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """A urllib opener that shows redirects instead of following them."""
    return urllib.request.build_opener(_NoRedirect, *handlers)


def fetch(
    url: str,
    *,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 20,
    using: urllib.request.OpenerDirector | None = None,
) -> Response:
    """GET (or POST `data`, form-encoded) and return the answer, errors included."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    started = time.monotonic()
    try:
        with (using or opener()).open(request, timeout=timeout) as answer:
            status, answer_headers, text = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, text = error.code, error.headers, error.read()
    return Response(
        status=status,
        headers={name.lower(): value for name, value in answer_headers.items()},
        body=text.decode(errors="replace"),
        seconds=time.monotonic() - started,
    )


def wait_for(predicate, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if predicate():
                return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Gunicorn:
    """Athena under gunicorn with the project's gunicorn.conf.py."""

    def __init__(self, environment: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.environment = {**environment, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Gunicorn":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            # Any HTTP answer will do: the tests judge the answers themselves.
            lambda: self.process.poll() is None and fetch(self.url("/healthz/live"), timeout=2),
            seconds=30,
            what=f"gunicorn to serve (log: {self.log_path})",
        )
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Visitor:
    """One browser over HTTP: a cookie jar shared by whichever server answers;
    redirects are shown, not followed."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.browser = opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, url: str) -> Response:
        return fetch(url, using=self.browser)

    def post(self, url: str, data: dict[str, str]) -> Response:
        token = next(c.value for c in self.cookies if c.name == "csrftoken")
        return fetch(url, data={"csrfmiddlewaretoken": token, **data}, using=self.browser)

    def log_in(self, server: Gunicorn, username: str, password: str) -> Response:
        page = self.get(server.url("/accounts/login/"))
        assert page.status == HTTPStatus.OK
        return self.post(
            server.url("/accounts/login/"), {"username": username, "password": password}
        )


def postgresql_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian layout), if any."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


class PostgresInstance:
    """A private PostgreSQL cluster in a temporary directory on a free port.

    Runs as the `postgres` OS user when the tests run as root (PostgreSQL refuses
    to run as root). Never the shared server on 5432.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="athena-pg-"))
        self.data = self.directory / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.directory, user="postgres", group="postgres")

    def _run(self, program: str, *arguments: str, timeout: float = 60) -> None:
        result = subprocess.run(  # noqa: S603
            [str(self.bin_dir / program), *arguments],
            cwd=self.directory,
            user="postgres" if self.as_root else None,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create(self) -> "PostgresInstance":
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return self.start()

    def start(self) -> "PostgresInstance":
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options,
            "-w", "-t", "30", "start",
        )  # fmt: skip
        return self

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def pids(self) -> list[int]:
        """The postmaster first, then its children."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # The parent pid is the second field after the ")" closing the name.
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """SIGSTOP every process: the server keeps its sockets but never answers."""
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for pid in reversed(self.pids()):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        """Always safe to call: resume, stop at once, remove the files."""
        self.thaw()
        if self.is_running():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
