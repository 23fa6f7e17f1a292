"""How every row measures: targets and rows, interleaved medians, fresh interpreters.

Rules the rows follow:

- every comparison is a ratio of two measurements of the same run;
- the sides are interleaved (one run of each, round after round), so a busy
  spell on a shared machine slows all of them alike;
- medians are compared with medians, never a best run with a typical one;
- listings and loads run in a fresh interpreter each (``fresh``), the emulator
  in a process of its own, so a run inherits no warm pool, cache or garbage.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal, TypeVar

T = TypeVar("T")

Op = Literal[">=", "<=", "<", "=="]
Unit = Literal["x", "s", "ms", "us", "MB", "keys/s", "count"]


@dataclass(frozen=True)
class Target:
    """A bound a measure must meet, as the issue that set it states it."""

    op: Op
    bound: float

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the bound."""
        if self.op == ">=":
            return value >= self.bound
        if self.op == "<=":
            return value <= self.bound
        if self.op == "<":
            return value < self.bound
        return value == self.bound

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True)
class Line:
    """One measure of a row: a ratio (unit ``x``) or an absolute figure."""

    measure: str
    value: float
    unit: Unit = "x"
    target: Target | None = None


@dataclass
class Row:
    """One benchmark: its lines for the table, the medians behind them for the JSON."""

    name: str
    lines: list[Line] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    """Why the row could not run (an API it needs is missing), else None."""
    failed: str | None = None
    """The error that stopped the row, else None."""


def median(values: list[float]) -> float:
    """The median (a typical run: a shared machine adds noise on both sides)."""
    return statistics.median(values)


def interleaved(fns: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Every function once per round, ``rounds`` rounds: the results of each, in order."""
    results: dict[str, list[T]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            results[name].append(fn())
    return results


def seconds_per_call(
    fns: Mapping[str, Callable[[], object]], number: int, rounds: int
) -> dict[str, float]:
    """Median CPU seconds per call of each function over interleaved blocks of ``number`` calls.

    One process, one block of each function per round: the process's CPU time,
    not the wall clock, so another program's load on the machine is not counted.
    """

    def timer(fn: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            start = time.process_time()
            for _ in range(number):
                fn()
            return (time.process_time() - start) / number

        return run

    samples = interleaved({name: timer(fn) for name, fn in fns.items()}, rounds)
    return {name: median(values) for name, values in samples.items()}


async def seconds_per_call_async(
    fns: Mapping[str, Callable[[], Awaitable[object]]], number: int, rounds: int
) -> dict[str, float]:
    """``seconds_per_call`` for coroutine functions, inside one event loop."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.process_time()
            for _ in range(number):
                await fn()
            samples[name].append((time.process_time() - start) / number)
    return {name: median(values) for name, values in samples.items()}


def _call(conn: Connection, fn: Callable[..., object], args: tuple[Any, ...]) -> None:
    """In the fresh interpreter: run ``fn``, send back its result or its traceback."""
    try:
        outcome: tuple[bool, object] = (True, fn(*args))
    except BaseException as exc:  # reported to the parent, whatever it is
        outcome = (False, "".join(traceback.format_exception(exc)))
    conn.send(outcome)
    conn.close()


def fresh(fn: Callable[..., T], *args: Any, timeout: float = 900.0) -> T:
    """``fn(*args)`` in a newly spawned interpreter; its result comes back.

    A failure there is a ``RuntimeError`` here with the child's traceback; a
    child still running after ``timeout`` seconds is killed (``TimeoutError``).
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_call, args=(theirs, fn, args), name=fn.__qualname__)
    child.start()
    theirs.close()
    try:
        if not ours.poll(timeout):
            raise TimeoutError(f"{fn.__qualname__} ran over {timeout:g} s in a fresh interpreter")
        ok, value = ours.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"{fn.__qualname__} died (exit code {child.exitcode})") from None
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()
        ours.close()
    if not ok:
        raise RuntimeError(f"{fn.__qualname__} failed in a fresh interpreter:\n{value}")
    result: T = value
    return result
