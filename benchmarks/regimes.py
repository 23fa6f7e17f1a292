"""Row: every default listing form in every regime, against a hand-written gather and the bound.

Regimes (keys at a latency): 1,000 at 10 ms, 10,000 at 10 ms, 20,000 at 20 ms,
5,000 at 100 ms and 100,000 at 10 ms. In each, every default form of the SDK
(``async for`` and ``async with`` on asyncio and on trio, ``for`` and ``with``
on the sync twin; ``client.api_keys.list()`` with no tuning) runs against what
a user writes by hand with httpx + msgspec: a bounded gather of 8 over offset
pages (8 threads for the sync forms), each way in fresh interpreters,
interleaved. The same hand-written loop's client CPU per page sets the CPU
floor; the round-trip bound is the first page alone, then the others at most
``max_concurrency`` (32, the default cap) at a time, a round trip being the
fastest of five page requests on a warm connection just before each run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from benchmarks._emulator import emulator
from benchmarks._floor import Medians, Sample, floor, observe
from benchmarks._harness import Line, Row, Target, interleaved
from benchmarks._listers import FORMS, PAGE_SIZE, by_hand, sdk

REGIMES: tuple[tuple[int, float], ...] = (
    (1_000, 0.010),
    (10_000, 0.010),
    (20_000, 0.020),
    (5_000, 0.100),
    (100_000, 0.010),
)
DEFAULT_CAP = 32
"""The client's default ``max_concurrency``: the most pages any default form has in flight."""


def _graded(keys: int, latency: float) -> float:
    """The least ``hand-written / ours`` the issue asks for in this regime."""
    return 1.8 if (keys, latency) == (5_000, 0.100) else 1.0


def _regime(keys: int, latency: float, rounds: int) -> tuple[list[Line], dict[str, object]]:
    with emulator(keys=keys, latency=latency) as emu:
        ways: dict[str, Callable[[], Sample]] = {
            f"{backend} {form}": partial(observe, emu, sdk, backend, form)
            for backend, form in FORMS
        }
        for kind in ("asyncio", "sync"):
            ways[f"by hand {kind}"] = partial(observe, emu, by_hand, kind, "msgspec")
        samples = interleaved(ways, rounds)
    typical = Medians.of(samples, keys)
    pages = math.ceil(keys / PAGE_SIZE)
    name = f"{keys:,} @ {latency * 1000:g} ms"
    lines: list[Line] = []
    bounds: dict[str, object] = {}
    for backend, form in FORMS:
        ours = typical[f"{backend} {form}"]
        kind = "sync" if backend == "sync" else "asyncio"
        hand = typical[f"by hand {kind}"]
        bound = floor(
            rtt=typical.rtt, pages=pages, window=DEFAULT_CAP, cpu_per_page=hand.cpu_per_page
        )
        bounds[f"{backend} {form}"] = bound.as_dict()
        lines += [
            Line(
                f"{name}, {backend} {form}: by hand / ours",
                hand.wall / ours.wall,
                target=Target(">=", _graded(keys, latency)),
            ),
            Line(
                f"{name}, {backend} {form}: ours / bound ({bound.set_by})",
                ours.wall / bound.seconds,
                target=Target("<=", 1.25),
            ),
        ]
    return lines, {"medians": typical.as_dict(), "bounds": bounds}


def bench(quick: bool) -> Row:
    """Every regime, 3 rounds each (``--quick``: a tenth of the keys, one round)."""
    rounds = 1 if quick else 3
    row = Row(
        f"listing regimes: every default form vs httpx + msgspec by hand (gather of 8) and "
        f"the larger of the round-trip bound (window {DEFAULT_CAP}) and the CPU floor "
        f"(medians of {rounds} fresh runs)"
    )
    for keys, latency in REGIMES:
        size = max(500, keys // 10) if quick else keys
        lines, raw = _regime(size, latency, rounds)
        row.lines += lines
        row.raw[f"{size}@{latency * 1000:g}ms"] = raw
    return row
