"""The key django-axes counts failed log-ins under: the account, however it is spelt.

The login backend (accounts.backends) accepts the username or the e-mail address
in any case, so counting failures per identifier as typed would give every
spelling of one account its own allowance. `lockout_username` resolves the
identifier to the account's username first; an identifier that names no account
is counted lower-cased, so guessing unknown names is limited as well.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

# axes stores the key in a 255-character column (AccessAttempt.username).
KEY_MAX_LENGTH = 255


def _identifier(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        value = credentials.get(field)
    else:
        data = getattr(request, "POST", None) or {}
        value = data.get(field)
    # NUL cannot be stored or looked up in PostgreSQL text.
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def account_username(identifier: str) -> str | None:
    """The username of the account `identifier` names, or None: as the login
    backend (accounts.backends) reads it, an address (with "@") is an account's
    e-mail in any case first, else a username."""
    user_model = get_user_model()
    manager = user_model._default_manager
    username_field = user_model.USERNAME_FIELD
    max_length = user_model._meta.get_field(username_field).max_length or KEY_MAX_LENGTH
    if not identifier or len(identifier) > KEY_MAX_LENGTH:
        return None
    if "@" in identifier:
        matches = list(
            manager.filter(email__iexact=identifier).values_list(username_field, flat=True)[:2]
        )
        if len(matches) == 1:
            return matches[0]
    if len(identifier) <= max_length:
        found = manager.filter(**{username_field: identifier}).values_list(
            username_field, flat=True
        )
        if username := found.first():
            return username
    return None


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the account's username, else the input lower-cased
    (cut to what axes can store: longer input names no account anyway)."""
    identifier = _identifier(request, credentials)
    # axes asks several times per log-in: look the account up once per request.
    known: dict[str, str] = getattr(request, "_lockout_usernames", {})
    if identifier not in known:
        known[identifier] = account_username(identifier) or identifier.lower()[:KEY_MAX_LENGTH]
        if request is not None:
            request._lockout_usernames = known
    return known[identifier]
