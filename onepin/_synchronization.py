"""Paired primitives: each async one has a blocking twin of the same shape.

The sync package is generated from the async source by text substitution
(``scripts/unasync.py``, which renames ``async_sleep`` to ``sleep``,
``AsyncDeadline`` to ``Deadline``, ``AsyncThreadLock`` to ``ThreadLock``,
``AsyncGate`` to ``Gate`` and ``async_running_loop`` to ``running_loop``),
so whatever must differ between the two worlds sits behind one of these pairs:

* sleeping: on the event loop, or blocking the thread;
* a lock around state shared with worker threads: a no-op in async code,
  where nothing runs between two awaits, a ``threading.Lock`` in sync code;
* a call's deadline: a cancel scope that bounds every attempt, read and wait
  in async code; in sync code, which cannot be cancelled, each attempt's
  timeouts capped to what is left, and every socket read and write too
  (``onepin._transport`` asks :func:`io_timeout`);
* a gate in front of the connection pool: an anyio semaphore, or a threading one;
* the event loop a connection pool belongs to: the running one, or none.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

import anyio
import anyio.lowlevel
import httpx

from onepin._exceptions import APITimeoutError

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = [
    "AsyncDeadline",
    "AsyncGate",
    "AsyncThreadLock",
    "Deadline",
    "Gate",
    "ThreadLock",
    "async_running_loop",
    "async_sleep",
    "io_timeout",
    "loop_has_ended",
    "running_loop",
    "sleep",
]


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


class Attempts(Protocol):
    """What a deadline knows of its call: whether an attempt went out, and whether that is safe."""

    @property
    def attempts(self) -> int:
        """Attempts sent so far."""
        ...

    @property
    def idempotent(self) -> bool:
        """Whether repeating the call cannot apply it twice."""
        ...


class _DeadlineClock:
    """What both deadlines share: the end time, and when a retry must give up.

    A deadline is also a tenacity ``stop`` (a callable of the retry state): it
    gives up when the coming wait would outlast it, raising the last failure
    rather than sleeping in vain.
    """

    def __init__(self, seconds: float | None, call: Attempts | None = None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds
        self._call = call

    @classmethod
    def for_call(cls, seconds: float | None, call: Attempts) -> Self | None:
        """The deadline ``call`` runs under (``seconds``, the client's), or None for none."""
        return None if seconds is None else cls(seconds, call)

    def remaining(self) -> float | None:
        """Seconds left (may be negative), or None without a deadline."""
        return None if self._end is None else self._end - time.monotonic()

    def expired(self) -> bool:
        """Whether no time is left."""
        return self._end is not None and time.monotonic() >= self._end

    def __call__(self, state: RetryCallState) -> bool:
        left = self.remaining()
        return left is not None and state.upcoming_sleep >= left

    def check(self, wait: float) -> None:
        """Raise :meth:`exceeded` at once if waiting ``wait`` seconds would outlast the deadline."""
        left = self.remaining()
        if left is not None and wait >= left:
            raise self.exceeded()

    def exceeded(self) -> APITimeoutError:
        """The error of a call that ran out of time (its outcome unknown once a create was sent)."""
        sent = self._call is not None and self._call.attempts > 0
        return APITimeoutError(
            f"The call's deadline of {self.seconds:g}s was exceeded",
            request_sent=sent,
            outcome_unknown=sent and self._call is not None and not self._call.idempotent,
        )


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


_IO_END: ContextVar[float | None] = ContextVar("onepin_io_end", default=None)


def io_timeout(timeout: float | None) -> float | None:
    """A socket operation's ``timeout``, capped to what is left of the sync call running here.

    Past the deadline it is a millisecond, so the operation times out at once.
    """
    end = _IO_END.get()
    if end is None:
        return timeout
    left = max(end - time.monotonic(), 0.001)
    return left if timeout is None else min(timeout, left)


class Deadline(_DeadlineClock):
    """The blocking twin: no cancellation exists, so each attempt's timeouts are capped.

    Inside the ``with`` block every socket read and write of the client's own
    pool is capped too (see :func:`io_timeout`), so a server that answers one
    byte at a time cannot hold a call past its deadline. Nested in another
    (a call's inside its listing's), it ends when the earlier of the two does.
    """

    _token: Token[float | None] | None = None

    @classmethod
    def for_call(cls, seconds: float | None, call: Attempts) -> Self | None:
        """As the async one, and also when a deadline around the call is running.

        A listing's ``deadline=`` is such one: with no cancellation, the call's
        attempts, retries and waits must know when it ends themselves.
        """
        if seconds is None and _IO_END.get() is None:
            return None
        return cls(seconds, call)

    def __enter__(self) -> Deadline:
        outer = _IO_END.get()  # a deadline around this one (a listing's) ending first
        if outer is not None and (self._end is None or outer < self._end):
            self._end = outer
            self.seconds = max(outer - time.monotonic(), 0.0)
        if self._end is not None:
            self._token = _IO_END.set(self._end)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _IO_END.reset(self._token)

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


class AsyncGate:
    """At most ``limit`` calls at once go on to the connection pool (None: no limit).

    The others wait here, in a cheap queue, rather than in the pool's own,
    where every change walks the whole queue. The wait is the pool wait of
    the attempt: bounded by its pool timeout (and, as all of a call, by its
    deadline), past which it is httpx's ``PoolTimeout``.
    """

    def __init__(self, limit: int | None) -> None:
        self._semaphore: anyio.Semaphore | None = None
        if limit is not None:
            self._semaphore = anyio.Semaphore(limit, fast_acquire=True)

    async def acquire(self, pool_timeout: float | None) -> None:
        """Take a place, waiting at most ``pool_timeout`` seconds (None: as long as it takes)."""
        semaphore = self._semaphore
        if semaphore is None:
            return
        try:
            semaphore.acquire_nowait()
        except anyio.WouldBlock:
            with anyio.move_on_after(math.inf if pool_timeout is None else pool_timeout):
                await semaphore.acquire()
                return
            raise _gate_timeout(pool_timeout) from None

    def release(self) -> None:
        """Give the place back."""
        if self._semaphore is not None:
            self._semaphore.release()


class Gate:
    """The blocking twin: a threading semaphore, for a client shared by many threads.

    Its wait is bounded as the async gate's: by the attempt's pool timeout,
    which the blocking deadline caps to what is left of the call.
    """

    def __init__(self, limit: int | None) -> None:
        self._semaphore = None if limit is None else threading.BoundedSemaphore(limit)

    def acquire(self, pool_timeout: float | None) -> None:
        """Take a place, waiting at most ``pool_timeout`` seconds (None: as long as it takes)."""
        if self._semaphore is not None and not self._semaphore.acquire(timeout=pool_timeout):
            raise _gate_timeout(pool_timeout)

    def release(self) -> None:
        """Give the place back."""
        if self._semaphore is not None:
            self._semaphore.release()


def _gate_timeout(pool_timeout: float | None) -> httpx.PoolTimeout:
    return httpx.PoolTimeout(f"no free connection within the pool timeout ({pool_timeout}s)")


def async_running_loop() -> object:
    """The event loop running this call (asyncio's loop, trio's token): a pool's home."""
    return anyio.lowlevel.current_token().native_token


def running_loop() -> object:
    """The blocking twin: no event loop; every thread of a process shares its one pool."""
    return _NO_LOOP


def loop_has_ended(loop: object) -> bool:
    """Whether ``loop`` (from ``async_running_loop``) has ended.

    A closed asyncio loop, a finished trio run; the blocking client's home never ends.
    """
    asyncio = sys.modules.get("asyncio")  # not loaded: not an asyncio loop
    if asyncio is not None and isinstance(loop, asyncio.AbstractEventLoop):
        return bool(loop.is_closed())
    if type(loop).__module__.startswith("trio"):  # a trio token: trio is loaded already
        import trio

        try:
            loop.run_sync_soon(_nothing)  # type: ignore[attr-defined]
        except trio.RunFinishedError:
            return True
    return False


def _nothing() -> None:
    """What ``loop_has_ended`` asks a live trio run to do."""


class _NoLoop:
    """The home of a blocking client's pool: the process itself (it lives as long)."""


_NO_LOOP = _NoLoop()
