from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.lockout import account_username


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username or with the e-mail address of an account."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and "@" in username:
            # The same reading as the lockout key's, so failures count for the
            # account this log-in would open.
            username = account_username(username) or username
        return super().authenticate(request, username=username, password=password, **kwargs)
