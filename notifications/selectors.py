"""Reads on notifications shared by pages."""

from __future__ import annotations

from django.core.cache import cache

from notifications.models import Notification

# The bell's unread count is on every logged-in page; it is kept in the cache
# per user, so pages do not gain a query per request. The services drop it
# whenever it changes, which reaches every process when the cache is shared
# (CACHE_URL=redis://...). With the default in-process cache a worker process
# cannot reach the web process's copy: this lifetime bounds how long that copy
# may lag, and pages that see a job finish drop it themselves.
UNREAD_CACHE_SECONDS = 60


def unread_count_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def notification_unread_count(*, user_id: int) -> int:
    key = unread_count_cache_key(user_id)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user_id=user_id).unread().count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def notification_unread_count_forget(*, user_id: int) -> None:
    """Drop the cached count: the next page counts again."""
    cache.delete(unread_count_cache_key(user_id))
