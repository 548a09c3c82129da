"""One client address for the whole project (athena.client_address): the
connection's peer, or behind the configured TLS proxy the hop that proxy
wrote, never what a client wrote itself. The log-in lockout, the anonymous
quiz limit and the account mail limits all count by it."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from athena.client_address import client_address
from tests.factories import PASSWORD, course_items, make_course, make_user

PROXY = "127.0.0.1"


@pytest.fixture
def behind_proxy(settings):
    """The documented proxy setting: BEHIND_TLS_PROXY=true FORWARDED_ALLOW_IPS=127.0.0.1."""
    settings.ATHENA_TRUSTED_PROXIES = [PROXY]


def address_of(remote_addr, forwarded_for=None):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_without_a_proxy_the_peer_is_the_client_whatever_the_header_says():
    assert address_of("203.0.113.9") == "203.0.113.9"
    assert address_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert address_of(PROXY, "198.51.100.1") == PROXY


def test_the_settings_read_the_documented_proxy_variables():
    from athena.tests.test_operations import run

    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ATHENA_TRUSTED_PROXIES)"
    )
    variables = {"DJANGO_SETTINGS_MODULE": "athena.settings", "DEBUG": "true"}
    off = run(["-c", script], **variables, BEHIND_TLS_PROXY="", FORWARDED_ALLOW_IPS="10.0.0.0/8")
    assert off.stdout.strip() == "[]", off.stderr
    on = run(["-c", script], **variables, BEHIND_TLS_PROXY="true", FORWARDED_ALLOW_IPS="")
    assert on.stdout.strip() == "['127.0.0.1', '::1']", on.stderr
    listed = run(
        ["-c", script], **variables, BEHIND_TLS_PROXY="true", FORWARDED_ALLOW_IPS="10.0.0.0/8"
    )
    assert listed.stdout.strip() == "['10.0.0.0/8']", listed.stderr


@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.5", "203.0.113.5"),
        # What the client sent comes first; the proxy appends the peer it saw.
        ("198.51.100.1, 203.0.113.5", "203.0.113.5"),
        ("garbage, 10.1.2.3", "10.1.2.3"),
        ("198.51.100.1,203.0.113.5:51234", "203.0.113.5"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::2]:443", "2001:db8::2"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        # Nothing usable: the peer, as without the header.
        ("", PROXY),
        ("unknown", PROXY),
        ("0.0.0.0", PROXY),  # noqa: S104 - an address no client has
    ],
)
def test_behind_the_proxy_the_client_is_the_hop_the_proxy_wrote(forwarded_for, client):
    assert address_of(PROXY, forwarded_for) == client


@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_a_client_reaching_the_server_directly_is_not_believed():
    assert address_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert address_of("::ffff:127.0.0.1", "198.51.100.1") == "198.51.100.1"


def test_proxies_may_be_networks_or_anyone(settings):
    settings.ATHENA_TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert address_of("10.20.30.40", "203.0.113.5") == "203.0.113.5"
    assert address_of("fd00::1", "203.0.113.5") == "203.0.113.5"
    assert address_of("11.0.0.1", "203.0.113.5") == "11.0.0.1"
    settings.ATHENA_TRUSTED_PROXIES = ["*"]
    assert address_of("", "203.0.113.5") == "203.0.113.5"


def test_a_malformed_proxy_list_is_refused_by_name(settings):
    settings.ATHENA_TRUSTED_PROXIES = ["127.0.0.1", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match="FORWARDED_ALLOW_IPS"):
        address_of(PROXY, "203.0.113.5")


# The lockout (django-axes) counts by it.


def log_in(client, identifier, password, remote_addr, forwarded_for=None):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client.post(
        "/accounts/login/",
        {"username": identifier, "password": password},
        REMOTE_ADDR=remote_addr,
        **headers,
    )


@pytest.mark.django_db
def test_without_a_proxy_a_forged_header_buys_no_fresh_attempts(client, settings):
    make_user(username="target")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "target", "guess", "203.0.113.9", f"198.51.100.{attempt}")
    response = log_in(client, "target", PASSWORD, "203.0.113.9", "198.51.100.200")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_two_clients_are_told_apart(client, settings):
    target, other = make_user(username="target"), make_user(username="other")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "target", "guess", PROXY, "203.0.113.1")
    # The client who failed is locked out of that account...
    response = log_in(client, "target", PASSWORD, PROXY, "203.0.113.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # ...however it dresses its header,
    response = log_in(client, "target", PASSWORD, PROXY, "198.51.100.1, 203.0.113.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # while another visitor behind the same proxy logs in, to it and to another.
    for user in (target, other):
        response = log_in(client, user.username, PASSWORD, PROXY, "203.0.113.2")
        assert response.status_code == HTTPStatus.FOUND, user.username
        assert int(client.session["_auth_user_id"]) == user.pk
        client.post("/accounts/logout/")
    # So does the first client, to another account.
    response = log_in(client, "other", PASSWORD, PROXY, "203.0.113.1")
    assert response.status_code == HTTPStatus.FOUND


# The anonymous quiz limit counts by it (the learner's account, once logged in).


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_anonymous_visitors_each_have_their_own_quiz_allowance(client, settings):
    settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE = 2
    quiz = next(
        item
        for item in course_items(make_course(modules=1, lessons=0, quizzes=1))
        if item.kind == "activity"
    )

    def answer(forwarded_for):
        return client.post(
            quiz.get_absolute_url(),
            {"option": "1"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    assert [answer("203.0.113.1") for _ in range(3)] == [HTTPStatus.OK] * 2 + [
        HTTPStatus.TOO_MANY_REQUESTS
    ]
    assert answer("198.51.100.9, 203.0.113.1") == HTTPStatus.TOO_MANY_REQUESTS
    assert answer("203.0.113.2") == HTTPStatus.OK


# The account mail limits count by it.


@pytest.mark.django_db
@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_mail_limits_count_each_client(client, settings):
    make_user(username="hopper")

    def reset(forwarded_for):
        client.post(
            "/accounts/password_reset/",
            {"email": "hopper@example.com"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    limit = settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    for attempt in range(limit + 2):
        reset(f"198.51.100.{attempt}, 203.0.113.1")
    assert len(mail.outbox) == limit
    reset("203.0.113.2")
    assert len(mail.outbox) == limit + 1
