"""Failed log-ins lock an account from the address that failed, the account
from everywhere only after failures from several addresses, and an address
only after failures on many accounts (password spraying); on the site login
and the admin login alike. One person's failures never lock out another
learner, from another address or the same one (docs/security.md)."""

from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URLS = ("/accounts/login/", "/admin/login/")


def log_in(client, url, identifier, password, address):
    return client.post(url, {"username": identifier, "password": password}, REMOTE_ADDR=address)


def fail(client, settings, identifier, address, url="/accounts/login/", times=None):
    for _ in range(settings.AXES_FAILURE_LIMIT if times is None else times):
        log_in(client, url, identifier, "wrong guess", address)


def logs_in(client, identifier, address, user):
    response = log_in(client, "/accounts/login/", identifier, PASSWORD, address)
    logged_in = (
        response.status_code == HTTPStatus.FOUND
        and int(client.session.get("_auth_user_id", 0)) == user.pk
    )
    client.post(reverse("logout"))
    return logged_in


def test_the_limits_are_ordered_as_the_policy_says(settings):
    # One address alone cannot lock an account for its owner elsewhere, and a
    # classroom behind one address has room for many mistakes.
    assert settings.ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    assert settings.ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT >= 10 * settings.AXES_FAILURE_LIMIT


@pytest.mark.parametrize("login_url", LOGIN_URLS)
def test_an_account_is_locked_from_the_failing_address_under_every_spelling(
    client, settings, login_url
):
    make_user(username="learner")
    fail(client, settings, "learner", "10.0.0.1", url=login_url)
    for identifier in ("learner", "learner@example.com", "LEARNER@Example.com"):
        for url in LOGIN_URLS:
            response = log_in(client, url, identifier, PASSWORD, "10.0.0.1")
            assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS, (identifier, url)
            assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_one_account_lock_out_no_other_learner_from_any_address(client, settings):
    target, other = make_user(username="target"), make_user(username="other")
    fail(client, settings, "target", "10.0.0.1")
    assert log_in(client, "/accounts/login/", "target", PASSWORD, "10.0.0.1").status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    # Another learner, from the same address (a classroom) and from another.
    assert logs_in(client, "other", "10.0.0.1", other)
    assert logs_in(client, "other@example.com", "10.0.0.2", other)
    # And the account's owner, from their own address.
    assert logs_in(client, "target", "10.0.0.2", target)


def test_failures_while_locked_out_do_not_count(client, settings):
    target = make_user(username="target")
    fail(client, settings, "target", "10.0.0.1", times=settings.ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT)
    # However long one address insists, the owner elsewhere still gets in.
    assert logs_in(client, "target", "10.0.0.2", target)


def test_an_account_is_locked_everywhere_after_failures_from_many_addresses(client, settings):
    make_user(username="target")
    other = make_user(username="other")
    per_address = settings.AXES_FAILURE_LIMIT - 1
    failures = 0
    address = 0
    while failures < settings.ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT:
        times = min(per_address, settings.ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT - failures)
        fail(client, settings, "TARGET@example.com", f"10.0.1.{address}", times=times)
        failures += times
        address += 1
    response = log_in(client, "/accounts/login/", "target", PASSWORD, "10.0.2.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert logs_in(client, "other", "10.0.2.1", other)


def test_failures_under_e_mail_spellings_count_for_the_account(client, settings):
    make_user(username="learner")
    spellings = ["learner@example.com", "LEARNER@example.com", "Learner@Example.COM"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "/accounts/login/", spellings[attempt % 3], "guess", "10.0.1.1")
    response = log_in(client, "/accounts/login/", "learner", PASSWORD, "10.0.1.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_unknown_names_are_locked_whatever_their_case(client, settings):
    fail(client, settings, "nobody@example.com", "10.0.0.1")
    response = log_in(client, "/accounts/login/", "NoBody@Example.com", "x", "10.0.0.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_password_spraying_locks_the_address_after_many_accounts(client, settings):
    other = make_user(username="other")
    limit = settings.ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT
    # One guess per account, as a sprayer tries one common password on many.
    for attempt in range(limit - 1):
        log_in(client, "/accounts/login/", f"someone{attempt}", "Summer2026!", "10.0.0.66")
    # Just below the threshold the address still logs in (a classroom's mistakes)...
    assert logs_in(client, "other", "10.0.0.66", other)
    log_in(client, "/accounts/login/", "someone-else", "Summer2026!", "10.0.0.66")
    # ...and at it, the address is locked, even for another account's right password,
    response = log_in(client, "/accounts/login/", "other", PASSWORD, "10.0.0.66")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # while the account itself is not, from another address.
    assert logs_in(client, "other", "10.0.0.67", other)


def test_a_success_before_the_limit_clears_the_failures(client, settings):
    make_user(username="learner")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "/accounts/login/", "learner@example.com", "guess", "10.0.0.1")
    response = log_in(client, "/accounts/login/", "LEARNER@example.com", PASSWORD, "10.0.0.1")
    assert response["Location"] == reverse("enrollment:dashboard")
    client.post(reverse("logout"))
    fail(client, settings, "learner", "10.0.0.1", times=settings.AXES_FAILURE_LIMIT - 1)
    response = log_in(client, "/accounts/login/", "learner", PASSWORD, "10.0.0.1")
    assert response["Location"] == reverse("enrollment:dashboard")


def test_a_success_clears_only_the_failures_it_explains(client, settings):
    owner = make_user(username="owner")
    make_user(username="attacker")
    # Someone else's failures on the account are not cleared by its owner's log-in...
    fail(client, settings, "owner", "10.0.0.1", times=settings.AXES_FAILURE_LIMIT - 1)
    assert logs_in(client, "owner", "10.0.0.2", owner)
    log_in(client, "/accounts/login/", "owner", "guess", "10.0.0.1")
    response = log_in(client, "/accounts/login/", "owner", PASSWORD, "10.0.0.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # ...and a sprayer logging in to an account of their own keeps their count.
    settings.ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for attempt in range(11):
        log_in(client, "/accounts/login/", f"someone{attempt}", "guess", "10.0.0.9")
    log_in(client, "/accounts/login/", "attacker", PASSWORD, "10.0.0.9")
    client.post(reverse("logout"))
    log_in(client, "/accounts/login/", "someone-else", "guess", "10.0.0.9")
    response = log_in(client, "/accounts/login/", "attacker", PASSWORD, "10.0.0.9")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


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
    response = log_in(client, "/accounts/login/", "yves", PASSWORD, "10.0.3.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    response = log_in(client, "/accounts/login/", bystander.email, PASSWORD, "10.0.3.1")
    assert response.status_code == HTTPStatus.FOUND
    assert int(client.session["_auth_user_id"]) == bystander.pk
