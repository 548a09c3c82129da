"""Writes on notifications."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from notifications.models import Notification


def notification_create(
    *,
    user: AbstractBaseUser,
    message: str = "",
    url: str = "",
    template: str = "",
    params: dict[str, Any] | None = None,
) -> Notification:
    """Tell `user` something: a `message` as it is, or a `template` (an
    English sentence marked with gettext_noop) with its `params`, which each
    reader sees in their own language (Notification.text)."""
    params = params or {}
    if template:
        message = template % params
    return Notification.objects.create(
        user=user, message=message[:300], template=template[:300], params=params, url=url
    )


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> bool:
    """Mark one of `user`'s notifications read; answer whether it was unread.
    Another user's notification is never touched."""
    changed = (
        Notification.objects.filter(pk=notification_id, user=user)
        .unread()
        .update(read_at=timezone.now())
    )
    return bool(changed)


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    changed = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
    return changed
