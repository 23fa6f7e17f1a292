"""Side-by-side benchmarks of the OnePin SDK: one command, a table out, JSON written.

    python benchmarks/run.py [--quick] [--json PATH]

Every row compares two or more ways of doing the same work in the same run,
interleaved, so that a busy machine slows all sides alike: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import msgspec
import pydantic

ROOT = Path(__file__).resolve().parent.parent
KEY_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
Row = dict[str, Any]


# -- helpers -------------------------------------------------------------------------


def best_of(fns: dict[str, Callable[[], object]], number: int, repeat: int) -> dict[str, float]:
    """Seconds per call of each function: the best of ``repeat`` interleaved rounds."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


async def best_of_async(
    fns: dict[str, Callable[[], Awaitable[object]]], number: int, repeat: int
) -> dict[str, float]:
    """``best_of`` for coroutines, inside one event loop."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                await fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


def key_json(n: int) -> dict[str, Any]:
    return {
        "id": f"3fa85f64-5717-4562-b3fc-{n:012d}",
        "workspace_id": "7b9e1d2a-4f3c-4d2a-9f1e-8a2b3c4d5e6f",
        "created_by": "usr_01HZX3Q4ZB8N0E4S5J6K7M8P9Q",
        "name": f"key-{n:06d}",
        "key_type": "live",
        "key_prefix": "op_live_",
        "key_suffix": "9f8e7d6c",
        "scopes": ["workflows:read", "voices:read", "workspace:read"],
        "active": True,
        "last_used_at": "2024-04-20T14:22:00Z",
        "rate_limit_per_min": 1000,
        "revoked_at": None,
        "created_at": "2023-11-01T08:00:00Z",
        "updated_at": "2024-04-15T10:00:00Z",
        "preview": "op_live_9f8e7d6c",
    }


def page_bytes(offset: int, limit: int, total: int, items: bytes | None = None) -> bytes:
    """A list envelope; ``items`` (pre-encoded) are reused when given."""
    if items is None:
        items = msgspec.json.encode(
            [key_json(offset + i) for i in range(min(limit, total - offset))]
        )
    end = offset + limit
    nxt = (
        f'"https://api.onepin.ai/api/v1/api-keys?offset={end}&limit={limit}"'
        if end < total
        else "null"
    )
    return (
        b'{"data":' + items + b',"meta":{"request_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890",'
        b'"timestamp":"2024-04-21T12:00:00Z"},"pagination":{"limit":'
        + str(limit).encode()
        + b',"total":'
        + str(total).encode()
        + b',"next":'
        + nxt.encode()
        + b',"prev":null}}'
    )


# -- 1. decoding a page of 100 keys ------------------------------------------------------
#
# The competitors model the same envelope, field for field: both are built from
# the SDK's own structs, so they cannot drift from what is measured.


def _bare(struct: type[msgspec.Struct], name: str) -> type[msgspec.Struct]:
    """A plain msgspec struct (no options) with ``struct``'s fields: the floor."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (f.name, f.type) if f.required else (f.name, f.type, f.default)
        for f in msgspec.structs.fields(struct)
    ]
    return msgspec.defstruct(name, fields)


def _pydantic(struct: type[msgspec.Struct], name: str) -> type[pydantic.BaseModel]:
    """A pydantic v2 model with ``struct``'s fields, as generated SDKs write them."""
    fields: dict[str, Any] = {
        f.name: (f.type, ...) if f.required else (f.type, f.default)
        for f in msgspec.structs.fields(struct)
    }
    config = pydantic.ConfigDict(frozen=True, extra="ignore")
    return pydantic.create_model(name, __config__=config, **fields)


def _envelopes() -> tuple[type[msgspec.Struct], type[pydantic.BaseModel]]:
    from onepin._base import Meta, Pagination
    from onepin._models import ApiKey

    bare = msgspec.defstruct(
        "BareEnvelope",
        [
            ("data", list[_bare(ApiKey, "BareKey")]),  # type: ignore[misc]
            ("meta", _bare(Meta, "BareMeta")),
            ("pagination", _bare(Pagination, "BarePagination")),
        ],
    )
    fields: dict[str, Any] = {
        "data": (list[_pydantic(ApiKey, "PKey")], ...),  # type: ignore[misc]
        "meta": (_pydantic(Meta, "PMeta"), ...),
        "pagination": (_pydantic(Pagination, "PPagination"), ...),
    }
    model = pydantic.create_model("PEnvelope", **fields)
    return bare, model


