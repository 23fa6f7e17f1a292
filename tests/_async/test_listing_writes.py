"""Exact listings while keys are revoked and created between pages, in every form.

Every key in the requested status from the start of a listing to its end must
come out exactly once, and no id twice, whether the listing is iterated
directly, opened as a block, or split into shards.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from onepin._async import OnePinClient
from onepin.testing import Emulator

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/api-keys"

Writer = Callable[[Emulator, list[dict[str, object]]], None]


class WritingTransport(httpx.AsyncBaseTransport):
    """The emulator's in-process transport: once each list page is served, ``writer`` changes
    the keys (no socket: the writes, not the wire, are what these tests are about)."""

    def __init__(self, emulator: Emulator, writer: Writer) -> None:
        self._inner = emulator.transport()
        self._emulator = emulator
        self._writer = writer
        self._lock = threading.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method != "GET" or request.url.path != KEYS:
            return response
        body = await response.aread()
        rows = httpx.Response(200, content=body).json().get("data", [])
        with self._lock:
            self._writer(self._emulator, rows)
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def revoke(emulator: Emulator, key_id: str) -> None:
    principal = emulator.store.authenticate(f"Bearer {emulator.bootstrap.session_token}", None)
    emulator.store.revoke_key(principal, key_id)


def revoke_one_and_create_one(emulator: Emulator, rows: list[dict[str, object]]) -> None:
    """The repro: after each page, revoke a key it listed and create one (the count holds)."""
    active = [r for r in rows if r["active"] and r["id"] != emulator.bootstrap.api_key_id]
    if active:
        revoke(emulator, str(active[0]["id"]))
    emulator.create_key(name="late")


def revoke_one(emulator: Emulator, rows: list[dict[str, object]]) -> None:
    active = [r for r in rows if r["active"] and r["id"] != emulator.bootstrap.api_key_id]
    if active:
        revoke(emulator, str(active[-1]["id"]))


def random_writer(seed: int) -> Writer:
    """Revokes random keys (listed or not) and creates keys, a few after each page."""
    rng = random.Random(seed)

    def write(emulator: Emulator, rows: list[dict[str, object]]) -> None:
        for _ in range(rng.randrange(4)):
            row = emulator.store.list_keys(
                emulator.store.authenticate(f"Bearer {emulator.bootstrap.session_token}", None),
                offset=rng.randrange(1, 1000),
                limit=1,
                status="all",
            )[0]
            if row:
                revoke(emulator, row[0].id)
        for _ in range(rng.randrange(3)):
            emulator.create_key(name="late")

    return write


@asynccontextmanager
async def writing_client(emulator: Emulator, writer: Writer) -> AsyncIterator[OnePinClient]:
    transport = WritingTransport(emulator, writer)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        OnePinClient(
            emulator.bootstrap.session_token, base_url=emulator.base_url, http_client=http
        ) as client,
    ):
        yield client


def usable(emulator: Emulator, key_id: str) -> bool:
    row = emulator.key(key_id)
    return row is not None and row.active and row.revoked_at is None


async def active_now(emulator: Emulator) -> list[str]:
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as http,
        OnePinClient(
            emulator.bootstrap.session_token, base_url=emulator.base_url, http_client=http
        ) as c,
    ):
        return [k.id async for k in c.api_keys.list()]


async def listed(client: OnePinClient, form: str, max_concurrency: int | None = None) -> list[str]:
    stream = client.api_keys.list(page_size=20, max_concurrency=max_concurrency)
    if form == "plain":
        return [k.id async for k in stream]
    async with stream:
        return [k.id async for k in stream]


def check(emulator: Emulator, before: list[str], got: list[str]) -> None:
    assert len(got) == len(set(got)), "a key came out twice"
    throughout = [k for k in before if usable(emulator, k)]
    missed = set(throughout) - set(got)
    assert not missed, f"{len(missed)} keys active throughout never came out"


@pytest.mark.parametrize(("form", "max_concurrency"), [("plain", 1), ("plain", 8), ("block", 8)])
async def test_a_revoke_and_a_create_after_each_page_miss_nothing(
    emulator: Emulator, form: str, max_concurrency: int
) -> None:
    emulator.seed_keys(999)
    before = await active_now(emulator)
    async with writing_client(emulator, revoke_one_and_create_one) as client:
        got = await listed(client, form, max_concurrency)
    assert len(emulator.requests) > 50  # the writes came between many pages
    check(emulator, before, got)
    assert set(got) <= set(before) | {k for k in got if k not in before}


@pytest.mark.parametrize("form", ["plain", "block"])
@pytest.mark.parametrize("seed", [1, 2])
async def test_a_random_writer_makes_no_listing_miss_or_repeat(
    emulator: Emulator, form: str, seed: int
) -> None:
    emulator.seed_keys(999)
    before = await active_now(emulator)
    async with writing_client(emulator, random_writer(seed)) as client:
        got = await listed(client, form)
    check(emulator, before, got)


@pytest.mark.parametrize("writer", [revoke_one, revoke_one_and_create_one])
async def test_shards_under_writes_make_exactly_one_listing(
    emulator: Emulator, writer: Writer
) -> None:
    emulator.seed_keys(999)
    before = await active_now(emulator)
    async with writing_client(emulator, writer) as client:
        shards = await client.api_keys.shards(4)
        parts = []
        for shard in shards:  # one after another: each meets the writes the others made
            parts.append([k.id async for k in client.api_keys.list(shard=shard, page_size=20)])
    got = list(itertools.chain(*parts))
    check(emulator, before, got)
    assert all(parts)
