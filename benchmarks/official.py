"""Row: every default listing form against the official SDK 0.7.1 driven by hand.

20,000 keys at 20 ms latency (``--quick``: 500). On our side, every default form
of ``client.api_keys.list()`` (``async for`` and ``async with`` on asyncio and
trio, ``for`` and ``with`` on the sync twin). On the other, what a user writes
with the official SDK 0.7.1: its ``AsyncOnePinClient``, the first page of
``api_keys.list_api_keys(limit=100, offset=0, status="active")`` for the total,
then a gather of the remaining offset pages bounded at 8 (``_drive_071.py``).

0.7.1's import name is ``onepin`` too, so it is never a dependency of this
project: it is installed into a directory of its own (``pip install --target
DIR onepin==0.7.1``; ``nox -s bench_official`` does it) named by
``ONEPIN_OFFICIAL_SDK``, and its side runs as a fresh interpreter whose
``PYTHONPATH`` is that directory only. Without it, the row is not run.

Every side runs in a fresh interpreter, interleaved with the others, against
one emulator in a process of its own, and is timed the same way: imports done,
client built, one call (``whoami``) made, then the clocks run from the first
page to the last key. Every run must list every key (0.7.1's ids distinct).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks._emulator import Server, emulator
from benchmarks._floor import Medians, Sample, observe
from benchmarks._harness import Line, Row, Target, interleaved
from benchmarks._listers import BY_HAND_CONCURRENCY, FORMS, PAGE_SIZE, Run, sdk

KEYS, QUICK_KEYS = 20_000, 500
LATENCY = 0.020
TARGET = Target(">=", 1.5)
ENV = "ONEPIN_OFFICIAL_SDK"
VERSION = "0.7.1"
DRIVER = Path(__file__).with_name("_drive_071.py")
OFFICIAL = f"official {VERSION}"


def sdk_dir() -> tuple[str | None, str | None]:
    """The directory holding 0.7.1 and None, or None and why the row cannot run."""
    given = os.environ.get(ENV)
    if not given:
        return None, (
            f"set {ENV}=<dir> (a directory where `pip install --target <dir> "
            f"onepin=={VERSION}` put the official SDK; `nox -s bench_official` does it)"
        )
    if not (Path(given) / f"onepin-{VERSION}.dist-info").is_dir():
        return None, f"{ENV}={given} holds no onepin {VERSION} (pip install --target it there)"
    return given, None


def official(server: Server, directory: str) -> Run:
    """0.7.1's listing: its driver in a fresh interpreter whose ``PYTHONPATH`` is ``directory``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = directory
    job = {
        "url": server.url,
        "token": server.token,  # on stdin, never in argv
        "status": "active",  # the SDK's default, and what 0.7.1 lists without one
        "page_size": PAGE_SIZE,
        "concurrency": BY_HAND_CONCURRENCY,
    }
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {OFFICIAL} driver failed:\n{done.stderr.strip()}")
    out = json.loads(done.stdout.splitlines()[-1])
    if out["distinct"] != out["keys"] or out["keys"] != out["total"]:
        raise AssertionError(
            f"{OFFICIAL} listed {out['keys']} keys ({out['distinct']} distinct) "
            f"of the {out['total']} the server counted"
        )
    return Run(out["wall"], out["cpu"], out["keys"], out["distinct"])


def bench(quick: bool) -> Row:
    """5 rounds at 20,000 keys (``--quick``: one round at 500 keys)."""
    keys, rounds = (QUICK_KEYS, 1) if quick else (KEYS, 5)
    scale = f"{keys:,} @ {LATENCY * 1000:g} ms"
    name = (
        f"listing {scale}: every default form vs the official SDK {VERSION} by hand "
        f"(first page, then a gather of {BY_HAND_CONCURRENCY}; medians of {rounds} fresh runs)"
    )
    directory, why = sdk_dir()
    if directory is None:
        return Row(name, skipped=why)
    with emulator(keys=keys, latency=LATENCY) as emu:
        ways: dict[str, Callable[[], Sample]] = {
            f"{backend} {form}": partial(observe, emu, sdk, backend, form)
            for backend, form in FORMS
        }
        ways[OFFICIAL] = partial(observe, emu, official, directory)
        samples = interleaved(ways, rounds)
    typical = Medians.of(samples, keys)
    theirs = typical[OFFICIAL]
    row = Row(name, raw={"keys": keys, "latency_s": LATENCY, "medians": typical.as_dict()})
    for backend, form in FORMS:
        ours = typical[f"{backend} {form}"]
        row.lines.append(
            Line(
                f"{scale}, {backend} {form}: {OFFICIAL} / ours",
                theirs.wall / ours.wall,
                "x",
                TARGET,
            )
        )
    row.lines.append(Line(f"{scale}, {OFFICIAL}: wall", theirs.wall, "s"))
    return row
