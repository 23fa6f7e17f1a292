"""The retry policy, in one place, shared by the async client and its sync twin.

What is retried:

* 429, for every call, after the server's ``retry-after-ms`` / ``Retry-After``
  (seconds or an HTTP date); a wait longer than ``max_retry_wait`` is not slept
  through: the ``RateLimitError`` is raised at once.
* 408, 500, 502, 503, 504 and errors after the request was sent (read errors,
  read timeouts, a dropped connection) only for idempotent calls (GET, update,
  delete), or for create/rotate when the client trusts the server to honour
  ``Idempotency-Key``.
* failures before the request was sent (connect errors and timeouts, pool
  timeouts), for every call.
* never 409 or any other 4xx, never a ``BaseException`` such as cancellation.

Waits back off exponentially with full jitter unless the server named a wait.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

import httpx
import msgspec
from tenacity import RetryCallState

from onepin._exceptions import APIConnectionError, APIStatusError, RateLimitError

__all__ = ["RetryPolicy", "retry_after_seconds"]

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})


def retry_after_seconds(headers: Mapping[str, str] | httpx.Headers) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``Retry-After``; None if absent."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Which failures are retried and how long to wait before the next attempt.

    Args:
        max_retries: retries after the first attempt (0 disables retrying).
        backoff_base: first backoff in seconds, doubled each retry.
        backoff_max: longest backoff.
        max_retry_wait: longest server-requested wait honoured; longer ones raise.
        trust_idempotency_keys: retry create/rotate after 5xx/read errors, relying
            on the server to deduplicate by ``Idempotency-Key``.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_wait: float = 60.0
    trust_idempotency_keys: bool = False

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")

    def should_retry(self, exc: BaseException, *, idempotent: bool) -> bool:
        """Whether ``exc`` from an attempt of a call may be retried."""
        safe = idempotent or self.trust_idempotency_keys
        if isinstance(exc, RateLimitError):
            wait = exc.retry_after
            return wait is None or wait <= self.max_retry_wait
        if isinstance(exc, APIStatusError):
            if exc.status_code not in RETRYABLE_STATUSES or not safe:
                return False
            wait = retry_after_seconds(exc.response.headers)
            return wait is None or wait <= self.max_retry_wait
        if isinstance(exc, APIConnectionError):
            return safe or not exc.request_sent
        return False

    def wait(self, state: RetryCallState) -> float:
        """Seconds to sleep before the next attempt (a tenacity ``wait``)."""
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, APIStatusError):
            asked = retry_after_seconds(exc.response.headers)
            if asked is not None:
                return asked
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto
