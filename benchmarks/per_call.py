"""Row: the client-side cost of one call, ``api_keys.get()``, with no network.

Every side talks to the same ``httpx.MockTransport`` answering canned bytes,
so only client work is compared: the SDK (headers, auth, status check,
decoding; no retry machinery unless an attempt fails) against a bare httpx
request decoded by msgspec structs like the SDK's and by pydantic v2 models
(what a user would write). CPU time of one process, the sides interleaved in
blocks of calls, every side warmed by a block before the clocked rounds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import msgspec

from benchmarks._harness import Line, Row, Target, seconds_per_call, seconds_per_call_async
from benchmarks._payloads import KEY_ID, bare_envelope, key_bytes, pydantic_envelope

URL = f"https://api.onepin.ai/api/v1/api-keys/{KEY_ID}"
# What any client of this API sends; the SDK adds only its retry-count header.
FAKE_KEY = "op_live_x"
HEADERS = {
    "Authorization": f"Bearer {FAKE_KEY}",
    "User-Agent": "bench",
    "Accept": "application/json",
}


def _transport() -> httpx.MockTransport:
    body = key_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def _decoders() -> dict[str, Callable[[bytes], object]]:
    bare = msgspec.json.Decoder(bare_envelope(listing=False))
    model: Any = pydantic_envelope(listing=False)
    return {
        "httpx + msgspec": lambda body: bare.decode(body).data,  # type: ignore[attr-defined]
        "httpx + pydantic": lambda body: model.model_validate_json(body).data,
    }


async def _async_side(number: int, rounds: int) -> dict[str, float]:
    from onepin import OnePinClient

    async with (
        httpx.AsyncClient(transport=_transport()) as http,
        OnePinClient(FAKE_KEY, http_client=httpx.AsyncClient(transport=_transport())) as client,
    ):

        def by_hand(decode: Callable[[bytes], object]) -> Callable[[], Awaitable[object]]:
            async def call() -> object:
                response = await http.get(URL, headers=HEADERS)
                response.raise_for_status()
                return decode(response.content)

            return call

        fns: dict[str, Callable[[], Awaitable[object]]] = {
            "onepin": lambda: client.api_keys.get(KEY_ID)
        }
        fns |= {name: by_hand(decode) for name, decode in _decoders().items()}
        return await seconds_per_call_async(fns, number, rounds)


def _sync_side(number: int, rounds: int) -> dict[str, float]:
    from onepin_sync import OnePinClient

    with (
        httpx.Client(transport=_transport()) as http,
        OnePinClient(FAKE_KEY, http_client=httpx.Client(transport=_transport())) as client,
    ):

        def by_hand(decode: Callable[[bytes], object]) -> Callable[[], object]:
            def call() -> object:
                response = http.get(URL, headers=HEADERS)
                response.raise_for_status()
                return decode(response.content)

            return call

        fns: dict[str, Callable[[], object]] = {"onepin": lambda: client.api_keys.get(KEY_ID)}
        fns |= {name: by_hand(decode) for name, decode in _decoders().items()}
        return seconds_per_call(fns, number, rounds)


def bench(quick: bool) -> Row:
    """Median CPU microseconds per call, async and sync, interleaved within each."""
    number, rounds = (100, 5) if quick else (1000, 21)
    anyio.run(_async_side, number, 1)  # warm-up: every side's first calls, unclocked
    _sync_side(number, 1)
    sides = {"async": anyio.run(_async_side, number, rounds), "sync": _sync_side(number, rounds)}
    row = Row(
        "per call: api_keys.get() over a mock transport (CPU time, medians of interleaved "
        "blocks in one process)"
    )
    for side, t in sides.items():
        row.lines += [
            Line(
                f"{side}: onepin / httpx + msgspec",
                t["onepin"] / t["httpx + msgspec"],
                target=Target("<=", 1.15),
            ),
            Line(
                f"{side}: onepin / httpx + pydantic",
                t["onepin"] / t["httpx + pydantic"],
                target=Target("<", 1.0),
            ),
            Line(f"{side}: onepin", t["onepin"] * 1e6, "us"),
        ]
        row.raw[side] = {name: v * 1e6 for name, v in t.items()}
    return row
