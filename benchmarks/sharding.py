"""Row: one listing split over 2 processes against 1 process, on 200,000 keys.

The 2-process job asks the SDK for 2 shards (``client.api_keys.shards(2)``,
picklable key ranges) and lists each with ``list(shard=)`` in its own
worker of a ``ProcessPoolExecutor``, with its own client, as the README shows
to use every core; its clock includes planning and starting the workers. Both
sides checksum the ids they see: the union must be exactly the full listing.
The emulator shares the machine's two cores, so about 1.5x is the ceiling.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

import anyio

from benchmarks._emulator import Server, emulator
from benchmarks._floor import Medians, Sample, observe
from benchmarks._harness import Line, Row, Target, interleaved
from benchmarks._listers import Clock, Digest, Run, by_hand, sdk

LATENCY = 0.01
WORKERS = 2


def missing_api() -> str | None:
    """Why the SDK cannot shard a listing yet, or None when it can."""
    from onepin import ApiKeysResource

    parameters = inspect.signature(ApiKeysResource.list).parameters
    if not hasattr(ApiKeysResource, "shards") or "shard" not in parameters:
        return "the SDK has no api_keys.shards(n) and list(shard=) yet"
    return None


def _shard(server: Server, shard: Any) -> Run:
    """In a worker: list one shard with a client of its own."""
    options = {"shard": shard}
    return sdk(server, "asyncio", "for", Digest(), options)


def split(server: Server) -> Run:
    """In a fresh interpreter: plan the shards, list them in worker processes, merge."""
    from onepin import OnePinClient

    async def plan() -> list[Any]:
        async with OnePinClient(server.token, base_url=server.url) as client:
            return list(await client.api_keys.shards(WORKERS))

    clock = Clock()
    shards = anyio.run(plan)
    with ProcessPoolExecutor(WORKERS) as pool:
        runs = list(pool.map(partial(_shard, server), shards))
    digest = 0
    for run in runs:
        digest ^= run.found
    merged = clock.run(sum(run.keys for run in runs), digest)
    return Run(merged.wall, sum(run.cpu for run in runs), merged.keys, digest)


def bench(quick: bool) -> Row:
    """200,000 keys (30,000 with ``--quick``) at 10 ms latency, 3 rounds."""
    keys, rounds = (30_000, 3) if quick else (200_000, 3)
    name = f"list {keys:,} keys at {LATENCY * 1000:g} ms latency: 2 processes vs 1"
    why = missing_api()
    if why is not None:
        return Row(name, skipped=why)
    with emulator(keys=keys, latency=LATENCY) as emu:
        ways: dict[str, Callable[[], Sample]] = {
            "1 process": partial(observe, emu, sdk, "asyncio", "for", Digest()),
            "2 processes": partial(observe, emu, split),
            "hand-written": partial(observe, emu, by_hand, "asyncio", "pydantic"),
            "bare loop": partial(observe, emu, by_hand, "asyncio", "msgspec"),
        }
        samples = interleaved(ways, rounds)
    typical = Medians.of(samples, keys)
    whole = {s.run.found for s in samples["1 process"]}
    assert {s.run.found for s in samples["2 processes"]} == whole, "shards differ from the whole"
    two = typical["2 processes"]
    fl = typical.floor("2 processes", typical["bare loop"].cpu_per_page / WORKERS)
    return Row(
        f"{name} (sharded with the SDK; medians of {rounds} fresh runs)",
        [
            Line(
                "1 process / 2 processes",
                typical["1 process"].wall / two.wall,
                target=Target(">=", 1.3),
            ),
            Line(f"2 processes / floor ({fl.set_by}, window {two.window})", two.wall / fl.seconds),
            Line("hand-written (1 process) / 2 processes", typical["hand-written"].wall / two.wall),
        ],
        raw={"medians": typical.as_dict(), "floor": fl.as_dict()},
    )
