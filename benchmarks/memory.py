"""Row: peak memory growth while streaming 1,000,000 keys with the defaults.

The keys come from an in-process transport that generates pages, so only the
client's memory is measured: the peak resident set (``VmHWM``) at the end,
minus the peak before the client existed, in a fresh interpreter per side.
"""

from __future__ import annotations

from typing import Literal

import anyio
import httpx

from benchmarks._harness import Line, Row, Target, fresh
from benchmarks._payloads import page_bytes

Kind = Literal["async", "sync"]
FAKE_KEY = "op_live_x"


def peak_mb() -> float:
    """This process's peak resident set so far, in MB (``VmHWM``, Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("no VmHWM in /proc/self/status")


def _pages(total: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        return httpx.Response(200, content=page_bytes(offset, limit, total))

    return httpx.MockTransport(handler)


def growth(kind: Kind, total: int) -> tuple[int, float]:
    """In a fresh interpreter: stream ``total`` keys; (keys seen, peak growth in MB)."""
    from onepin import OnePinClient
    from onepin_sync import OnePinClient as SyncClient

    transport = _pages(total)
    before = peak_mb()
    if kind == "sync":
        http = httpx.Client(transport=transport)
        with SyncClient(FAKE_KEY, http_client=http) as c, c.api_keys.list() as stream:
            n = sum(1 for _ in stream)
        http.close()
    else:

        async def run() -> int:
            async with (
                httpx.AsyncClient(transport=transport) as http,
                OnePinClient(FAKE_KEY, http_client=http) as c,
                c.api_keys.list() as stream,
            ):
                count = 0
                async for _ in stream:
                    count += 1
                return count

        n = anyio.run(run)
    return n, peak_mb() - before


def bench(quick: bool) -> Row:
    """Both clients, the ``with`` form (the one that holds a window of pages)."""
    total = 200_000 if quick else 1_000_000
    mb: dict[str, float] = {}
    for kind in ("async", "sync"):
        n, mb[kind] = fresh(growth, kind, total)
        assert n == total, (kind, n)
    return Row(
        f"peak memory growth streaming {total:,} keys, with-form defaults (VmHWM)",
        [Line(f"{kind}: growth", v, "MB", Target("<", 50)) for kind, v in mb.items()],
        raw={"mb": mb},
    )
