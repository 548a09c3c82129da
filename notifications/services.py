"""Writes on notifications. Every write drops the user's cached unread count."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from athena.learnerpages import learner_changed
from notifications.models import Notification
from notifications.selectors import notification_unread_count_forget


def notifications_changed(*, user_id: int) -> None:
    """`user_id`'s notifications were written: drop their cached unread count
    and retire their kept pages (the bell is on them). Every write calls it,
    the admin's included."""
    # After the commit too: a page rendered between the write and the commit
    # could otherwise cache the old count again.
    notification_unread_count_forget(user_id=user_id)
    transaction.on_commit(lambda: notification_unread_count_forget(user_id=user_id))
    learner_changed(user_id)


def notification_create(*, user: AbstractBaseUser, message: str, url: str = "") -> Notification:
    notification = Notification.objects.create(user=user, message=message[:300], url=url)
    notifications_changed(user_id=user.pk)
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
        notifications_changed(user_id=user.pk)
    return bool(changed)


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    changed = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
    if changed:
        notifications_changed(user_id=user.pk)
    return changed
