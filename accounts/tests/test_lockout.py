"""Failed log-ins lock the account however it is spelt, and the client address,
on the site login and the admin login alike (docs/security.md)."""

from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URLS = ("/accounts/login/", "/admin/login/")


def log_in(client, url, identifier, password, address):
    return client.post(url, {"username": identifier, "password": password}, REMOTE_ADDR=address)


def fail(client, settings, identifier, address, url="/accounts/login/"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, url, identifier, "wrong guess", address)


@pytest.mark.parametrize("login_url", LOGIN_URLS)
def test_a_locked_account_stays_locked_under_every_spelling_and_address(
    client, settings, login_url
):
    make_user(username="learner")
    fail(client, settings, "learner", "10.0.0.1", url=login_url)
    for identifier in ("learner", "learner@example.com", "LEARNER@Example.com"):
        for url in LOGIN_URLS:
            response = log_in(client, url, identifier, PASSWORD, "10.0.0.2")
            assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS, (identifier, url)
            assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_under_e_mail_spellings_count_for_the_account(client, settings):
    make_user(username="learner")
    spellings = ["learner@example.com", "LEARNER@example.com", "Learner@Example.COM"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "/accounts/login/", spellings[attempt % 3], "guess", f"10.0.1.{attempt}")
    response = log_in(client, "/accounts/login/", "learner", PASSWORD, "10.0.2.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_unknown_names_are_locked_whatever_their_case(client, settings):
    fail(client, settings, "nobody@example.com", "10.0.0.1")
    response = log_in(client, "/accounts/login/", "NoBody@Example.com", "x", "10.0.0.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_an_address_is_locked_after_its_own_failures_on_any_accounts(client, settings):
    other = make_user(username="other")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "/accounts/login/", f"someone{attempt}", "guess", "10.0.0.66")
    # The address is locked, even for another account's right password...
    response = log_in(client, "/accounts/login/", "other", PASSWORD, "10.0.0.66")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # ...while the account itself is not, from another address.
    response = log_in(client, "/accounts/login/", "other", PASSWORD, "10.0.0.67")
    assert response.status_code == HTTPStatus.FOUND
    assert int(client.session["_auth_user_id"]) == other.pk


def test_a_success_before_the_limit_clears_the_failures(client, settings):
    make_user(username="learner")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "/accounts/login/", "learner@example.com", "guess", "10.0.0.1")
    response = log_in(client, "/accounts/login/", "LEARNER@example.com", PASSWORD, "10.0.0.1")
    assert response["Location"] == reverse("enrollment:dashboard")


@pytest.mark.parametrize("login_url", LOGIN_URLS)
def test_a_very_long_or_nul_username_is_a_form_error(client, login_url):
    for identifier in ("x" * 300, "a@" + "x" * 300, "lea\x00rner"):
        response = log_in(client, login_url, identifier, "guess", "10.0.0.1")
        assert response.status_code == HTTPStatus.OK, identifier
        assert "errornote" in response.content.decode() or "error" in response.content.decode()
    # What axes stores fits its 255-character column on every database.
    assert all(len(attempt.username) <= 255 for attempt in AccessAttempt.objects.all())


def test_an_address_that_is_also_another_accounts_username_counts_for_the_account_it_logs_in(
    client, settings
):
    # Usernames may contain "@": the backend reads an address as the e-mail first.
    bystander = make_user(username="eve@example.com")
    owner = make_user(username="yves")
    owner.email = "eve@example.com"
    owner.save(update_fields=["email"])
    fail(client, settings, "eve@example.com", "10.0.3.1")
    response = log_in(client, "/accounts/login/", "yves", PASSWORD, "10.0.3.2")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    response = log_in(client, "/accounts/login/", bystander.email, PASSWORD, "10.0.3.3")
    assert response.status_code == HTTPStatus.FOUND
    assert int(client.session["_auth_user_id"]) == bystander.pk
