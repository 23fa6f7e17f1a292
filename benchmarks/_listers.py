"""Ways to list every key, each run in a fresh interpreter by the listing rows.

- ``sdk``: the SDK's stream with its defaults, plain ``for`` or ``with``, on
  asyncio, trio or the sync twin;
- ``by_hand``: what a user writes without the SDK: ``httpx`` and a bounded
  gather of 8 over offset pages (8 threads for blocking code), each page
  decoded with pydantic v2 models (the hand-written baseline) or with bare
  msgspec structs like the SDK's (the bare loop, whose CPU is the floor's).

Each returns a ``Run``: wall and client-process CPU time from the first request
of the listing to the last key. Every side builds its client and makes one
call (``whoami``) before its clocks start, so imports, the TLS context and the
first connection are not counted here (the start-up row counts them).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio
import httpx
import msgspec

from benchmarks._emulator import Server
from benchmarks._payloads import LIST_PATH, bare_envelope, pydantic_envelope

if TYPE_CHECKING:
    from onepin import ApiKey

Backend = Literal["asyncio", "trio", "sync"]
Form = Literal["for", "with"]
FORMS: tuple[tuple[Backend, Form], ...] = (
    ("asyncio", "for"),
    ("asyncio", "with"),
    ("trio", "for"),
    ("trio", "with"),
    ("sync", "for"),
    ("sync", "with"),
)
"""Every default form of a listing: plain iteration and the block, on each backend."""
Decoding = Literal["pydantic", "msgspec"]

PAGE_SIZE = 100
WHOAMI = "/api/v1/auth/whoami"
BY_HAND_CONCURRENCY = 8


@dataclass(frozen=True)
class Run:
    """One listing: seconds, client CPU seconds, keys seen, and what a visitor found."""

    wall: float
    cpu: float
    keys: int
    found: int = 0


class Visit(Protocol):
    """Work done on every key of a listing, with a picklable summary."""

    def __call__(self, key: ApiKey) -> None:
        """Look at one key."""
        ...

    def result(self) -> int:
        """What the visits found, as one number."""
        ...


class Digest:
    """An order-free checksum of the ids seen: equal sets of ids give equal digests."""

    def __init__(self) -> None:
        self.value = 0

    def __call__(self, key: ApiKey) -> None:
        self.value ^= zlib.crc32(key.id.encode())

    def result(self) -> int:
        return self.value


class Clock:
    """Wall and process CPU clocks started together."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def run(self, keys: int, found: int = 0) -> Run:
        """A ``Run`` of ``keys`` keys, timed from the start of the clocks."""
        return Run(time.perf_counter() - self.wall, time.process_time() - self.cpu, keys, found)


# -- the SDK -------------------------------------------------------------------------


def sdk(
    server: Server,
    backend: Backend,
    form: Form,
    visit: Visit | None = None,
    options: dict[str, Any] | None = None,
) -> Run:
    """List with the SDK's defaults; ``options`` go to ``list()`` (a shard's range)."""
    if backend == "sync":
        return _sdk_sync(server, form, visit, options or {})
    return anyio.run(_sdk_async, server, form, visit, options or {}, backend=backend)


async def _sdk_async(
    server: Server, form: Form, visit: Visit | None, options: dict[str, Any]
) -> Run:
    from onepin import OnePinClient

    n = 0
    async with OnePinClient(server.token, base_url=server.url) as client:
        await client.auth.whoami()  # warmed, as every side is, before the clocks start
        clock = Clock()
        stream = client.api_keys.list(**options)
        if form == "with":
            async with stream as keys:
                async for key in keys:
                    n += 1
                    if visit is not None:
                        visit(key)
        else:
            async for key in stream:
                n += 1
                if visit is not None:
                    visit(key)
        return clock.run(n, visit.result() if visit is not None else 0)


def _sdk_sync(server: Server, form: Form, visit: Visit | None, options: dict[str, Any]) -> Run:
    from onepin_sync import OnePinClient

    n = 0
    with OnePinClient(server.token, base_url=server.url) as client:
        client.auth.whoami()
        clock = Clock()
        stream = client.api_keys.list(**options)
        if form == "with":
            with stream as keys:
                for key in keys:
                    n += 1
                    if visit is not None:
                        visit(key)
        else:
            for key in stream:
                n += 1
                if visit is not None:
                    visit(key)
        return clock.run(n, visit.result() if visit is not None else 0)


# -- by hand ---------------------------------------------------------------------------


def _decoder(decoding: Decoding) -> Callable[[bytes], tuple[int, int | None]]:
    """Decode a page body: (keys in it, the total the server reports)."""
    if decoding == "pydantic":
        model = pydantic_envelope(listing=True)

        def with_pydantic(body: bytes) -> tuple[int, int | None]:
            envelope: Any = model.model_validate_json(body)
            return len(envelope.data), envelope.pagination.total

        return with_pydantic
    decoder: Any = msgspec.json.Decoder(bare_envelope(listing=True))

    def with_msgspec(body: bytes) -> tuple[int, int | None]:
        envelope = decoder.decode(body)
        return len(envelope.data), envelope.pagination.total

    return with_msgspec


def by_hand(server: Server, backend: Literal["asyncio", "sync"], decoding: Decoding) -> Run:
    """A bounded gather of 8 over offset pages (8 threads when blocking)."""
    decode = _decoder(decoding)
    if backend == "sync":
        return _threads(server, decode)
    return anyio.run(_gather, server, decode, backend="asyncio")


def _params(offset: int) -> dict[str, int]:
    return {"offset": offset, "limit": PAGE_SIZE}


async def _gather(server: Server, decode: Callable[[bytes], tuple[int, int | None]]) -> Run:
    import asyncio

    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        (await http.get(WHOAMI)).raise_for_status()
        clock = Clock()
        limit = asyncio.Semaphore(BY_HAND_CONCURRENCY)

        async def page(offset: int) -> tuple[int, int | None]:
            async with limit:
                response = await http.get(LIST_PATH, params=_params(offset))
            response.raise_for_status()
            return decode(response.content)

        n, total = await page(0)
        rest = await asyncio.gather(
            *(page(offset) for offset in range(PAGE_SIZE, total or 0, PAGE_SIZE))
        )
        return clock.run(n + sum(count for count, _ in rest))


def _threads(server: Server, decode: Callable[[bytes], tuple[int, int | None]]) -> Run:
    headers = {"Authorization": f"Bearer {server.token}"}
    with (
        httpx.Client(base_url=server.url, headers=headers) as http,
        ThreadPoolExecutor(BY_HAND_CONCURRENCY) as pool,
    ):
        http.get(WHOAMI).raise_for_status()
        clock = Clock()

        def page(offset: int) -> tuple[int, int | None]:
            response = http.get(LIST_PATH, params=_params(offset))
            response.raise_for_status()
            return decode(response.content)

        n, total = page(0)
        rest = pool.map(page, range(PAGE_SIZE, total or 0, PAGE_SIZE))
        return clock.run(n + sum(count for count, _ in rest))
