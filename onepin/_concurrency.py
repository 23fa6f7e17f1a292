"""Paired primitives: each async one here has a blocking twin of the same shape.

The sync package is generated from the async source by text substitution
(``scripts/unasync.py``), which renames ``async_sleep`` to ``sleep``,
``AsyncDeadline`` to ``Deadline`` and ``async_gather`` to ``gather``. Anything
that must differ between the two worlds (sleeping, cancellation, running
requests side by side) sits behind one of these pairs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TypeVar

import anyio

from onepin._exceptions import APITimeoutError

__all__ = ["AsyncDeadline", "Deadline", "async_gather", "async_sleep", "gather", "sleep"]

T = TypeVar("T")


async def async_sleep(seconds: float) -> None:
    """Sleep on whichever event loop runs us (asyncio or trio)."""
    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Block the thread."""
    time.sleep(seconds)


class AsyncDeadline:
    """A hard deadline over a whole call (every attempt and wait), via a cancel scope."""

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._scope: anyio.CancelScope | None = None

    async def __aenter__(self) -> None:
        if self._seconds is not None:
            self._scope = anyio.move_on_after(self._seconds)
            self._scope.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._scope is None:
            return
        self._scope.__exit__(exc_type, exc, tb)
        if self._scope.cancelled_caught:
            raise APITimeoutError(f"The call's deadline of {self._seconds:g}s was exceeded")


class Deadline:
    """The blocking twin: no cancellation exists, so each attempt's timeout is capped instead."""

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


async def async_gather(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run ``calls`` side by side in a task group; results in call order.

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


def gather(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``calls`` side by side on short-lived threads; results in call order."""
    if len(calls) == 1:
        return [calls[0]()]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="onepin") as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]
