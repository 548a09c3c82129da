"""Account e-mails (sign-up confirmations and notices, password resets) are
limited per address and per client address, silently: a refused request
looks like any other, for known and unknown addresses alike
(docs/security.md, "Accounts")."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def reset(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def signup(client, username, email, address="10.0.0.1"):
    return client.post(
        reverse("accounts:signup"), {"username": username, "email": email}, REMOTE_ADDR=address
    )


def sent_to(email):
    return [message for message in mail.outbox if message.to == [email]]


def test_ten_password_resets_for_one_address_send_a_few_mails(client, settings):
    make_user(username="hopper")
    responses = [reset(client, "hopper@example.com") for _ in range(10)]
    assert (
        len(sent_to("hopper@example.com")) == settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    )
    # Every answer is the same redirect, the refused ones included.
    assert {(r.status_code, r["Location"]) for r in responses} == {
        (HTTPStatus.FOUND, reverse("password_reset_done"))
    }


def test_ten_sign_ups_for_one_address_send_a_few_mails(client, settings):
    responses = [signup(client, f"ada{attempt}", "ada@example.com") for attempt in range(10)]
    assert len(sent_to("ada@example.com")) == settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    assert {r["Location"] for r in responses} == {reverse("accounts:signup-done")}
    # A refused sign-up writes nothing: the account is the last one mailed,
    # so its link still works.
    (account,) = User.objects.filter(email="ada@example.com")
    assert account.username == f"ada{settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT - 1}"


def test_notices_to_an_address_in_use_count_as_well(client, settings):
    make_user(username="grace")
    for attempt in range(10):
        signup(client, f"impostor{attempt}", "grace@example.com")
    assert (
        len(sent_to("grace@example.com")) == settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    )


def test_sign_ups_and_resets_share_the_allowance(client, settings):
    make_user(username="hopper")
    limit = settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    for attempt in range(limit):
        signup(client, f"hopper{attempt}", "hopper@example.com")
    reset(client, "hopper@example.com")
    assert len(sent_to("hopper@example.com")) == limit


def test_requests_for_unknown_addresses_count_the_same(client, settings):
    # The limit cannot tell whether an address has an account: asking for
    # resets of an unknown address spends its allowance all the same.
    for _ in range(settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT):
        reset(client, "nobody@example.com")
    assert not mail.outbox
    response = signup(client, "nobody", "nobody@example.com")
    assert response["Location"] == reverse("accounts:signup-done")
    assert not mail.outbox
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_one_client_cannot_use_up_an_addresss_allowance_alone(client, settings):
    make_user(username="hopper")
    for _ in range(10):
        reset(client, "hopper@example.com", address="10.6.6.6")
    # The owner, from their own address, still gets a reset link...
    reset(Client(), "hopper@example.com", address="10.0.0.7")
    per_client = settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    assert len(sent_to("hopper@example.com")) == per_client + 1
    # ...while requests from many addresses stop at the address's own limit.
    for address in range(20):
        reset(Client(), "hopper@example.com", address=f"10.0.1.{address}")
    assert len(sent_to("hopper@example.com")) == settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS
    assert per_client < settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS


def test_one_client_cannot_mail_many_addresses(client, settings):
    limit = settings.ATHENA_MAILS_PER_HOUR_FROM_CLIENT
    for number in range(limit + 5):
        signup(client, f"learner{number}", f"learner{number}@example.com")
    assert len(mail.outbox) == limit
    # Another client is not affected.
    signup(Client(), "late", "late@example.com", address="10.0.0.2")
    assert len(mail.outbox) == limit + 1


def test_the_allowance_comes_back_after_an_hour(client, settings):
    make_user(username="hopper")
    limit = settings.ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT
    with freeze_time("2026-03-01 12:00:00") as clock:
        for _ in range(limit + 1):
            reset(client, "hopper@example.com")
        assert len(mail.outbox) == limit
        clock.tick(60 * 60 + 1)
        reset(client, "hopper@example.com")
        assert len(mail.outbox) == limit + 1


def test_the_cache_holds_no_e_mail_address(client):
    make_user(username="hopper")
    reset(client, "hopper@example.com")
    signup(client, "ada", "ada@example.com")
    keys = " ".join(str(key) for key in getattr(cache, "_cache", {}))
    assert "account-mail" in keys
    assert "@" not in keys
    assert "hopper" not in keys
