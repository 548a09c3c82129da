"""Values kept in this process's memory, shared by its threads: a small
least-recently-used store for values that are costly to fetch or rebuild on
every request and are never changed once made (a rendered Markdown fragment,
a course outline tagged with the content version it was read under), and an
answer kept for a moment (the readiness checks)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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


class KeptAnswer:
    """The answer of `work_out()`, worked out at most once per `seconds()` in
    this process and shared by its threads for that long. A thread asking
    while it is being worked out waits for that answer rather than work it
    out again. For an answer that costs a shared resource (a database
    session) and may be asked for far more often than it changes."""

    def __init__(self, work_out: Callable[[], Any], seconds: Callable[[], float]) -> None:
        self.work_out = work_out
        self.seconds = seconds
        # (when it began to be worked out, when it was done, the answer)
        self._kept: tuple[float, float, Any] | None = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        asked = time.monotonic()
        with self._lock:
            if self._kept is not None:
                began, done, answer = self._kept
                # Begun within `seconds` of the question, or under way when it came.
                if asked - began < self.seconds() or done >= asked:
                    return answer
            began = time.monotonic()
            answer = self.work_out()
            self._kept = (began, time.monotonic(), answer)
            return answer

    def forget(self) -> None:
        with self._lock:
            self._kept = None
