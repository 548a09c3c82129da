"""Writes on accounts: sign-up, confirmed by whoever reads the address's inbox.

Sign-up never tells whether an address already has an account: a new address
gets an inactive account without a password and a confirmation link, an
address in use gets a notice sent to its owner, and the visitor sees "check
your e-mail" either way. The password is chosen on the confirmation page, so
the account belongs to whoever reads the inbox, never to whoever typed the
address. Until then a new sign-up for the address replaces the pending one.
Every e-mail counts against the mail limits (accounts.mail_limits).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.mail_limits import account_mail_allowed


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that confirm a new account's e-mail address: valid for
    PASSWORD_RESET_TIMEOUT, for the account as it was when the link was made.
    Confirming sets a password and logs in, a new sign-up for the address
    replaces the password placeholder, and staff activating or deactivating
    an account change it too: each spends the links made before."""

    key_salt = "accounts.services.ActivationTokenGenerator"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        last_login = (
            "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.is_active}{user.password}{last_login}{user.email}{timestamp}"


activation_token = ActivationTokenGenerator()


class UsernameTaken(Exception):
    """Another account has the username (or took it between the check and the write)."""


def account_is_unconfirmed(user: AbstractBaseUser) -> bool:
    """Signed up and never confirmed: inactive, never logged in (an account
    staff deactivated has usually logged in before), and no staff account
    (staff may prepare one inactive: a sign-up must not take it over)."""
    return not (user.is_active or user.last_login or user.is_staff or user.is_superuser)


def _account_with_email(email: str, *, for_update: bool = False) -> AbstractBaseUser | None:
    accounts = get_user_model()._default_manager.filter(email__iexact=email).order_by("pk")
    return (accounts.select_for_update() if for_update else accounts).first()


def _username_taken(username: str, *, besides: AbstractBaseUser | None) -> bool:
    """Whether another account than `besides` has the username, in any case
    (as Django's sign-up form checks it)."""
    accounts = get_user_model()._default_manager.filter(username__iexact=username)
    if besides is not None:
        accounts = accounts.exclude(pk=besides.pk)
    return accounts.exists()


def activation_url(*, site_url: str, user: AbstractBaseUser, next_url: str | None = None) -> str:
    path = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return f"{site_url}{path}{query}"


def _send(*, template: str, user: AbstractBaseUser, context: dict[str, object]) -> None:
    context = {"user": user, **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _claim_address(*, username: str, email: str) -> tuple[AbstractBaseUser, bool]:
    """The account for a sign-up: the address's pending one (renamed, with its
    password placeholder renewed, when the sign-up names it differently), or a
    new one; the address's confirmed
    account untouched when it has one. Whether the account is this sign-up's.

    The unique indexes on lower(email) (accounts migration 0003) and username
    decide between parallel sign-ups: a loser on the address tries once more,
    and then finds the winner's account to replace."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                user = _account_with_email(email, for_update=True)
                if user is not None and not account_is_unconfirmed(user):
                    return user, False
                if user is not None and (user.username, user.email) == (username, email):
                    # The same sign-up again (a second click, "nothing arrived"):
                    # every link sent so far goes to this inbox and stays good.
                    return user, True
                if user is None:
                    user = get_user_model()(is_active=False)
                user.username, user.email = username, email
                # No password until the inbox's owner chooses one (account_activate);
                # a new placeholder voids the links sent under another name.
                user.set_unusable_password()
                user.save()
                return user, True
        except IntegrityError as error:
            if attempt or _account_with_email(email) is None:
                # Not the address: the username was taken meanwhile.
                raise UsernameTaken(username) from error
    raise AssertionError("unreachable")  # pragma: no cover


def account_signup(
    *,
    username: str,
    email: str,
    client: str,
    site_url: str,
    next_url: str | None = None,
) -> None:
    """Sign up `username` for the `email` address, asked from `client` (a
    client address), with links starting with `site_url`: a confirmation link
    to a new or pending account, a notice to an account in use. Raises
    UsernameTaken when another account has the username.

    Past the mail limits nothing is written and nothing is sent, silently:
    the visitor is told to check their e-mail as always."""
    pending = _account_with_email(email)
    if pending is not None and not account_is_unconfirmed(pending):
        pending = None
    if _username_taken(username, besides=pending):
        raise UsernameTaken(username)
    if not account_mail_allowed(email=email, client=client):
        return
    user, created = _claim_address(username=username, email=email)
    if created:
        link = activation_url(site_url=site_url, user=user, next_url=next_url)
        _send(template="activation", user=user, context={"activation_url": link})
    else:
        _send(
            template="signup_notice",
            user=user,
            context={
                "login_url": site_url + reverse("login"),
                "reset_url": site_url + reverse("password_reset"),
            },
        )


@transaction.atomic
def account_activate(*, user: AbstractBaseUser, password: str) -> None:
    """Confirm the account's e-mail address with the password its owner has
    just chosen: it can log in from now on, with that password alone."""
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
