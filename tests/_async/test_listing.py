"""Listings at full speed by default: an adaptive window, writes during a listing, ranges."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from onepin import APITimeoutError, KeyRange, OnePinConfigurationError, OnePinError
from onepin._async import OnePinClient, _listing
from onepin._concurrency import AsyncPrefetcher
from onepin._synchronization import async_sleep
from onepin.testing import Emulator, Fault, RunningEmulator

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/api-keys"


class CountingTransport(httpx.AsyncBaseTransport):
    """The emulator's in-process transport, counting the requests it has in flight at once.

    No socket: these tests move thousands of keys to prove how the window schedules
    pages, which a socket would only make slower.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._inner = emulator.transport()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.in_flight += 1
            self.sent += 1
            self.most = max(self.most, self.in_flight)
        try:
            return await self._inner.handle_async_request(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def counted_client(
    emulator: Emulator, **options: Any
) -> AsyncIterator[tuple[OnePinClient, CountingTransport]]:
    """A client over a transport that counts, both closed at the end."""
    transport = CountingTransport(emulator)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        OnePinClient(
            emulator.bootstrap.session_token,
            base_url=emulator.base_url,
            http_client=http,
            **options,
        ) as client,
    ):
        yield client, transport


async def test_plain_iteration_widens_its_window(emulator: Emulator) -> None:
    emulator.seed_keys(1999)
    emulator.latency = 0.1  # round trips long enough to need a wide window
    async with counted_client(emulator) as (client, transport):
        ids = [k.id async for k in client.api_keys.list(page_size=20)]
    assert len(ids) == len(set(ids)) == 2000
    # every page once (each overlaps the one before by a key), none past the end
    assert transport.sent == 1 + -(-1980 // 19)
    assert transport.most >= 16  # widened well beyond a fixed window of 8


async def test_the_sliding_window_widens_too(emulator: Emulator) -> None:
    emulator.seed_keys(1999)
    emulator.latency = 0.1  # round trips long enough to need a wide window
    async with (
        counted_client(emulator) as (client, transport),
        client.api_keys.list(page_size=20) as keys,
    ):
        ids = [k.id async for k in keys]
    assert len(ids) == len(set(ids)) == 2000
    assert transport.most >= 16


@pytest.mark.parametrize("sliding", [False, True])
async def test_max_concurrency_caps_the_window(emulator: Emulator, sliding: bool) -> None:
    emulator.seed_keys(599)
    emulator.latency = 0.01
    async with counted_client(emulator, max_concurrency=3) as (client, transport):
        stream = client.api_keys.list(page_size=20)
        if sliding:
            async with stream:
                ids = [k.id async for k in stream]
        else:
            ids = [k.id async for k in stream]
    assert len(set(ids)) == 600
    assert transport.most <= 3
    async with counted_client(emulator) as (client, transport):
        assert len([k async for k in client.api_keys.list(page_size=20, max_concurrency=2)]) == 600
    assert transport.most <= 2


async def test_leaving_a_plain_loop_early_leaves_nothing_running(emulator: Emulator) -> None:
    emulator.seed_keys(2999)
    emulator.latency = 0.01
    async with counted_client(emulator) as (client, transport):
        n = 0
        async for _ in client.api_keys.list(page_size=10):
            n += 1
            if n == 700:
                break
        assert transport.in_flight == 0
        sent = transport.sent
        await async_sleep(0.1)
        assert transport.sent == sent  # nothing went on in the background
        assert sent < 300  # and it did not read far past what was consumed


def count_refills(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the refills of plain loops (each starts a prefetcher): one item per refill."""
    refills: list[int] = []

    class Counted(AsyncPrefetcher):
        def __init__(self, workers: int) -> None:
            refills.append(workers)
            super().__init__(workers)

    monkeypatch.setattr(_listing, "AsyncPrefetcher", Counted)
    return refills


async def test_plain_iteration_refills_in_few_rounds(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each refill of a plain loop ends by letting its last pages land (a round trip
    # run below the window): it slides over eight windows, not two, while their keys are few.
    refills = count_refills(monkeypatch)
    emulator.seed_keys(1999)
    emulator.latency = 0.02  # round trips that a busy machine's noise does not shrink
    async with counted_client(emulator, max_concurrency=4) as (client, transport):
        ids = [k.id async for k in client.api_keys.list(page_size=20)]
    assert len(set(ids)) == 2000
    pages = 1 + -(-1980 // 19)
    assert transport.sent == pages
    assert len(refills) == 4  # after page one: 32 pages, 32, 32, then the last 9


async def test_a_plain_loop_takes_the_last_pages_in_its_refill(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 78 pages after the first, a refill of 64 (8 windows of 8): all of them in one.
    refills = count_refills(monkeypatch)
    emulator.seed_keys(1500)
    emulator.latency = 0.02
    async with counted_client(emulator, max_concurrency=8) as (client, transport):
        ids = [k.id async for k in client.api_keys.list(page_size=20)]
    assert len(set(ids)) == 1501
    assert transport.sent == 1 + 78
    assert len(refills) == 1


@pytest.mark.parametrize("sliding", [False, True])
async def test_keys_created_during_a_listing_come_once_at_the_end(
    local_client: OnePinClient, emulator: Emulator, sliding: bool
) -> None:
    # Longer than a plain loop's refill (eight windows of 8 pages): keys created once
    # its first refill has landed are still ahead of the listing.
    emulator.seed_keys(999)
    before = [k.id async for k in local_client.api_keys.list()]
    stream = local_client.with_options(max_concurrency=8).api_keys.list(page_size=10)
    got: list[str] = []
    late: list[str] = []

    async def consume() -> None:
        async for key in stream:
            got.append(key.id)
            if len(got) == 50:
                late.extend(emulator.create_key(name=f"late-{i}").id for i in range(30))

    if sliding:
        async with stream:
            await consume()
    else:
        await consume()
    assert len(got) == len(set(got))
    assert got == before + late


class ListServer:
    """A server listing ``items`` with next links; ``after`` changes them mid-listing.

    ``after[offset]`` runs once the page at ``offset`` was served; ``total``, if
    given, is reported instead of the real count (a stale count).
    """

    def __init__(self, items: list[str], *, total: int | None = None) -> None:
        self.items = items
        self.total = total
        self.after: dict[int, Callable[[list[str]], None]] = {}
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        page = self.items[offset : offset + limit]
        end = offset + len(page)
        link = f"https://api.example/api/v1/api-keys?offset={end}&limit={limit}"
        body = {
            "data": [
                {
                    "id": key_id,
                    "workspace_id": "ws",
                    "name": key_id,
                    "active": True,
                    "created_at": "2024-04-15T09:30:00Z",
                    "updated_at": "2024-04-15T09:30:00Z",
                }
                for key_id in page
            ],
            "meta": {"request_id": "r"},
            "pagination": {
                "limit": limit,
                "total": len(self.items) if self.total is None else self.total,
                "next": link if end < len(self.items) else None,
            },
        }
        change = self.after.pop(offset, None)
        if change is not None:
            change(self.items)
        return httpx.Response(200, json=body)


def mock_client(server: ListServer) -> OnePinClient:
    return OnePinClient(
        "op_live_x",
        base_url="https://api.example",
        http_client=httpx.AsyncClient(transport=server.transport),
    )


async def listed(server: ListServer, *, sliding: bool, **kwargs: Any) -> list[str]:
    async with mock_client(server) as c:
        stream = c.api_keys.list(page_size=10, **kwargs)
        if not sliding:
            return [k.id async for k in stream]
        async with stream:
            return [k.id async for k in stream]


@pytest.mark.parametrize("sliding", [False, True])
async def test_a_stale_total_does_not_end_a_listing_that_has_a_next_link(sliding: bool) -> None:
    items = [f"k{i:03d}" for i in range(80)]
    assert await listed(ListServer(list(items), total=50), sliding=sliding) == items


@pytest.mark.parametrize("sliding", [False, True])
async def test_keys_pushed_back_mid_listing_are_not_listed_twice(sliding: bool) -> None:
    items = [f"k{i:03d}" for i in range(200)]
    server = ListServer(list(items))
    server.after[20] = lambda keys: keys.__setitem__(slice(0, 0), ["new-1", "new-2", "new-3"])
    got = await listed(server, sliding=sliding)
    assert len(got) == len(set(got))
    assert [k for k in got if k in items] == items


@pytest.mark.parametrize("sliding", [False, True])
async def test_more_than_a_page_inserted_in_front_makes_it_search_forward(sliding: bool) -> None:
    items = [f"k{i:03d}" for i in range(400)]
    server = ListServer(list(items))
    front = [f"new-{i}" for i in range(25)]  # a newest-first server: more than a page
    server.after[18] = lambda keys: keys.__setitem__(slice(0, 0), front)
    server.after[27] = lambda keys: keys.__setitem__(slice(0, 0), [f"x{i}" for i in range(40)])
    got = await listed(server, sliding=sliding)
    assert len(got) == len(set(got))
    assert [k for k in got if k in items] == items


@pytest.mark.parametrize("sliding", [False, True])
async def test_keys_pulled_forward_mid_listing_are_not_skipped(sliding: bool) -> None:
    items = [f"k{i:03d}" for i in range(200)]
    server = ListServer(list(items))
    server.after[20] = lambda keys: keys.__delitem__(slice(5, 8))  # three deleted
    got = await listed(server, sliding=sliding)
    assert len(got) == len(set(got))
    survivors = [k for k in items if k not in ("k005", "k006", "k007")]
    assert [k for k in got if k in survivors] == survivors


async def test_shards_split_a_listing_exactly(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(1233)
    everything = [k.id async for k in local_client.api_keys.list(status="all")]
    shards = await local_client.api_keys.shards(4, status="all")
    assert len(shards) == 4
    assert all(isinstance(s, KeyRange) for s in shards)
    assert shards[0].start == 0
    assert shards[0].after is None
    assert shards[-1].stop is None  # the last range takes whatever is created meanwhile
    assert shards[-1].until is None
    assert [a.stop for a in shards[:-1]] == [b.start for b in shards[1:]]
    assert [a.until for a in shards[:-1]] == [b.after for b in shards[1:]]
    parts = []
    for shard in shards:
        parts.append([k.id async for k in local_client.api_keys.list(shard=shard)])
    assert [len(p) for p in parts[:-1]] == [309, 309, 309]
    assert list(itertools.chain(*parts)) == everything


async def test_more_shards_than_keys(client: OnePinClient, server: RunningEmulator) -> None:
    shards = await client.api_keys.shards(3)
    assert len(shards) == 3
    assert [s.empty for s in shards] == [False, True, False]
    ids = [[k.id async for k in client.api_keys.list(shard=s)] for s in shards]
    assert list(itertools.chain(*ids)) == [server.emulator.bootstrap.api_key_id]
    with pytest.raises(ValueError, match="shards"):
        await client.api_keys.shards(0)


async def test_aclose_ends_the_stream(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.seed_keys(50)
    stream = client.api_keys.list(page_size=10)
    await stream.__anext__()
    await stream.aclose()
    assert [k async for k in stream] == []


async def test_a_listing_deadline_bounds_the_whole_stream(server: RunningEmulator) -> None:
    server.emulator.seed_keys(1999)
    server.emulator.latency = 0.05  # 200 pages two at a time: about 5 s in all
    async with OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, deadline=5
    ) as client:
        got: list[str] = []

        async def consume() -> None:
            async for key in client.api_keys.list(page_size=10, max_concurrency=2, deadline=0.5):
                got.append(key.id)

        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"listing's deadline of 0\.5s"):
            await consume()
        elapsed = time.monotonic() - started
    assert got  # it listed until the deadline
    assert elapsed < 2.5  # not the 5 s the whole listing takes
    with pytest.raises(OnePinConfigurationError, match="deadline"):
        client.api_keys.list(deadline=0)


async def test_the_clients_deadline_still_bounds_each_page(server: RunningEmulator) -> None:
    server.emulator.seed_keys(99)
    token = server.emulator.bootstrap.session_token
    # Every page after the first is slow (injected before: the window may run ahead).
    server.emulator.inject(Fault.latency(3, path=KEYS, times=None, after=1))
    async with OnePinClient(token, base_url=server.base_url, deadline=0.5, max_retries=0) as client:
        stream = client.api_keys.list(page_size=10, deadline=60)

        async def drain() -> None:
            async for _ in stream:
                pass

        async with stream:
            await stream.__anext__()
            with pytest.raises(APITimeoutError, match=r"call's deadline of 0\.5s"):
                await drain()
        server.emulator.clear_faults()


@pytest.mark.parametrize("client_deadline", [None, 10.0])
async def test_a_listing_deadline_shorter_than_the_clients_wins(
    server: RunningEmulator, client_deadline: float | None
) -> None:
    """The stream's own deadline cuts a slow page short, the client's longer one set or not.

    Retries and their waits included: a page's call never outlasts the listing's end.
    """
    server.emulator.seed_keys(99)
    token = server.emulator.bootstrap.session_token
    # Every page after the first is slow (injected before: the window may run ahead).
    server.emulator.inject(Fault.latency(3, path=KEYS, times=None, after=1))
    async with OnePinClient(token, base_url=server.base_url, deadline=client_deadline) as client:
        got: list[str] = []

        async def drain() -> None:
            async for key in client.api_keys.list(page_size=10, deadline=0.5):
                got.append(key.id)

        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"listing's deadline of 0\.5s"):
            await drain()
        elapsed = time.monotonic() - started
        server.emulator.clear_faults()
    assert len(got) == 10  # the first page, fast; then the slow one, cut short
    assert elapsed < 1.0  # not the 3 s the slow page takes, nor a retry's wait after the end


async def test_closing_the_client_ends_an_open_block_with_the_closed_error(
    server: RunningEmulator,
) -> None:
    server.emulator.seed_keys(999)
    client = OnePinClient(server.emulator.bootstrap.session_token, base_url=server.base_url)
    async with client.with_options(max_retries=0).api_keys.list(page_size=20) as keys:
        listed = 0
        async for _key in keys:
            listed += 1
            if listed == 100:
                break
        await client.aclose()

        async def the_rest() -> int:
            return len([key async for key in keys])

        with pytest.raises(OnePinError, match="closed"):  # not a listing cut short
            await the_rest()
