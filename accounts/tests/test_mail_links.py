"""Links in account e-mails start with the site's configured address
(ATHENA_SITE_URL), never with a port or host a request's Host header chose
(athena.site_url)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

HOSTILE_HOSTS = ("testserver:6666", "TESTSERVER.:6666")


def links_in(message):
    return re.findall(r"https?://\S+", message.body)


def send_account_mails(client, host):
    make_user(username="hopper")
    client.post(reverse("password_reset"), {"email": "hopper@example.com"}, HTTP_HOST=host)
    client.post(
        reverse("accounts:signup"), {"username": "ada", "email": "ada@example.com"}, HTTP_HOST=host
    )
    client.post(
        reverse("accounts:signup"),
        {"username": "impostor", "email": "hopper@example.com"},
        HTTP_HOST=host,
    )


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_links_start_with_the_configured_site_url(client, settings, host):
    settings.ATHENA_SITE_URL = "https://athena.example.com"
    send_account_mails(client, host)
    assert len(mail.outbox) == 3
    links = [link for message in mail.outbox for link in links_in(message)]
    assert links
    assert all(link.startswith("https://athena.example.com/accounts/") for link in links), links


@pytest.mark.parametrize("host", ["testserver:6666", "TestServer:6666"])
def test_without_a_site_url_links_drop_the_host_headers_port(client, settings, host):
    settings.ATHENA_SITE_URL = ""
    send_account_mails(client, host)
    links = [link for message in mail.outbox for link in links_in(message)]
    assert len(mail.outbox) == 3
    assert all(link.startswith("http://testserver/accounts/") for link in links), links


def test_in_development_links_keep_the_development_servers_port(client, settings):
    settings.ATHENA_SITE_URL = ""
    settings.DEBUG = True
    send_account_mails(client, "testserver:8000")
    links = [link for message in mail.outbox for link in links_in(message)]
    assert all(link.startswith("http://testserver:8000/accounts/") for link in links), links


def test_the_site_url_must_be_a_scheme_and_a_host():
    from athena.tests.test_operations import run

    for value in ("athena.example.com", "https://athena.example.com/path", "ftp://x"):
        result = run(
            ["-c", "import django; django.setup()"],
            DJANGO_SETTINGS_MODULE="athena.settings",
            DEBUG="true",
            ATHENA_SITE_URL=value,
        )
        assert result.returncode != 0, value
        assert "ATHENA_SITE_URL must be a scheme and host" in result.stderr
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.ATHENA_SITE_URL)",
        ],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DEBUG="true",
        ATHENA_SITE_URL="https://athena.example.com:8443/",
    )
    assert result.stdout.strip() == "https://athena.example.com:8443", result.stderr
