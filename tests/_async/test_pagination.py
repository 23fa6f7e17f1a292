"""``api_keys.list()``: sequential and concurrent streams, edge cases, fallback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from onepin import KeyStatus, NotFoundError
from onepin._async import OnePinClient
from onepin.testing import Emulator, ResetFormat, RunningEmulator

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/api-keys"


def list_requests(emulator: Emulator) -> list[dict[str, str]]:
    return [r.query for r in emulator.requests if r.path == KEYS]


async def names(client: OnePinClient, **kwargs: Any) -> list[str]:
    return [k.name async for k in client.api_keys.list(**kwargs)]


async def test_no_keys(local_client: OnePinClient, emulator: Emulator) -> None:
    assert await names(local_client, status=KeyStatus.REVOKED) == []
    assert len(list_requests(emulator)) == 1


async def test_exactly_one_page_makes_one_request(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(9)  # 10 with the bootstrap key
    assert len(await names(local_client, page_size=10)) == 10
    assert len(list_requests(emulator)) == 1


@pytest.mark.parametrize("max_concurrency", [1, 8])
async def test_partial_last_page(
    local_client: OnePinClient, emulator: Emulator, max_concurrency: int
) -> None:
    emulator.seed_keys(24)
    got = await names(local_client, page_size=10, max_concurrency=max_concurrency)
    assert got == ["bootstrap"] + [f"seed-{n:02d}" for n in range(24)]
    # each page overlaps the one before by a key
    assert sorted(int(q["offset"]) for q in list_requests(emulator)) == [0, 9, 18]


@pytest.mark.parametrize("page_size", [1, 100])
async def test_page_sizes(local_client: OnePinClient, emulator: Emulator, page_size: int) -> None:
    emulator.seed_keys(149)
    got = await names(local_client, page_size=page_size)
    assert len(got) == 150
    assert len(set(got)) == 150
    stride = max(page_size, 2) - 1  # each page overlaps the one before by a key
    assert len(list_requests(emulator)) == 1 + -(-(150 - max(page_size, 2)) // stride)


@pytest.mark.parametrize("max_concurrency", [1, 4])
async def test_total_absent_follows_next_links(
    server: RunningEmulator, max_concurrency: int
) -> None:
    server.emulator.count_total = False
    server.emulator.seed_keys(25)
    async with OnePinClient(server.emulator.bootstrap.session_token, base_url=server.base_url) as c:
        stream = c.api_keys.list(page_size=10, max_concurrency=max_concurrency)
        got = [k.name async for k in stream]
    assert len(got) == 26
    assert stream.total is None
    # sequential: one page at a time, no request past the end
    assert [q["offset"] for q in list_requests(server.emulator)] == ["0", "9", "18"]


async def test_total_growing_mid_listing(local_client: OnePinClient, emulator: Emulator) -> None:
    emulator.seed_keys(14)
    stream = local_client.api_keys.list(page_size=5, max_concurrency=1)
    seen = [(await stream.__anext__()).name for _ in range(3)]
    emulator.create_key(name="late-1")
    emulator.create_key(name="late-2")
    seen += [k.name async for k in stream]
    assert len(seen) == 17
    assert seen[-2:] == ["late-1", "late-2"]
    assert stream.total == 17


async def test_total_shrinking_mid_listing(local_client: OnePinClient, emulator: Emulator) -> None:
    emulator.seed_keys(19)
    stream = local_client.api_keys.list(page_size=5, max_concurrency=1)
    first = await stream.__anext__()
    page = await local_client.api_keys.list_page(offset=10, limit=2)
    for key in page.items:
        await local_client.api_keys.delete(key.id)
    rest = [k.id async for k in stream]
    ids = [first.id, *rest]
    assert len(ids) == len(set(ids))  # nothing twice and no endless loop
    assert len(ids) == 18  # the two revoked were not listed yet
    assert stream.total == 20  # the rows walked: every key, whatever its status


async def test_prefetch_keeps_order_and_completeness(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(999)
    stream = local_client.api_keys.list(page_size=25, max_concurrency=8)
    got = [k.name async for k in stream]
    assert got == ["bootstrap"] + [f"seed-{n:03d}" for n in range(999)]
    offsets = sorted(int(q["offset"]) for q in list_requests(emulator))
    assert offsets == list(range(0, 999, 24))  # every page once, one key of overlap
    assert stream.pages_fetched == 42


async def test_early_exit_leaves_nothing_in_flight(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(500)
    got = []
    async for key in local_client.api_keys.list(page_size=10, max_concurrency=4):
        got.append(key.name)
        if len(got) == 15:
            break
    requested = len(list_requests(emulator))
    assert requested <= 1 + 8 * 4  # the first page, then one refill: eight windows at most

    # the same client goes on working: no connection or task was left behind
    assert (await local_client.auth.whoami()).auth_kind == "clerk"
    assert len(list_requests(emulator)) == requested


async def test_status_filter_all(local_client: OnePinClient, emulator: Emulator) -> None:
    doomed = emulator.create_key(name="doomed")
    await local_client.api_keys.delete(doomed.id)
    assert await names(local_client) == ["bootstrap"]
    assert await names(local_client, status="all") == ["bootstrap", "doomed"]
    assert await names(local_client, status=KeyStatus.REVOKED) == ["doomed"]


def skewed_server(total: int, page_limit: int) -> httpx.MockTransport:
    """A server whose pages hold ``page_limit`` items whatever the client asks."""

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        items = [
            {
                "id": f"id-{i}",
                "workspace_id": "ws",
                "name": f"k{i:03d}",
                "active": True,
                "created_at": "2024-04-15T09:30:00Z",
                "updated_at": "2024-04-15T09:30:00Z",
            }
            for i in range(offset, min(offset + page_limit, total))
        ]
        end = offset + len(items)
        nxt = f"https://api.example/api/v1/api-keys?offset={end}&limit={page_limit}"
        body = {
            "data": items,
            "meta": {"request_id": "r"},
            "pagination": {
                "limit": page_limit,
                "total": total,
                "next": nxt if end < total else None,
            },
        }
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


async def test_prefetch_falls_back_when_links_disagree() -> None:
    transport = skewed_server(total=95, page_limit=10)  # the client asks for 20
    async with OnePinClient(
        "op_live_x",
        base_url="https://api.example",
        http_client=httpx.AsyncClient(transport=transport),
    ) as c:
        stream = c.api_keys.list(page_size=20, max_concurrency=4)
        got = [k.name async for k in stream]
    assert got == [f"k{i:03d}" for i in range(95)]


async def test_sliding_window_keeps_order_and_completeness(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(999)
    async with local_client.api_keys.list(page_size=25, max_concurrency=8) as keys:
        got = [k.name async for k in keys]
    assert got == ["bootstrap"] + [f"seed-{n:03d}" for n in range(999)]
    offsets = sorted(int(q["offset"]) for q in list_requests(emulator))
    assert offsets == list(range(0, 999, 24))
    assert keys.pages_fetched == 42


async def test_sliding_window_early_exit_cancels_in_flight(
    local_client: OnePinClient, emulator: Emulator
) -> None:
    emulator.seed_keys(500)
    got = []
    async with local_client.api_keys.list(page_size=10, max_concurrency=4) as keys:
        async for key in keys:
            got.append(key.name)
            if len(got) == 15:
                break
    assert len(got) == 15
    assert [k.name async for k in keys] == []  # a closed stream yields nothing more
    started = len(list_requests(emulator))
    # bounded: the first page, the one consumed after it, and at most twice
    # `max_concurrency` pages requested ahead
    assert started <= 1 + 1 + 2 * 4
    assert (await local_client.auth.whoami()).auth_kind == "clerk"


async def test_sliding_window_cannot_be_opened_twice(client: OnePinClient) -> None:
    stream = client.api_keys.list()
    async with stream:
        with pytest.raises(RuntimeError, match="already open"):
            async with stream:
                pass


async def test_sliding_window_falls_back_when_links_disagree() -> None:
    transport = skewed_server(total=95, page_limit=10)
    async with (
        OnePinClient(
            "op_live_x",
            base_url="https://api.example",
            http_client=httpx.AsyncClient(transport=transport),
        ) as c,
        c.api_keys.list(page_size=20, max_concurrency=4) as keys,
    ):
        got = [k.name async for k in keys]
    assert got == [f"k{i:03d}" for i in range(95)]


async def test_a_failing_page_raises_in_order() -> None:
    ok = skewed_server(total=100, page_limit=10)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("offset") == "45":  # the sixth page
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "gone"}})
        return ok.handle_request(request)

    async with OnePinClient(
        "op_live_x",
        base_url="https://api.example",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    ) as c:
        got: list[str] = []

        async def consume() -> None:
            async with c.api_keys.list(page_size=10, max_concurrency=8) as keys:
                async for key in keys:
                    got.append(key.name)

        with pytest.raises(NotFoundError):
            await consume()
    assert got == [f"k{i:03d}" for i in range(46)]  # up to the anchor the page after starts at


@pytest.mark.parametrize("reset", ["seconds", "epoch"])
async def test_a_rate_limited_listing_is_paced_not_burst(reset: ResetFormat) -> None:
    # Rate limits are per API key: a deployment that lets API keys manage keys.
    emulator = Emulator(
        rate_limit_window=0.5, seed_keys=299, key_management="any", rate_limit_reset=reset
    )
    key = emulator.create_key(name="paced", rate_limit_per_min=2400)  # 20 per 0.5 s window
    with emulator.serve() as server:
        async with (
            OnePinClient(key.api_key, base_url=server.base_url) as c,
            c.api_keys.list(page_size=5, max_concurrency=4, status="all") as keys,
        ):
            got = [k.name async for k in keys]
    assert len(got) == 301
    statuses = [r.status for r in emulator.requests if r.path == KEYS]
    assert len(statuses) >= 61
    assert statuses.count(429) <= 2  # a burst would draw one 429 per request over the budget
