"""Row: a listing under a per-key rate limit runs at the allowed rate, with no 429.

A key limited to 3,000 requests a minute lists in small pages from an emulator
whose rate-limit window is 2 s (100 requests a window); the SDK's defaults
pace the requests from the ``X-RateLimit-*`` headers. The allowed rate is the
ceiling; the emulator's log counts the 429 answers.
"""

from __future__ import annotations

from dataclasses import replace

from benchmarks._emulator import emulator
from benchmarks._floor import pages_listed
from benchmarks._harness import Line, Row, Target, fresh, median
from benchmarks._listers import sdk

LIMIT_PER_MIN = 3000
WINDOW_S = 2.0


def bench(quick: bool) -> Row:
    """Median achieved rate over fresh runs, each with a new limited key."""
    keys, page, rounds = (2_000, 10, 1) if quick else (6_000, 20, 3)
    rates: list[float] = []
    too_many = requests = 0
    # The limit is a key's: this row lists with a limited API key, so its emulator
    # lets API keys list keys (key management "any"; by default only a session may).
    with emulator(
        keys=keys, latency=0.005, rate_limit_window=WINDOW_S, key_management="any"
    ) as emu:
        for i in range(rounds):
            limited = replace(emu.server, token=emu.new_key(rate_limit_per_min=LIMIT_PER_MIN))
            emu.clear_log()
            run = fresh(sdk, limited, "asyncio", "for", None, {"page_size": page, "status": "all"})
            assert run.keys == keys + i + 1, run.keys
            log = emu.request_log()
            rejected = sum(1 for entry in log if entry.status == 429)
            served = pages_listed(log) - rejected
            rates.append(served / run.wall)
            too_many += rejected
            requests += pages_listed(log)
    allowed = LIMIT_PER_MIN / 60
    return Row(
        f"rate-limited listing: {keys:,} keys in pages of {page}, key limited to "
        f"{LIMIT_PER_MIN:,}/min (emulator window {WINDOW_S:g} s), plain async for",
        [
            Line(
                "achieved rate / allowed rate (the ceiling)",
                median(rates) / allowed,
                "x",
                Target(">=", 0.95),
            ),
            Line(f"429 responses in {requests:,} requests", too_many, "count", Target("==", 0)),
        ],
        raw={"rates_per_s": rates, "allowed_per_s": allowed, "requests": requests},
    )
