"""The retry policy: pure decisions, shared by the async client and its sync twin.

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
The client's tenacity loop asks ``should_retry`` whether to go on and
``delay`` how long to wait; the number of attempts and the deadline are its
``stop``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from onepin._exceptions import APIConnectionError, APIStatusError, RateLimitError

if TYPE_CHECKING:
    from tenacity import BaseRetrying, RetryCallState

__all__ = ["RetryPolicy", "retry_loops"]

L = TypeVar("L", bound="BaseRetrying")

RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Which failures are retried and how long to wait before the next attempt.

    Args:
        max_retry_wait: longest server-requested wait honoured; longer ones raise.
        trust_idempotency_keys: retry create/rotate after 5xx/read errors, relying
            on the server to deduplicate by ``Idempotency-Key``.
        backoff_base: first backoff in seconds, doubled each retry.
        backoff_max: longest backoff.
    """

    max_retry_wait: float = 60.0
    trust_idempotency_keys: bool = False
    backoff_base: float = 0.5
    backoff_max: float = 8.0

    def should_retry(self, exc: BaseException, *, idempotent: bool) -> bool:
        """Whether ``exc`` from an attempt of a call may be retried."""
        safe = idempotent or self.trust_idempotency_keys
        if isinstance(exc, APIStatusError):
            if not isinstance(exc, RateLimitError) and (
                exc.status_code not in RETRYABLE_STATUSES or not safe
            ):
                return False
            return exc.retry_after is None or exc.retry_after <= self.max_retry_wait
        if isinstance(exc, APIConnectionError):
            return safe or not exc.request_sent
        return False

    def delay(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 for the first)."""
        if isinstance(exc, APIStatusError) and exc.retry_after is not None:
            return exc.retry_after
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto


def retry_loops(
    policy: RetryPolicy, max_retries: int, loop: type[L], sleep: Callable[[float], Any]
) -> dict[bool, L]:
    """A client's tenacity loops (``loop``: tenacity's async or blocking one), by idempotence.

    The policy decides what is retried and how long to wait, tenacity counts
    the attempts (``max_retries`` after the first). A client builds them on its
    first retry, so tenacity is imported only then.
    """
    from tenacity import retry_if_exception, stop_after_attempt

    return {
        idempotent: loop(
            stop=stop_after_attempt(max_retries + 1),
            wait=lambda state: policy.delay(_failure(state), state.attempt_number),
            retry=retry_if_exception(partial(policy.should_retry, idempotent=idempotent)),
            sleep=sleep,
            reraise=True,
        )
        for idempotent in (True, False)
    }


def _failure(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None
