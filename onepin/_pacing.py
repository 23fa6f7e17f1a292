"""Client-side pacing for rate-limited keys, shared by the async client and its twin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimitPacer"]


class RateLimitPacer:
    """Spaces a listing's requests so that a rate-limited key runs at its allowed rate.

    Fed with every response's ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset``
    (and with 429 waits), it hands out start times ``interval`` apart, where
    ``interval`` spreads the remaining requests over the time left in the
    window, instead of bursting into 429s and sleeping. Only paced calls (the
    pages of a listing) ask it for a slot; single calls are never delayed, and
    keys without rate-limit headers never are. Thread-safe; its lock is never
    held across a sleep.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._interval = 0.0
        self._next_at = 0.0

    def reserve(self) -> float:
        """Claim the next start slot; return the seconds to wait for it."""
        with self._lock:
            if self._interval <= 0.0 and self._next_at <= 0.0:
                return 0.0
            now = self._clock()
            start = max(now, self._next_at)
            self._next_at = start + self._interval
            return start - now

    def observe(self, remaining: str | None, reset: str | None) -> None:
        """Learn from a response's rate-limit headers (strings, as sent)."""
        if remaining is None or reset is None:
            return
        try:
            left = int(remaining)
            window = float(reset)
        except ValueError:
            return
        with self._lock:
            if left <= 0:
                self._next_at = max(self._next_at, self._clock() + window)
                self._interval = 0.0
            else:
                self._interval = max(0.0, window) / left

    def back_off(self, seconds: float) -> None:
        """A 429 asked every caller to wait ``seconds``."""
        with self._lock:
            self._next_at = max(self._next_at, self._clock() + seconds)