def bench_decode(quick: bool) -> Row:
    from onepin._base import Decoders, page_from_envelope

    raw = page_bytes(0, 100, 1000)
    bare_envelope, pydantic_envelope = _envelopes()
    bare = msgspec.json.Decoder(bare_envelope)
    onepin_decoder = Decoders.api_key_list

    def onepin_page() -> object:
        return page_from_envelope(onepin_decoder.decode(raw), offset=0, limit=100)

    fns: dict[str, Callable[[], object]] = {
        "onepin": onepin_page,
        "msgspec (floor)": lambda: bare.decode(raw),
        "pydantic v2": lambda: pydantic_envelope.model_validate_json(raw),
        "json.loads": lambda: json.loads(raw),
    }
    t = best_of(fns, number=50 if quick else 300, repeat=5 if quick else 15)
    return {
        "name": "decode a page of 100 keys",
        "times_us": {k: v * 1e6 for k, v in t.items()},
        "ratios": {
            "pydantic / onepin": t["pydantic v2"] / t["onepin"],
            "json.loads / onepin": t["json.loads"] / t["onepin"],
            "onepin / msgspec floor": t["onepin"] / t["msgspec (floor)"],
        },
        "targets": {"pydantic / onepin": (">=", 2.5), "onepin / msgspec floor": ("<=", 1.15)},
    }


# -- 2. per-call overhead ---------------------------------------------------------------------


def _canned() -> tuple[bytes, Callable[[httpx.Request], httpx.Response]]:
    body = msgspec.json.encode({"data": key_json(1), "meta": {"request_id": "r"}})

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return body, handler


def bench_per_call(quick: bool) -> Row:
    from onepin import OnePinClient
    from onepin._base import Envelope
    from onepin._models import ApiKey
    from onepin_sync import OnePinClient as SyncClient

    _, handler = _canned()
    decoder = msgspec.json.Decoder(Envelope[ApiKey])
    url = f"https://api.onepin.ai/api/v1/api-keys/{KEY_ID}"
    # What any client of this API sends; the SDK adds only its retry-count header.
    headers = {
        "Authorization": "Bearer op_live_x",
        "User-Agent": "bench",
        "Accept": "application/json",
    }
    number, repeat = (100, 5) if quick else (500, 15)

    async def run_async() -> dict[str, float]:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            OnePinClient(
                "op_live_x",
                http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
            ) as client,
        ):

            async def bare() -> object:
                response = await http.get(url, headers=headers)
                if response.status_code >= 400:
                    raise RuntimeError(response.status_code)
                return decoder.decode(response.content).data

            return await best_of_async(
                {"onepin": lambda: client.api_keys.get(KEY_ID), "bare httpx": bare},
                number,
                repeat,
            )

    a = anyio.run(run_async)
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as http,
        SyncClient(
            "op_live_x", http_client=httpx.Client(transport=httpx.MockTransport(handler))
        ) as client,
    ):

        def bare_sync() -> object:
            response = http.get(url, headers=headers)
            if response.status_code >= 400:
                raise RuntimeError(response.status_code)
            return decoder.decode(response.content).data

        s = best_of(
            {"onepin": lambda: client.api_keys.get(KEY_ID), "bare httpx": bare_sync},
            number,
            repeat,
        )
    return {
        "name": "per call: api_keys.get() vs bare httpx + msgspec",
        "times_us": {
            "async onepin": a["onepin"] * 1e6,
            "async bare": a["bare httpx"] * 1e6,
            "sync onepin": s["onepin"] * 1e6,
            "sync bare": s["bare httpx"] * 1e6,
        },
        "ratios": {
            "async onepin / bare": a["onepin"] / a["bare httpx"],
            "sync onepin / bare": s["onepin"] / s["bare httpx"],
        },
        "targets": {"async onepin / bare": ("<=", 1.25), "sync onepin / bare": ("<=", 1.25)},
    }


# -- 3 and 4: listings over loopback ------------------------------------------------------------


