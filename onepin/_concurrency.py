"""Running calls side by side, in pairs: each async primitive has a blocking twin.

``scripts/unasync.py`` renames ``AsyncPrefetcher`` to ``Prefetcher`` and
``AsyncPending`` to ``Pending``: a task group in async code, a thread pool in
the generated sync code.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import anyio
import anyio.abc

if TYPE_CHECKING:
    from concurrent.futures import Future as Pending
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["AsyncPending", "AsyncPrefetcher", "Pending", "Prefetcher", "StopGroup"]

T = TypeVar("T")


class AsyncPending(Generic[T]):
    """The result of a call started by an ``AsyncPrefetcher``, once it is there."""

    def __init__(self) -> None:
        self._done = anyio.Event()
        self._value: T | None = None
        self._error: Exception | None = None

    async def _run(self, call: Callable[[], Awaitable[T]]) -> None:
        try:
            self._value = await call()
        except Exception as exc:  # kept for the consumer; cancellation passes through
            self._error = exc
        finally:
            self._done.set()

    async def result(self) -> T:
        """Wait for the call; return its value or raise its exception."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class AsyncPrefetcher:
    """Runs calls in the background of an ``async with`` block (a task group).

    Leaving the block cancels whatever is still running: nothing outlives it.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._tg: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> AsyncPrefetcher:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        self._tg.cancel_scope.cancel()
        if isinstance(exc, Exception):
            # The block failed on its own (say, a page's error reached the consumer):
            # wind the background down and let that error through as itself, not
            # wrapped in an exception group.
            await self._tg.__aexit__(None, None, None)
            return None
        return await self._tg.__aexit__(exc_type, exc, tb)

    def stop(self) -> None:
        """The client closed: nothing to do, no task here waits for work.

        Its tasks are pages under way, which end at once on a closed client;
        leaving the block ends the task group.
        """

    def start(self, call: Callable[[], Awaitable[T]]) -> AsyncPending[T]:
        """Start ``call`` now; its result is awaited later."""
        assert self._tg is not None, "use the prefetcher in an async with block"
        pending: AsyncPending[T] = AsyncPending()
        self._tg.start_soon(pending._run, call)
        return pending


class Prefetcher:
    """The blocking twin: a thread pool for the ``with`` block.

    Leaving the block drops the calls not yet started. It waits for the running
    ones (a blocking request cannot be interrupted) only when the block ends
    without an error: after one, the error is raised at once and the requests
    still running end on their own timeouts, then their threads.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Prefetcher:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="onepin")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=exc is None, cancel_futures=True)

    def stop(self) -> None:
        """The client closed: let the worker threads end, from any thread, without waiting.

        Calls already given still run (on a closed client each fails at once);
        then each worker ends. Nothing may be started after this.
        """
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def start(self, call: Callable[[], T]) -> Pending[T]:
        """Start ``call`` on a worker thread; ``.result()`` waits for it."""
        assert self._pool is not None, "use the prefetcher in a with block"
        return self._pool.submit(call)


class Stoppable(Protocol):
    """What a ``StopGroup`` holds: something with background work to stop."""

    def stop(self) -> None:
        """Stop the background work, from any thread, without waiting for it."""
        ...


class StopGroup:
    """The background work of a client's listings, stopped at once when the client closes.

    Members are held weakly (a listing dropped leaves). A forked child forgets
    its parent's members: their threads are not in the child.
    """

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._members: weakref.WeakSet[Stoppable] = weakref.WeakSet()

    def _here(self) -> None:
        if self._pid != os.getpid():  # a forked child: the lock may have been held at the fork
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._members = weakref.WeakSet()

    def add(self, member: Stoppable) -> None:
        """Stop ``member`` with the others."""
        self._here()
        with self._lock:
            self._members.add(member)

    def stop_all(self) -> None:
        """Stop every member (those added later are not stopped)."""
        self._here()
        with self._lock:
            members = list(self._members)
        for member in members:
            member.stop()
