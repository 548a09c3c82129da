"""Prime the bell's cached unread count when a user logs in, so the pages that
follow find it in the cache instead of counting on their first request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from notifications.selectors import notification_unread_count


@receiver(user_logged_in, dispatch_uid="notifications-prime-unread-count")
def prime_unread_count(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    notification_unread_count(user_id=user.pk)
