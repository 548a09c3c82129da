"""A small least-recently-used store in this process's memory, shared by its
threads: for values that are costly to fetch or rebuild on every request and
are never changed once made (a rendered Markdown fragment, a course outline
tagged with the content version it was read under)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class LocalLRU:
    """At most `size` entries; the least recently used go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value stored under `key`, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
