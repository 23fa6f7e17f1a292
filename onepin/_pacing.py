"""Client-side pacing for rate-limited keys, shared by the async client and its twin."""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable

from onepin._failures import finite_number

__all__ = ["RateLimitPacer", "seconds_until_reset"]

EPOCH_AFTER = 365 * 24 * 3600.0
"""An ``X-RateLimit-Reset`` above a year of seconds is an epoch time, not a duration."""


_PACERS: weakref.WeakSet[RateLimitPacer] = weakref.WeakSet()
"""Every pacer of this process, to give each a fresh lock in a forked child."""


def _fresh_locks_after_fork() -> None:
    # Another thread of the parent may have held a lock at the fork: in the child
    # that copy is never released.
    for pacer in _PACERS:
        pacer._lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_fresh_locks_after_fork)


def seconds_until_reset(reset: str, now_epoch: float) -> float:
    """``X-RateLimit-Reset`` as seconds from now (``ValueError`` if not a finite number).

    Servers send either the seconds until the window resets (the contract, the
    emulator) or the epoch time it resets at (what the official SDK 0.7.1
    reads); a value above a year of seconds is taken as an epoch.
    """
    value = finite_number(reset)
    if value is None:  # not a number, or inf or nan: no window at all
        raise ValueError(reset)
    return max(0.0, value - now_epoch) if value > EPOCH_AFTER else value


class RateLimitPacer:
    """Spaces a listing's requests so that a rate-limited key runs at its allowed rate.

    Fed with every response's ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset``
    (and with 429 waits), it hands out start times ``interval`` apart, where
    ``interval`` spreads the remaining requests over the time left in the
    window, instead of bursting into 429s and sleeping. Only listings ask it
    for a slot before each page; single calls are never delayed, and keys
    without rate-limit headers never are. It also counts throttled answers
    (429 and 503) and keeps the last ``X-RateLimit-Remaining``, which bound a
    listing's window. Thread-safe; its lock is never held across a sleep.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, wall: Callable[[], float] = time.time
    ) -> None:
        self._clock = clock
        self._wall = wall  # epoch seconds, for a reset sent as an epoch
        self._lock = threading.Lock()  # a fresh one in a forked child (_PACERS)
        _PACERS.add(self)
        self._interval = 0.0
        self._next_at = 0.0
        self.throttles = 0
        """Throttled answers (429 or 503) seen so far."""
        self.budget: int | None = None
        """Requests the server said are left in its window, if it said."""

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
        """Learn from a response's rate-limit headers (strings, as sent).

        A response with neither header means the key is no longer limited (the
        limit was removed): the pacer forgets its rate and budget, so a client
        that once listed with a limited key is not paced at that old rate for good.
        """
        if remaining is None and reset is None:
            if self._interval or self.budget is not None:  # else nothing to forget: no lock
                with self._lock:
                    self._interval = 0.0
                    self.budget = None
            return
        if remaining is None or reset is None:
            return
        try:
            left = int(remaining)
            window = seconds_until_reset(reset, self._wall())
        except ValueError:
            return
        with self._lock:
            self.budget = max(0, left)
            if left <= 0:
                self._next_at = max(self._next_at, self._clock() + window)
                self._interval = 0.0
            else:
                self._interval = max(0.0, window) / left

    def throttled(self, retry_after: float | None) -> None:
        """A 429 or 503 came back; ``retry_after``, if sent, holds every paced caller back."""
        with self._lock:
            self.throttles += 1
            if retry_after is not None:
                self._next_at = max(self._next_at, self._clock() + retry_after)
