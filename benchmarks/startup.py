"""Row: cold start, from a fresh interpreter to the first answer.

Each program imports what it needs, builds its client (the SDK's connection
pool included) and asks ``whoami`` once over loopback: the SDK against the same
request written with bare httpx + msgspec, async and sync, and the ``onepin
whoami`` command against a bare httpx script that prints the same answer. Each
run is a new interpreter, the programs interleaved, interpreter start-up
(``python -c pass``) subtracted, medians compared; the checkout is
byte-compiled, as installed dependencies are. Wall clock (what a user waits)
is graded; the children's CPU time is shown beside it (a busy machine inflates
wall clock, not CPU).
"""

from __future__ import annotations

import compileall
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._emulator import Server, emulator
from benchmarks._harness import Line, Row, Target, interleaved, median

ROOT = Path(__file__).resolve().parent.parent
WHOAMI = "/api/v1/auth/whoami"

BARE_ASYNC = f"""
import asyncio, os, httpx, msgspec
async def main():
    headers = {{"Authorization": "Bearer " + os.environ["ONEPIN_API_KEY"]}}
    async with httpx.AsyncClient(base_url=os.environ["ONEPIN_BASE_URL"], headers=headers) as c:
        r = await c.get("{WHOAMI}")
        r.raise_for_status()
        return msgspec.json.decode(r.content)
asyncio.run(main())
"""
OURS_ASYNC = """
import asyncio
from onepin import OnePinClient
async def main():
    async with OnePinClient.from_env() as client:
        return await client.auth.whoami()
asyncio.run(main())
"""
BARE_SYNC = f"""
import os, httpx, msgspec
headers = {{"Authorization": "Bearer " + os.environ["ONEPIN_API_KEY"]}}
with httpx.Client(base_url=os.environ["ONEPIN_BASE_URL"], headers=headers) as c:
    r = c.get("{WHOAMI}")
    r.raise_for_status()
    print(msgspec.json.decode(r.content)["data"])
"""
OURS_SYNC = """
from onepin_sync import OnePinClient
with OnePinClient.from_env() as client:
    client.auth.whoami()
"""
PROGRAMS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "bare async": ["-c", BARE_ASYNC],
    "onepin async": ["-c", OURS_ASYNC],
    "bare sync": ["-c", BARE_SYNC],
    "onepin_sync": ["-c", OURS_SYNC],
    "onepin whoami": ["-m", "onepin.cli", "whoami"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timer(args: list[str], env: dict[str, str]) -> Callable[[], tuple[float, float]]:
    def run() -> tuple[float, float]:
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run(
            [sys.executable, *args],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        return time.perf_counter() - start, _children_cpu() - cpu

    return run


def _environment(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")}
    env |= {"ONEPIN_API_KEY": server.api_key, "ONEPIN_BASE_URL": server.url}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def bench(quick: bool) -> Row:
    """Median milliseconds (wall and CPU) from a fresh interpreter to the first answer."""
    for package in ("onepin", "onepin_sync"):
        compileall.compile_dir(ROOT / package, quiet=1)
    rounds = 5 if quick else 21
    with emulator(keys=1, latency=0.0) as emu:
        env = _environment(emu.server)
        runs = interleaved({name: _timer(args, env) for name, args in PROGRAMS.items()}, rounds)
    base = runs.pop("python -c pass")
    base_wall, base_cpu = median([w for w, _ in base]), median([c for _, c in base])
    wall = {name: (median([w for w, _ in v]) - base_wall) * 1000 for name, v in runs.items()}
    cpu = {name: (median([c for _, c in v]) - base_cpu) * 1000 for name, v in runs.items()}
    pairs = (
        ("async", "onepin async", "bare async", 1.15),
        ("sync", "onepin_sync", "bare sync", 1.15),
        ("CLI", "onepin whoami", "bare sync", 1.25),
    )
    row = Row(
        "cold start: fresh interpreter to the first whoami over loopback (import, client, "
        f"pool, call; medians of {rounds} interleaved runs, interpreter start-up subtracted)"
    )
    for label, ours, bare, bound in pairs:
        row.lines += [
            Line(
                f"{label}: {ours} / {bare} script (wall)",
                wall[ours] / wall[bare],
                target=Target("<=", bound),
            ),
            Line(f"{label}: {ours} / {bare} script (CPU)", cpu[ours] / cpu[bare]),
            Line(f"{label}: {ours} (wall)", wall[ours], "ms"),
        ]
    row.raw = {"wall_ms": wall, "cpu_ms": cpu, "rounds": rounds}
    return row
