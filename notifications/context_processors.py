"""The header bell's unread count, for every template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not draw the header (or draw it without the bell)
    # do not count.
    return {
        "unread_notification_count": SimpleLazyObject(
            lambda: notification_unread_count(user_id=user.pk)
        )
    }
