"""Row: one async client under load, concurrency 200 against 20 and against bare httpx.

Each run, in a fresh interpreter, sends ``api_keys.get()`` calls from N
concurrent tasks sharing one client (the SDK's defaults, or a bare
``httpx.AsyncClient`` with msgspec structs like the SDK's) to the emulator in
its own process; client CPU per request is the client process's CPU time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import anyio
import httpx
import msgspec

from benchmarks._emulator import Server, emulator
from benchmarks._harness import Line, Row, Target, fresh, interleaved, median
from benchmarks._payloads import bare_envelope

Who = Literal["onepin", "httpx"]
LATENCY = 0.01
WAYS: dict[str, tuple[Who, int]] = {
    "onepin at 20": ("onepin", 20),
    "onepin at 200": ("onepin", 200),
    "httpx at 200": ("httpx", 200),
    "httpx at 20": ("httpx", 20),
}
GRADED = "onepin at 200"  # its errors are counted over more than 10,000 calls


@dataclass(frozen=True)
class Load:
    """One load run: seconds and client CPU seconds of the clocked calls, all calls, failures."""

    wall: float
    cpu: float
    calls: int
    sent: int
    errors: int


def run(server: Server, who: Who, concurrency: int, calls: int) -> Load:
    """In a fresh interpreter: ``calls`` calls from ``concurrency`` tasks, clocked.

    One call per task first, unclocked, opens the connections: the clocks see a
    service in its steady state. Failures of both phases are counted.
    """
    return anyio.run(_run, server, who, concurrency, calls)


async def _run(server: Server, who: Who, concurrency: int, calls: int) -> Load:
    from onepin import OnePinClient

    left, errors = calls, 0
    async with (
        OnePinClient(server.token, base_url=server.url) as client,
        httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}
        ) as http,
    ):
        decoder: Any = msgspec.json.Decoder(bare_envelope(listing=False))
        path = f"/api/v1/api-keys/{server.api_key_id}"

        async def bare() -> object:
            response = await http.get(path)
            response.raise_for_status()
            return decoder.decode(response.content).data

        call: Callable[[], Awaitable[object]] = (
            partial(client.api_keys.get, server.api_key_id) if who == "onepin" else bare
        )

        async def one() -> None:
            nonlocal errors
            try:
                await call()
            except Exception:  # every failure counts, whatever its type
                errors += 1

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await one()

        async with anyio.create_task_group() as tg:  # warm up: open the connections
            for _ in range(concurrency):
                tg.start_soon(one)
        wall, cpu = time.perf_counter(), time.process_time()
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
        elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
        return Load(elapsed, used, calls, calls + concurrency, errors)


def bench(quick: bool) -> Row:
    """3 rounds; 3,334 clocked calls a run at 200 (over 10,000 in all), 1,500 for the others.

    CPU per call and calls per second are rates of the steady state, so the
    other ways need fewer calls (bare httpx at 200 is slow: its pool's queue).
    ``--quick``: 1 round of 500 calls each.
    """
    rounds, graded, calls = (1, 500, 500) if quick else (3, 3_334, 1_500)
    with emulator(keys=1, latency=LATENCY) as emu:
        loads = interleaved(
            {
                name: partial(fresh, run, emu.server, who, n, graded if name == GRADED else calls)
                for name, (who, n) in WAYS.items()
            },
            rounds,
        )
    cpu = {name: median([r.cpu / r.calls for r in runs]) for name, runs in loads.items()}
    rate = {name: median([r.calls / r.wall for r in runs]) for name, runs in loads.items()}
    errors = {name: sum(r.errors for r in runs) for name, runs in loads.items()}
    sent = sum(r.sent for r in loads[GRADED])
    return Row(
        f"load: one async client, get() from 20 or 200 tasks at {LATENCY * 1000:g} ms latency "
        f"(medians of {rounds} fresh runs)",
        [
            Line(
                "client CPU per call: onepin at 200 / at 20",
                cpu[GRADED] / cpu["onepin at 20"],
                target=Target("<=", 1.5),
            ),
            Line("client CPU per call: onepin at 200", cpu[GRADED] * 1000, "ms"),
            Line(
                "client CPU per call at 200: onepin / bare httpx at 200",
                cpu[GRADED] / cpu["httpx at 200"],
            ),
            Line(
                "client CPU per call: onepin at 200 / bare httpx at 20",
                cpu[GRADED] / cpu["httpx at 20"],
            ),
            Line(
                "throughput at 200: onepin / bare httpx",
                rate[GRADED] / rate["httpx at 200"],
                target=Target(">=", 1.0),
            ),
            Line(
                f"errors in {sent:,} calls at 200",
                errors[GRADED],
                "count",
                Target("==", 0),
            ),
        ],
        raw={
            "cpu_ms_per_call": {k: v * 1000 for k, v in cpu.items()},
            "calls_per_s": rate,
            "errors": errors,
        },
    )
