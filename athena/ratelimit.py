"""A fixed-window counter on the default cache, for limits that must hold
across processes and servers (shared when CACHE_URL points at Redis; with the
per-process local cache, each process counts alone)."""

from __future__ import annotations

from django.core.cache import cache


def window_count(key: str, *, seconds: int) -> int:
    """Count one hit on `key`, whose window opens with its first hit and lasts
    `seconds`; answer the hits so far in this window, this one included."""
    count_in_window = getattr(cache, "count_in_window", None)
    if count_in_window is not None:  # Redis: one round trip (athena.cache)
        return count_in_window(key, seconds)
    # add() opens the window only if none is running; incr() is atomic on Redis.
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=seconds)
        count = 1
    if count == 1:
        # Should the window end between incr()'s EXISTS and INCR on Redis, INCR
        # makes a counter that never expires: the first hit of a window gives
        # its counter the window's lifetime again.
        cache.touch(key, seconds)
    return count
