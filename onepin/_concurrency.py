"""Running calls side by side, in pairs: each async primitive has a blocking twin.

``scripts/unasync.py`` renames ``AsyncBatches`` to ``Batches`` and
``AsyncPrefetcher`` to ``Prefetcher``: task groups in async code, threads in
the generated sync code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

import anyio
import anyio.abc

if TYPE_CHECKING:
    from concurrent.futures import Future as Pending
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["AsyncBatches", "AsyncPending", "AsyncPrefetcher", "Batches", "Pending", "Prefetcher"]

T = TypeVar("T")


class AsyncBatches:
    """Runs batches of calls side by side, one batch at a time: a task group per batch.

    Nothing outlives a batch, so there is nothing to close (``aclose()`` is
    there for the blocking twin's sake).
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers

    async def run(self, calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
        """Run ``calls`` side by side; results in call order.

        The first failure cancels the others and is raised as itself (not as a group).
        """
        results: list[T | None] = [None] * len(calls)
        failure: list[BaseException] = []

        async def run(i: int, call: Callable[[], Awaitable[T]]) -> None:
            try:
                results[i] = await call()
            except Exception as exc:
                if not failure:
                    failure.append(exc)
                tg.cancel_scope.cancel()

        async with anyio.create_task_group() as tg:
            for i, call in enumerate(calls):
                tg.start_soon(run, i, call)
        if failure:
            raise failure[0]
        return results  # type: ignore[return-value]

    async def aclose(self) -> None:
        """Nothing to release."""


class Batches:
    """The blocking twin: worker threads kept from one batch to the next.

    They start with the first batch of more than one call and stop on
    ``close()``, or when the stream holding them is dropped; between batches
    they wait idle, running nothing.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def run(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Run ``calls`` side by side; results in call order (the first failure is raised)."""
        if len(calls) == 1:
            return [calls[0]()]
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="onepin")
        futures = [self._pool.submit(call) for call in calls]
        try:
            return [f.result() for f in futures]
        finally:
            for future in futures:  # after a failure, drop what has not started
                future.cancel()

    def close(self) -> None:
        """Stop the worker threads (they are idle: batches run only inside ``run``)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __del__(self) -> None:
        self.close()


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

    def start(self, call: Callable[[], Awaitable[T]]) -> AsyncPending[T]:
        """Start ``call`` now; its result is awaited later."""
        assert self._tg is not None, "use the prefetcher in an async with block"
        pending: AsyncPending[T] = AsyncPending()
        self._tg.start_soon(pending._run, call)
        return pending


class Prefetcher:
    """The blocking twin: a thread pool for the ``with`` block.

    Leaving the block drops the calls not yet started and waits for the
    running ones (a blocking request cannot be interrupted).
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
        self._pool.shutdown(wait=True, cancel_futures=True)

    def start(self, call: Callable[[], T]) -> Pending[T]:
        """Start ``call`` on a worker thread; ``.result()`` waits for it."""
        assert self._pool is not None, "use the prefetcher in a with block"
        return self._pool.submit(call)
