"""Row: auditing every key (``onepin.audit``) costs little more than listing them.

The same plain ``async for`` with the SDK's defaults over every key (``status=
"all"``) of realistically seeded keys, once only counting them (the listing: the
floor of any audit) and once running ``audit_key`` and a ``Summary`` on each, as
``onepin api-keys audit`` does; fresh interpreters, interleaved, 10 ms latency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from benchmarks._emulator import emulator
from benchmarks._floor import Medians, observe
from benchmarks._harness import Line, Row, Target, interleaved
from benchmarks._listers import sdk

if TYPE_CHECKING:
    from onepin import ApiKey

LATENCY = 0.01
SEED = 1


class Audit:
    """Audit each key as the CLI command does; the result is how many keys were flagged."""

    def __init__(self) -> None:
        from onepin.audit import Summary, audit_key

        self.now = datetime.now(UTC)
        self.summary = Summary()
        self.audit_key = audit_key

    def __call__(self, key: ApiKey) -> None:
        self.summary.add(self.audit_key(key, now=self.now))

    def result(self) -> int:
        return self.summary.flagged


def bench(quick: bool) -> Row:
    """100,000 keys (20,000 with ``--quick``), 3 rounds."""
    keys, rounds = (20_000, 3) if quick else (100_000, 3)
    every = {"status": "all"}
    with emulator(keys=keys, latency=LATENCY, seed=SEED) as emu:
        samples = interleaved(
            {
                "listing": partial(observe, emu, sdk, "asyncio", "for", None, every),
                "audit": partial(observe, emu, sdk, "asyncio", "for", Audit(), every),
            },
            rounds,
        )
    typical = Medians.of(samples, keys)
    return Row(
        f"audit {keys:,} realistic keys at {LATENCY * 1000:g} ms latency (onepin.audit over "
        f"the default stream, status=all; medians of {rounds} fresh runs)",
        [
            Line(
                "audit / listing them (floor)",
                typical["audit"].wall / typical["listing"].wall,
                target=Target("<=", 1.2),
            ),
            Line("audit", keys / typical["audit"].wall, "keys/s"),
        ],
        raw={
            "medians": typical.as_dict(),
            "flagged": [s.run.found for s in samples["audit"]],
        },
    )
