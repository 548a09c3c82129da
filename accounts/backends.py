from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


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
            user_model = get_user_model()
            matches = list(user_model._default_manager.filter(email__iexact=username)[:2])
            if len(matches) == 1:
                username = getattr(matches[0], user_model.USERNAME_FIELD)
        return super().authenticate(request, username=username, password=password, **kwargs)
