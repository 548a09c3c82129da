"""Reads on notifications shared by pages."""

from __future__ import annotations

from django.core.cache import cache

from notifications.models import Notification

# The bell's unread count is on every logged-in page; it is kept in the cache
# per user (the services below drop it whenever it changes), so pages do not
# gain a query per request.
UNREAD_CACHE_SECONDS = 24 * 60 * 60


def unread_count_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def notification_unread_count(*, user_id: int) -> int:
    key = unread_count_cache_key(user_id)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user_id=user_id).unread().count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count
