"""Reads on notifications shared by pages."""

from __future__ import annotations

from notifications.models import Notification


def notification_unread_count(*, user_id: int) -> int:
    """The bell's count: one query on the partial index of unread rows. Not
    cached: a notification written by another process (the task worker)
    must show on the learner's next page, whatever the cache backend."""
    return Notification.objects.filter(user_id=user_id).unread().count()
