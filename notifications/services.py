"""Writes on notifications. Every write drops the user's cached unread count."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import notification_unread_count_forget


def _forget_unread_count(user_id: int) -> None:
    # After the commit too: a page rendered between the write and the commit
    # could otherwise cache the old count again.
    notification_unread_count_forget(user_id=user_id)
    transaction.on_commit(lambda: notification_unread_count_forget(user_id=user_id))


def notification_create(*, user: AbstractBaseUser, message: str, url: str = "") -> Notification:
    notification = Notification.objects.create(user=user, message=message[:300], url=url)
    _forget_unread_count(user.pk)
    return notification


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> bool:
    """Mark one of `user`'s notifications read; answer whether it was unread.
    Another user's notification is never touched."""
    changed = (
        Notification.objects.filter(pk=notification_id, user=user)
        .unread()
        .update(read_at=timezone.now())
    )
    if changed:
        _forget_unread_count(user.pk)
    return bool(changed)


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    changed = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
    if changed:
        _forget_unread_count(user.pk)
    return changed
