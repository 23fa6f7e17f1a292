"""Paired primitives: each async one has a blocking twin of the same shape.

The sync package is generated from the async source by text substitution
(``scripts/unasync.py``, which renames ``async_sleep`` to ``sleep``,
``AsyncDeadline`` to ``Deadline`` and ``AsyncThreadLock`` to ``ThreadLock``),
so whatever must differ between the two worlds sits behind one of these pairs:

* sleeping: on the event loop, or blocking the thread;
* a lock around state shared with worker threads: a no-op in async code,
  where nothing runs between two awaits, a ``threading.Lock`` in sync code;
* a call's deadline: a cancel scope that bounds every attempt, read and wait
  in async code; in sync code, which cannot be cancelled, each attempt's
  timeouts capped to what is left.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

import anyio
import httpx
from tenacity import RetryCallState
from tenacity.stop import stop_base

from onepin._exceptions import APITimeoutError

__all__ = ["AsyncDeadline", "AsyncThreadLock", "Deadline", "ThreadLock", "async_sleep", "sleep"]


async def async_sleep(seconds: float) -> None:
    """Sleep on whichever event loop runs us (asyncio or trio)."""
    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Block the thread."""
    time.sleep(seconds)


class AsyncThreadLock:
    """A lock for state that sync worker threads share: in async code, a no-op."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class ThreadLock:
    """The blocking twin: a real ``threading.Lock``, never held across I/O."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()


class _DeadlineClock(stop_base):
    """What both deadlines share: the end time, and when a retry must give up.

    A deadline is also a tenacity ``stop``: it gives up when the coming wait
    would outlast it, raising the last failure rather than sleeping in vain.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (may be negative), or None without a deadline."""
        return None if self._end is None else self._end - time.monotonic()

    def __call__(self, state: RetryCallState) -> bool:
        left = self.remaining()
        return left is not None and state.upcoming_sleep >= left

    def exceeded(self) -> APITimeoutError:
        """The error of a call that ran out of time."""
        return APITimeoutError(f"The call's deadline of {self.seconds:g}s was exceeded")


class AsyncDeadline(_DeadlineClock):
    """``async with AsyncDeadline(seconds) as deadline``: a cancel scope over a whole call.

    Every attempt, read and wait inside the block is cancelled when time runs
    out, and the block raises ``APITimeoutError``.
    """

    _scope: anyio.CancelScope | None = None

    async def __aenter__(self) -> AsyncDeadline:
        if self.seconds is not None:
            self._scope = anyio.move_on_after(self.seconds)
            self._scope.__enter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._scope is not None:
            self._scope.__exit__(exc_type, exc, tb)
            if self._scope.cancelled_caught:
                raise self.exceeded()

    def attempt_timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """The timeouts of the next attempt: unchanged, the cancel scope bounds it."""
        return timeout


class Deadline(_DeadlineClock):
    """The blocking twin: no cancellation exists, so each attempt's timeouts are capped."""

    def __enter__(self) -> Deadline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def attempt_timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """The timeouts of the next attempt, none beyond what is left of the deadline."""
        left = self.remaining()
        if left is None:
            return timeout
        if left <= 0:
            raise self.exceeded()
        return httpx.Timeout(
            connect=_capped(timeout.connect, left),
            read=_capped(timeout.read, left),
            write=_capped(timeout.write, left),
            pool=_capped(timeout.pool, left),
        )


def _capped(value: float | None, limit: float) -> float:
    return limit if value is None else min(value, limit)
