"""Writes on accounts: sign-up with e-mail confirmation.

Sign-up never tells whether an address already has an account: a new address
gets an inactive account and a confirmation link, an address in use gets a
notice sent to its owner, and the visitor sees "check your e-mail" either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that confirm a new account's e-mail address: valid for
    PASSWORD_RESET_TIMEOUT, and spent once the account is active."""

    key_salt = "accounts.services.ActivationTokenGenerator"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        return f"{user.pk}{user.is_active}{user.email}{timestamp}"


activation_token = ActivationTokenGenerator()


class UsernameTaken(Exception):
    """Another sign-up took the username between validation and the write."""


@dataclass(frozen=True)
class SignupResult:
    user: AbstractBaseUser
    created: bool


def _existing_account(email: str) -> AbstractBaseUser | None:
    return get_user_model()._default_manager.filter(email__iexact=email).order_by("pk").first()


def account_is_unconfirmed(user: AbstractBaseUser) -> bool:
    """Signed up but never confirmed (an account an administrator deactivated
    has usually logged in before)."""
    return not user.is_active and user.last_login is None


def activation_url(*, base_url: str, user: AbstractBaseUser, next_url: str | None = None) -> str:
    path = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return f"{base_url}{path}{query}"


def _send(*, template: str, user: AbstractBaseUser, context: dict[str, object]) -> None:
    context = {"user": user, **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def account_signup(
    *,
    username: str,
    email: str,
    password: str,
    base_url: str,
    next_url: str | None = None,
) -> SignupResult:
    """Create an inactive account and send its confirmation link, or, when the
    address is in use, send its owner a notice instead.

    The unique index on lower(email) (accounts migration 0003) decides between
    parallel sign-ups: the losers are treated as "address in use"."""
    user_model = get_user_model()
    existing = _existing_account(email)
    if existing is None:
        user = user_model(username=username, email=email, is_active=False)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as error:
            existing = _existing_account(email)
            if existing is None:
                # Not the e-mail: the username was taken meanwhile.
                raise UsernameTaken(username) from error
        else:
            _send(
                template="activation",
                user=user,
                context={
                    "activation_url": activation_url(
                        base_url=base_url, user=user, next_url=next_url
                    )
                },
            )
            return SignupResult(user=user, created=True)
    # Hash the password anyway, so both answers take the same time.
    make_password(password)
    _send(
        template="signup_notice",
        user=existing,
        context={
            "login_url": base_url + reverse("login"),
            "reset_url": base_url + reverse("password_reset"),
            # An unconfirmed account gets its link again: the address's owner can
            # then confirm it and reset a password they never chose.
            "activation_url": (
                activation_url(base_url=base_url, user=existing, next_url=next_url)
                if account_is_unconfirmed(existing)
                else None
            ),
        },
    )
    return SignupResult(user=existing, created=False)


@transaction.atomic
def account_activate(*, user: AbstractBaseUser) -> None:
    """Confirm the account's e-mail address: it can log in from now on."""
    user.is_active = True
    user.save(update_fields=["is_active"])
