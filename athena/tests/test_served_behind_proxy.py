"""Athena under gunicorn with the documented proxy setting
(BEHIND_TLS_PROXY=true, FORWARDED_ALLOW_IPS=127.0.0.1), the test speaking as
the proxy: visitors are told apart by the X-Forwarded-For hop the proxy
writes, e-mailed links ignore the Host header's port, and a Host the site
does not answer to costs one warning line in the log."""

import re
from http import HTTPStatus

import pytest

from tests.servers import Gunicorn, Visitor, fetch, manage, production_environment, wait_for

PASSWORD = "Quiet-harbour-lamp-6301"  # test-only account password

# On one pytest-xdist worker: the module's tests share one gunicorn.
pytestmark = pytest.mark.xdist_group("served-behind-proxy")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("behind-proxy")
    environment = production_environment(
        DATABASE_URL=f"sqlite:///{directory / 'athena.sqlite3'}",
        BEHIND_TLS_PROXY="true",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        ATHENA_SITE_URL="https://athena.example.com",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    manage("migrate", "--no-input", environment=environment)
    manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; User = get_user_model(); "
        f"User.objects.create_user('target', 'target@example.com', '{PASSWORD}'); "
        f"User.objects.create_user('other', 'other@example.com', '{PASSWORD}')",
        environment=environment,
    )
    server = Gunicorn(environment, directory / "gunicorn.log")
    try:
        yield server.start()
    finally:
        server.stop()


class Client(Visitor):
    """A visitor behind the proxy: every request carries the hop the proxy
    appends to whatever X-Forwarded-For the visitor sent."""

    def __init__(self, server: Gunicorn, address: str, sent: str = "") -> None:
        super().__init__()
        self.server = server
        self.forwarded_for = f"{sent}, {address}" if sent else address

    def request(self, path, data=None, host=None):
        headers = {"X-Forwarded-For": self.forwarded_for}
        if host:
            headers["Host"] = host
        if data is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            data = {"csrfmiddlewaretoken": token, **data}
        return fetch(self.server.url(path), data=data, headers=headers, using=self.browser)

    def log_in(self, username, password):
        self.request("/accounts/login/")
        response = self.request("/accounts/login/", {"username": username, "password": password})
        self.request("/accounts/logout/", {})
        return response.status


def test_one_visitor_failing_on_an_account_locks_out_no_one_else(server):
    failing = Client(server, "203.0.113.1")
    statuses = [failing.log_in("target", "wrong guess") for _ in range(5)]
    assert statuses == [HTTPStatus.OK] * 4 + [HTTPStatus.TOO_MANY_REQUESTS]  # AXES_FAILURE_LIMIT
    assert failing.log_in("target", PASSWORD) == HTTPStatus.TOO_MANY_REQUESTS
    # What the visitor writes in the header itself changes nothing.
    forging = Client(server, "203.0.113.1", sent="198.51.100.77")
    assert forging.log_in("target", PASSWORD) == HTTPStatus.TOO_MANY_REQUESTS
    # Another visitor behind the same proxy: the account's owner, and another learner.
    elsewhere = Client(server, "203.0.113.2")
    assert elsewhere.log_in("target", PASSWORD) == HTTPStatus.FOUND
    assert elsewhere.log_in("other", PASSWORD) == HTTPStatus.FOUND
    # The visitor who failed still logs in to another account.
    assert failing.log_in("other", PASSWORD) == HTTPStatus.FOUND


def test_reset_links_ignore_the_host_headers_port(server):
    visitor = Client(server, "203.0.113.3")
    visitor.request("/accounts/password_reset/", host="127.0.0.1:6666")
    response = visitor.request(
        "/accounts/password_reset/", {"email": "other@example.com"}, host="127.0.0.1:6666"
    )
    assert response.status == HTTPStatus.FOUND
    wait_for(
        lambda: "/accounts/reset/" in server.log(),
        seconds=10,
        what="the reset e-mail in the log (console e-mail backend)",
    )
    links = re.findall(r"https?://\S*/accounts/reset/\S*", server.log())
    assert links
    assert all(link.startswith("https://athena.example.com/accounts/reset/") for link in links)
    assert ":6666" not in "".join(links)


def test_a_host_the_site_does_not_answer_to_logs_one_warning_line(server):
    response = fetch(server.url("/courses/"), headers={"Host": "evil.example:6666"})
    assert response.status == HTTPStatus.BAD_REQUEST
    request_id = response.headers["x-request-id"]
    wait_for(
        lambda: any(
            request_id in line and "HTTP/1.1" in line for line in server.log().splitlines()
        ),
        seconds=10,
        what="the access log line",
    )
    lines = [line for line in server.log().splitlines() if request_id in line]
    logged = [line for line in lines if "HTTP/1.1" not in line]  # all but the access line
    assert len(logged) == 1, lines
    assert " WARNING django.security.DisallowedHost " in logged[0]
    assert "Invalid HTTP_HOST header" in logged[0]
    assert "Traceback" not in server.log()
