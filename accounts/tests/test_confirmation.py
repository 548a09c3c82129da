"""Confirming an address hands the account to whoever reads its inbox, and a
confirmation link dies with the account state it was made for
(docs/security.md, "Accounts")."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.services import activation_token
from tests.factories import PASSWORD, make_user
from tests.helpers import link_in

pytestmark = pytest.mark.django_db
User = get_user_model()

STRANGERS_PASSWORD = "stranger-chose-this-1"
OWNERS_PASSWORD = "owner-chose-this-2"


def signup(client, username, email, **extra):
    return client.post(reverse("accounts:signup"), {"username": username, "email": email, **extra})


def confirm(client, link, password):
    return client.post(link, {"new_password1": password, "new_password2": password})


def log_in(client, identifier, password):
    return client.post(reverse("login"), {"username": identifier, "password": password})


def test_a_stranger_who_signs_up_with_someone_elses_address_never_gets_in(client):
    stranger, owner = client, Client()
    # Whatever the stranger sends as a password is not kept: there is no field for it.
    signup(stranger, "owner", "owner@example.com", password1=STRANGERS_PASSWORD)
    account = User.objects.get(email="owner@example.com")
    assert not account.has_usable_password()
    # The owner, reading the mail, confirms and so chooses the password.
    confirm(owner, link_in(mail.outbox[0], "/accounts/activate/"), OWNERS_PASSWORD)
    assert int(owner.session["_auth_user_id"]) == account.pk
    for identifier in ("owner", "owner@example.com"):
        response = log_in(stranger, identifier, STRANGERS_PASSWORD)
        assert response.status_code == HTTPStatus.OK, identifier
        assert "_auth_user_id" not in stranger.session
    response = log_in(Client(), "owner", OWNERS_PASSWORD)
    assert response["Location"] == reverse("enrollment:dashboard")


def test_a_second_sign_up_for_an_unconfirmed_address_replaces_the_first(client):
    signup(client, "squatter", "ada@example.com")
    first_link = link_in(mail.outbox[0], "/accounts/activate/")
    signup(client, "ada", "ADA@example.com")
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["ADA@example.com"]
    # One account, now the second sign-up's; the first link is void.
    (account,) = User.objects.filter(email__iexact="ada@example.com")
    assert account.username == "ada"
    assert not User.objects.filter(username="squatter").exists()
    assert client.get(first_link).status_code == HTTPStatus.NOT_FOUND
    assert confirm(client, first_link, OWNERS_PASSWORD).status_code == HTTPStatus.NOT_FOUND
    assert not User.objects.get(pk=account.pk).is_active
    response = confirm(client, link_in(mail.outbox[1], "/accounts/activate/"), OWNERS_PASSWORD)
    assert response["Location"] == reverse("enrollment:dashboard")
    account.refresh_from_db()
    assert account.is_active
    assert account.check_password(OWNERS_PASSWORD)


def test_signing_up_again_may_keep_the_pending_accounts_username(client):
    signup(client, "ada", "ada@example.com")
    signup(client, "ada", "ada@example.com")
    assert User.objects.filter(username="ada").count() == 1
    assert len(mail.outbox) == 2
    # Another address cannot have that username, pending or not.
    response = signup(client, "ada", "other@example.com")
    assert "A user with that username already exists" in response.content.decode()


def test_the_same_sign_up_twice_leaves_the_first_link_good(client):
    """A second click on Sign up, or "nothing arrived, sign up again": both
    e-mails go to the same inbox, and whichever link is opened confirms."""
    signup(client, "ada", "ada@example.com")
    signup(client, "ada", "ada@example.com")
    first_link = link_in(mail.outbox[0], "/accounts/activate/")
    response = confirm(Client(), first_link, OWNERS_PASSWORD)
    assert response["Location"] == reverse("enrollment:dashboard")
    assert User.objects.get(username="ada").check_password(OWNERS_PASSWORD)


def test_a_confirmed_account_is_never_replaced(client):
    grace = make_user(username="grace")
    signup(client, "impostor", "grace@example.com")
    grace.refresh_from_db()
    assert grace.username == "grace"
    assert grace.check_password(PASSWORD)
    assert "/accounts/activate/" not in mail.outbox[0].body


@pytest.mark.parametrize("staff", [{"is_staff": True}, {"is_superuser": True}])
def test_an_inactive_staff_account_is_never_taken_over(client, staff):
    prepared = make_user(username="newhire", is_active=False, **staff)
    signup(client, "impostor", "newhire@example.com")
    prepared.refresh_from_db()
    assert prepared.username == "newhire"
    assert prepared.check_password(PASSWORD)
    assert "/accounts/activate/" not in mail.outbox[0].body


def test_an_old_confirmation_link_does_not_undo_a_deactivation(client):
    signup(client, "ada", "ada@example.com")
    link = link_in(mail.outbox[0], "/accounts/activate/")
    confirm(client, link, OWNERS_PASSWORD)
    client.post(reverse("logout"))
    account = User.objects.get(username="ada")
    # Staff deactivate the account, as the admin does it.
    account.is_active = False
    account.save(update_fields=["is_active"])
    assert client.get(link).status_code == HTTPStatus.NOT_FOUND
    response = confirm(client, link, "a-password-of-my-own-3")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "_auth_user_id" not in client.session
    account.refresh_from_db()
    assert not account.is_active
    assert account.check_password(OWNERS_PASSWORD)


def test_a_confirmation_link_is_void_once_the_account_is_activated_by_staff(client):
    signup(client, "ada", "ada@example.com")
    account = User.objects.get(username="ada")
    token = activation_token.make_token(account)
    link = link_in(mail.outbox[0], "/accounts/activate/")
    # Staff activate it with a password of theirs, then deactivate it again.
    account.is_active = True
    account.set_password(PASSWORD)
    account.save()
    assert not activation_token.check_token(account, token)
    account.is_active = False
    account.save()
    assert not activation_token.check_token(account, token)
    assert confirm(client, link, OWNERS_PASSWORD).status_code == HTTPStatus.NOT_FOUND
    account.refresh_from_db()
    assert account.check_password(PASSWORD)


@pytest.mark.parametrize("update_fields", [None, ["is_active"]])
def test_staff_activating_and_deactivating_a_pending_account_spend_its_links(client, update_fields):
    signup(client, "ada", "ada@example.com")
    link = link_in(mail.outbox[0], "/accounts/activate/")
    account = User.objects.get(username="ada")
    # Activated without a password (nobody can log in), then deactivated again:
    # the account is as it was, but the link made before is spent.
    for active in (True, False):
        account.is_active = active
        account.save(update_fields=update_fields)
    assert client.get(link).status_code == HTTPStatus.NOT_FOUND
    assert confirm(client, link, OWNERS_PASSWORD).status_code == HTTPStatus.NOT_FOUND
    account.refresh_from_db()
    assert not account.is_active
    assert not account.has_usable_password()
    # Other saves of a pending account leave its link alone.
    signup(client, "grace", "grace@example.com")
    pending = User.objects.get(username="grace")
    pending.first_name = "Grace"
    pending.save()
    pending.save(update_fields=["first_name"])
    response = confirm(client, link_in(mail.outbox[1], "/accounts/activate/"), OWNERS_PASSWORD)
    assert response.status_code == HTTPStatus.FOUND


def test_a_token_follows_the_account_state_it_was_made_for():
    account = make_user(username="ada", is_active=False)
    account.set_unusable_password()
    account.save()
    token = activation_token.make_token(account)
    assert activation_token.check_token(account, token)
    for change in (
        lambda: setattr(account, "is_active", True),
        lambda: account.set_unusable_password(),
        lambda: account.set_password(PASSWORD),
        lambda: setattr(account, "email", "other@example.com"),
        lambda: setattr(account, "last_login", account.date_joined),
    ):
        before = {name: getattr(account, name) for name in ("is_active", "password", "email")}
        before["last_login"] = account.last_login
        change()
        assert not activation_token.check_token(account, token)
        for name, value in before.items():
            setattr(account, name, value)
        assert activation_token.check_token(account, token)
