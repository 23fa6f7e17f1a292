"""Per-key rate limiting in fixed windows, with the contract's ``X-RateLimit-*`` headers."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from onepin.testing._problems import Problem

__all__ = ["RateLimiter"]


@dataclass
class _Window:
    start: float
    count: int = 0


class RateLimiter:
    """Fixed windows of ``window`` seconds, one per key. Thread-safe.

    A key limited to ``L`` a minute gets ``ceil(L * window / 60)`` requests a window.
    """

    def __init__(
        self,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        reset_as_epoch: bool = False,
    ) -> None:
        self.window = window
        self.clock = clock
        self.reset_as_epoch = reset_as_epoch
        """Send ``X-RateLimit-Reset`` as an epoch time (whole seconds) instead of seconds left."""
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def check(self, key_id: str, limit_per_min: int) -> dict[str, str]:
        """Count one request of ``key_id``; return its ``X-RateLimit-*`` headers.

        Raises a 429 ``Problem`` (with ``Retry-After``) when the window is spent.
        """
        window = self.window
        limit = max(1, math.ceil(limit_per_min * window / 60.0))
        with self._lock:
            now = self.clock()
            state = self._windows.get(key_id)
            if state is None or now - state.start >= window:
                state = self._windows[key_id] = _Window(start=now)
            reset = max(0.0, state.start + window - now)
            if self.reset_as_epoch:
                sent = str(math.ceil(time.time() + reset))
            else:
                sent = f"{reset:.3f}".rstrip("0").rstrip(".") or "0"
            headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": sent}
            if state.count >= limit:
                headers["X-RateLimit-Remaining"] = "0"
                headers["Retry-After"] = str(max(1, math.ceil(reset)))
                raise Problem(429, "RATE_LIMITED", "Rate limit exceeded", headers=headers)
            state.count += 1
            headers["X-RateLimit-Remaining"] = str(limit - state.count)
            return headers
