"""Row: list every key with the SDK's defaults, against a hand-written gather and the floor.

Every way of listing runs in a fresh interpreter, round after round, against
one emulator in its own process; the table compares medians. The SDK is called
with no tuning at all (``client.api_keys.list()``), so its own defaults, an
adaptive window included, are what is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmarks._emulator import emulator
from benchmarks._floor import Medians, Sample, observe
from benchmarks._harness import Line, Row, Target, interleaved
from benchmarks._listers import FORMS, by_hand, sdk

LATENCY = 0.02


def bench(quick: bool) -> Row:
    """The main listing row (20,000 keys at 20 ms; 5,000 with ``--quick``)."""
    keys, rounds = (5_000, 3) if quick else (20_000, 5)
    with emulator(keys=keys, latency=LATENCY) as emu:
        ways: dict[str, Callable[[], Sample]] = {
            f"{backend} {form}": partial(observe, emu, sdk, backend, form)
            for backend, form in FORMS
        }
        for backend in ("asyncio", "sync"):
            ways[f"hand-written {backend}"] = partial(observe, emu, by_hand, backend, "pydantic")
            ways[f"bare loop {backend}"] = partial(observe, emu, by_hand, backend, "msgspec")
        samples = interleaved(ways, rounds)
    typical = Medians.of(samples, keys)
    row = Row(
        f"list {keys:,} keys at {LATENCY * 1000:g} ms latency, defaults "
        f"(medians of {rounds} fresh runs; hand-written: httpx + pydantic, gather of 8)"
    )
    floors: dict[str, dict[str, float | str]] = {}
    for backend, form in FORMS:
        ours = typical[f"{backend} {form}"]
        kind = "sync" if backend == "sync" else "asyncio"  # trio is compared with asyncio's
        fl = typical.floor(f"{backend} {form}", typical[f"bare loop {kind}"].cpu_per_page)
        floors[f"{backend} {form}"] = fl.as_dict()
        graded = backend != "trio"
        row.lines += [
            Line(
                f"{backend} {form}: hand-written / ours",
                typical[f"hand-written {kind}"].wall / ours.wall,
                target=Target(">=", 2.0) if graded else None,
            ),
            Line(
                f"{backend} {form}: ours / floor ({fl.set_by}, window {ours.window})",
                ours.wall / fl.seconds,
                target=Target("<=", 1.3) if graded else None,
            ),
        ]
    for form in ("for", "with"):
        row.lines.append(
            Line(
                f"trio / asyncio, {form}",
                typical[f"trio {form}"].wall / typical[f"asyncio {form}"].wall,
                target=Target("<=", 1.15),
            )
        )
    for kind in ("asyncio", "sync"):
        row.lines.append(
            Line(
                f"client CPU per page, {kind} for / bare httpx + msgspec loop",
                typical[f"{kind} for"].cpu_per_page / typical[f"bare loop {kind}"].cpu_per_page,
                target=Target("<=", 1.1),
            )
        )
    bare = typical.floor("bare loop asyncio", typical["bare loop asyncio"].cpu_per_page)
    row.lines.append(
        Line(
            "how tight the floor is: bare loop (gather of 8) / its own floor",
            typical["bare loop asyncio"].wall / bare.seconds,
        )
    )
    row.raw = {
        "keys": keys,
        "latency_s": LATENCY,
        "rounds": rounds,
        "medians": typical.as_dict(),
        "floors": floors,
    }
    return row