@contextmanager
def emulator_process(*args: str) -> Iterator[tuple[str, str, str]]:
    """``python -m onepin.testing`` on a free port: (base_url, api key, admin token)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "onepin.testing", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    found: dict[str, str] = {}
    for line in proc.stdout:
        if m := re.search(r"ONEPIN_BASE_URL=(\S+)", line):
            found["url"] = m.group(1)
        if m := re.search(r"ONEPIN_API_KEY=(\S+)", line):
            found["key"] = m.group(1)
        if m := re.search(r"admin token \(/_emulator/\): (\S+)", line):
            found["admin"] = m.group(1)
        if "Press Ctrl-C" in line:
            break
    try:
        yield found["url"], found["key"], found["admin"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def admin(url: str, token: str, method: str, path: str, body: Any) -> Any:
    response = httpx.request(
        method, f"{url}/_emulator/{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()["data"]


def bench_listing(quick: bool) -> Row:
    from onepin import OnePinClient
    from onepin_sync import OnePinClient as SyncClient

    keys, page, latency, concurrency = (5_000, 100, 0.02, 8) if quick else (20_000, 100, 0.02, 8)
    pages = -(-keys // page)
    ideal = pages * latency / concurrency
    out: dict[str, float] = {}
    with emulator_process("--seed-keys", str(keys - 1), "--latency", str(latency)) as (url, key, _):

        async def listing(prefetch: int, sliding: bool) -> float:
            async with OnePinClient(key, base_url=url) as client:
                stream = client.api_keys.list(page_size=page, prefetch=prefetch)
                start = time.perf_counter()
                if sliding:
                    async with stream:
                        n = sum([1 async for _ in stream])
                else:
                    n = sum([1 async for _ in stream])
                elapsed = time.perf_counter() - start
            assert n == keys, n
            return elapsed

        def listing_sync(prefetch: int, sliding: bool) -> float:
            with SyncClient(key, base_url=url) as client:
                stream = client.api_keys.list(page_size=page, prefetch=prefetch)
                start = time.perf_counter()
                if sliding:
                    with stream:
                        n = sum(1 for _ in stream)
                else:
                    n = sum(1 for _ in stream)
                elapsed = time.perf_counter() - start
            assert n == keys, n
            return elapsed

        for side in ("asyncio", "trio", "sync"):
            for label, prefetch, sliding, runs in (
                ("sequential", 1, False, 1),
                (f"windows of {concurrency}", concurrency, False, 3),
                (f"sliding {concurrency}", concurrency, True, 3),
            ):
                if side == "sync":
                    times = [listing_sync(prefetch, sliding) for _ in range(runs)]
                else:
                    times = [
                        anyio.run(listing, prefetch, sliding, backend=side) for _ in range(runs)
                    ]
                out[f"{side} {label}"] = min(times)  # best of a few: a shared machine only slows
    ratios: dict[str, float] = {}
    targets: dict[str, tuple[str, float]] = {}
    for side in ("asyncio", "trio", "sync"):
        seq = out[f"{side} sequential"]
        pre = out[f"{side} sliding {concurrency}"]
        windows = out[f"{side} windows of {concurrency}"]
        ratios[f"{side}: sequential / prefetch"] = seq / pre
        ratios[f"{side}: prefetch / ideal"] = pre / ideal
        ratios[f"{side}: sequential / windows (plain for)"] = seq / windows
        targets[f"{side}: sequential / prefetch"] = (">=", 6.0)
        targets[f"{side}: prefetch / ideal"] = ("<=", 1.3)
    return {
        "name": f"list {keys:,} keys over loopback, {latency * 1000:.0f} ms latency, "
        f"{pages} pages (ideal {ideal:.2f}s)",
        "times_s": out,
        "ratios": ratios,
        "targets": targets,
    }


def bench_rate_limited(quick: bool) -> Row:
    from onepin import OnePinClient

    limit_per_min, window = 3000, 2.0
    keys, page = (2_000, 10) if quick else (6_000, 20)
    requests_needed = keys // page
    with emulator_process(
        "--seed-keys", str(keys - 1), "--rate-limit-window", str(window), "--latency", "0.005"
    ) as (url, _, admin_token):
        limited = admin(
            url,
            admin_token,
            "POST",
            "keys",
            {"name": "limited", "rate_limit_per_min": limit_per_min},
        )

        async def listing() -> float:
            async with OnePinClient(limited["api_key"], base_url=url, max_retry_wait=10) as client:
                start = time.perf_counter()
                n = sum([1 async for _ in client.api_keys.list(page_size=page, status="all")])
                elapsed = time.perf_counter() - start
            assert n == keys + 1, n
            return elapsed

        elapsed = anyio.run(listing)
        log = admin(url, admin_token, "GET", "requests", None)
    statuses = [r["status"] for r in log if r["path"] == "/api/v1/api-keys"]
    too_many = statuses.count(429)
    limit_per_s = limit_per_min / 60
    achieved = (len(statuses) - too_many) / elapsed
    return {
        "name": f"rate-limited listing: {requests_needed} pages, key limited to "
        f"{limit_per_min}/min (window {window:g}s)",
        "times_s": {"listing": elapsed},
        "counts": {"requests": len(statuses), "429 answers": too_many},
        "ratios": {
            "achieved rate / limit": achieved / limit_per_s,
            "429 share": too_many / max(1, len(statuses)),
        },
        "targets": {"achieved rate / limit": (">=", 0.9), "429 share": ("<=", 0.01)},
    }


# -- 5. memory over 1,000,000 keys ---------------------------------------------------------


def memory_child(kind: str, total: int) -> None:
    """Stream ``total`` keys through an in-process transport; print the RSS growth in MiB."""
    from onepin import OnePinClient
    from onepin_sync import OnePinClient as SyncClient

    items = msgspec.json.encode([key_json(i) for i in range(100)])

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, content=page_bytes(offset, 100, total, items))

    page_mib = resource.getpagesize() / 2**20
    peak = [0.0]

    def rss_mib() -> float:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[1]) * page_mib
        peak[0] = max(peak[0], current)
        return current

    base = rss_mib()  # before any client exists
    if kind == "sync":
        with (
            SyncClient(
                "op_live_x", http_client=httpx.Client(transport=httpx.MockTransport(handler))
            ) as c,
            c.api_keys.list(page_size=100, prefetch=8) as stream,
        ):
            n = sum(1 for _ in stream)
    else:

        async def run() -> int:
            async with (
                OnePinClient(
                    "op_live_x",
                    http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
                ) as c,
                c.api_keys.list(page_size=100, prefetch=8) as stream,
            ):
                count = 0
                async for _ in stream:
                    count += 1
                    if count % 10_000 == 0:
                        rss_mib()
                return count

        n = anyio.run(run)
    assert n == total, n
    rss_mib()
    print(json.dumps({"growth_mib": peak[0] - base, "peak_mib": peak[0], "base_mib": base}))


def bench_memory(quick: bool) -> Row:
    total = 200_000 if quick else 1_000_000
    growth: dict[str, float] = {}
    for kind in ("async", "sync"):
        result = subprocess.run(
            [sys.executable, __file__, "--memory-child", kind, str(total)],
            capture_output=True,
            text=True,
            check=True,
        )
        growth[kind] = json.loads(result.stdout)["growth_mib"]
    return {
        "name": f"peak memory growth streaming {total:,} keys (in-process transport)",
        "mib": growth,
        "ratios": {f"{k} growth MiB": v for k, v in growth.items()},
        "targets": {f"{k} growth MiB": ("<=", 50.0) for k in growth},
    }


# -- 6. import time ------------------------------------------------------------------------------


def bench_import(quick: bool) -> Row:
    # Compare like with like: the dependencies were byte-compiled when installed,
    # so compile this checkout too (an editable install is not, and
    # PYTHONDONTWRITEBYTECODE would otherwise recompile it on every start).
    import compileall

    for package in ("onepin", "onepin_sync"):
        compileall.compile_dir(ROOT / package, quiet=1)
    snippets = {
        "python -c pass": "pass",
        "deps alone": "import anyio, httpx, msgspec, tenacity",
        "from onepin import OnePinClient": "from onepin import OnePinClient",
        "import onepin_sync": "import onepin_sync",
    }
    runs: dict[str, list[float]] = {k: [] for k in snippets}
    for _ in range(8 if quick else 25):
        for name, code in snippets.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            runs[name].append(time.perf_counter() - start)
    # The fastest of many fresh interpreters: noise on a shared machine only adds time.
    med = {k: min(v) for k, v in runs.items()}
    base = med["python -c pass"]
    deps = med["deps alone"] - base
    return {
        "name": "import time (fastest of fresh interpreters, startup subtracted)",
        "times_ms": {k: (v - base) * 1000 for k, v in med.items() if k != "python -c pass"},
        "ratios": {
            "onepin / deps": (med["from onepin import OnePinClient"] - base) / deps,
            "onepin_sync / deps": (med["import onepin_sync"] - base) / deps,
        },
        "targets": {"onepin / deps": ("<=", 1.15)},
    }


# -- report ---------------------------------------------------------------------------------------


def verdict(value: float, target: tuple[str, float] | None) -> str:
    if target is None:
        return ""
    op, bound = target
    ok = value >= bound if op == ">=" else value <= bound
    return f"{op} {bound:g} {'met' if ok else 'MISSED'}"


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | measure | value | target |", "|---|---|---|---|"]
    for row in rows:
        for i, (name, value) in enumerate(row["ratios"].items()):
            label = row["name"] if i == 0 else ""
            shown = (
                f"{value:.2f}x"
                if "MiB" not in name and "share" not in name
                else (f"{value:.1f}" if "MiB" in name else f"{value:.2%}")
            )
            lines.append(
                f"| {label} | {name} | {shown} | {verdict(value, row['targets'].get(name))} |"
            )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json"
    )
    parser.add_argument(
        "--only", nargs="*", help="run only these (decode per_call listing rate memory import)"
    )
    parser.add_argument(
        "--memory-child", nargs=2, metavar=("KIND", "TOTAL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child[0], int(args.memory_child[1]))
        return 0
    benches = {
        "decode": bench_decode,
        "per_call": bench_per_call,
        "listing": bench_listing,
        "rate": bench_rate_limited,
        "memory": bench_memory,
        "import": bench_import,
    }
    rows = []
    for name, bench in benches.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.append(bench(args.quick))
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"machine": machine(), "quick": args.quick, "results": rows}, indent=2, default=str
        )
    )
    print(f"\nmachine: {machine()}\nwritten: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
