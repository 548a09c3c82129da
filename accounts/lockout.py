"""How django-axes counts failed log-ins: under the account, however it is
spelt, and the client address, each with its own limit.

The login backend (accounts.backends) accepts the username or the e-mail address
in any case, so counting failures per identifier as typed would give every
spelling of one account its own allowance. `lockout_username` resolves the
identifier to the account's username first; an identifier that names no account
is counted lower-cased, so guessing unknown names is limited as well.

`LockoutHandler` gives each group of AXES_LOCKOUT_PARAMETERS its own limit
(athena/settings.py): an account from one address, the account from anywhere,
and one address whatever the accounts, so one person's failures lock neither
another account nor, from another address, the same one.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_parameters,
    get_client_username,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
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


def failure_limit(group: str | list[str]) -> int:
    """The failures a group of lockout parameters allows within the cool-off."""
    names = {group} if isinstance(group, str) else set(group)
    if names == {"username"}:
        return settings.ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT
    if names == {"ip_address"}:
        return settings.ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per group of lockout parameters.

    axes compares one number, `get_failures`, with AXES_FAILURE_LIMIT. Here
    that number is AXES_FAILURE_LIMIT less what the group nearest its own
    limit still allows, so it reaches AXES_FAILURE_LIMIT exactly when one group
    reaches its limit. Every group is summed in one query."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        groups = get_lockout_parameters(request, credentials)
        filters = [
            Q(**parameters)
            for parameters in get_client_parameters(
                get_client_username(request, credentials),
                request.axes_ip_address,
                request.axes_user_agent,
                request,
                credentials,
            )
        ]
        sums = (
            AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
            .filter(functools.reduce(operator.or_, filters))
            .aggregate(
                **{
                    f"group_{index}": Sum("failures_since_start", filter=group_filter)
                    for index, group_filter in enumerate(filters)
                }
            )
        )
        allowance_left = min(
            failure_limit(group) - (sums[f"group_{index}"] or 0)
            for index, group in enumerate(groups)
        )
        return max(0, settings.AXES_FAILURE_LIMIT - allowance_left)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a log-in, forget the failures it explains: that account's,
        from that address. Others' failures on the account, and the address's
        on other accounts, still count."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count
