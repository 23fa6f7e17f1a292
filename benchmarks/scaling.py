"""Row: how listing scales from 1,000 to 1,000,000 keys at 10 ms latency.

At each size: the SDK's plain ``async for`` with its defaults, the hand-written
gather of 8 (httpx + pydantic) and the bare httpx + msgspec loop (the CPU
floor), each in fresh interpreters, interleaved; keys per second and client
CPU per page of ours, ours against the measured floor and the hand-written way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmarks._emulator import emulator
from benchmarks._floor import Medians, Sample, observe
from benchmarks._harness import Line, Row, interleaved
from benchmarks._listers import by_hand, sdk

LATENCY = 0.01


def bench(quick: bool) -> Row:
    """1k, 10k, 100k and 1M keys (1k, 10k, 30k with ``--quick``).

    3 rounds each, but one at a million keys: a run of 10,000 pages is already
    an average, and three of each way would take most of the bench's time.
    """
    sizes = (1_000, 10_000, 30_000) if quick else (1_000, 10_000, 100_000, 1_000_000)
    row = Row(
        f"scaling at {LATENCY * 1000:g} ms latency: plain async for, defaults "
        "(medians of 3 fresh runs; one run at 1,000,000 keys)"
    )
    for keys in sizes:
        rounds = 1 if keys >= 1_000_000 else 3
        with emulator(keys=keys, latency=LATENCY) as emu:
            ways: dict[str, Callable[[], Sample]] = {
                "ours": partial(observe, emu, sdk, "asyncio", "for"),
                "hand-written": partial(observe, emu, by_hand, "asyncio", "pydantic"),
                "bare loop": partial(observe, emu, by_hand, "asyncio", "msgspec"),
            }
            samples = interleaved(ways, rounds)
        typical = Medians.of(samples, keys)
        ours = typical["ours"]
        fl = typical.floor("ours", typical["bare loop"].cpu_per_page)
        row.lines += [
            Line(f"{keys:,} keys: ours", keys / ours.wall, "keys/s"),
            Line(f"{keys:,} keys: client CPU per page, ours", ours.cpu_per_page * 1000, "ms"),
            Line(
                f"{keys:,} keys: ours / floor ({fl.set_by}, window {ours.window})",
                ours.wall / fl.seconds,
            ),
            Line(f"{keys:,} keys: hand-written / ours", typical["hand-written"].wall / ours.wall),
        ]
        row.raw[str(keys)] = {
            "medians": typical.as_dict(),
            "floor": fl.as_dict(),
        }
    return row
