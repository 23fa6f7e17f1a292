"""The retry policy end to end: counts, waits, idempotency keys, the deadline."""

from __future__ import annotations

import time

import pytest

from onepin import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from onepin._async import OnePinClient
from onepin.testing import Fault, RunningEmulator

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/api-keys"


async def test_idempotent_call_retries_5xx_with_counted_header(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.status_code(503, times=2, retry_after=0))
    me = await client.auth.whoami()
    assert me.auth_kind == "clerk"
    log = server.emulator.requests
    assert [r.status for r in log] == [503, 503, 200]
    assert [r.headers["x-onepin-retry-count"] for r in log] == ["0", "1", "2"]


@pytest.mark.parametrize("status", [408, 500, 502, 504])
async def test_retryable_statuses(
    client: OnePinClient, server: RunningEmulator, status: int
) -> None:
    server.emulator.inject(Fault.status_code(status, retry_after=0))
    await client.api_keys.list_page()
    assert [r.status for r in server.emulator.requests] == [status, 200]


async def test_gives_up_after_max_retries(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.status_code(500, times=None, retry_after=0))
    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=3).auth.whoami()
    assert len(server.emulator.requests) == 4


async def test_max_retries_zero(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.status_code(503, times=None, retry_after=0))
    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=0).auth.whoami()
    assert len(server.emulator.requests) == 1


async def test_4xx_is_never_retried(client: OnePinClient, server: RunningEmulator) -> None:
    with pytest.raises(NotFoundError):
        await client.api_keys.get("00000000-0000-4000-8000-000000000000")
    assert len(server.emulator.requests) == 1


async def test_create_retries_429_with_the_same_idempotency_key(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.status_code(429, method="POST", times=2, retry_after=0))
    created = await client.api_keys.create(name="after-429")
    log = server.emulator.requests
    assert [r.status for r in log] == [429, 429, 201]
    keys = {r.headers["idempotency-key"] for r in log}
    assert len(keys) == 1
    assert created.name == "after-429"


async def test_create_is_not_retried_after_5xx(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.commit_then_fail(method="POST", path=KEYS))
    with pytest.raises(InternalServerError) as info:
        await client.api_keys.create(name="maybe")
    assert info.value.outcome_unknown
    assert "outcome unknown" in str(info.value)
    assert len(server.emulator.requests) == 1


async def test_rotate_is_not_retried_after_a_dropped_connection(
    client: OnePinClient, server: RunningEmulator
) -> None:
    key = server.emulator.create_key(name="r")
    server.emulator.inject(Fault.drop(method="PATCH"))
    with pytest.raises(APIConnectionError) as info:
        await client.api_keys.rotate(key.id)
    assert info.value.outcome_unknown
    assert len(server.emulator.requests) == 1


async def test_trusted_idempotency_keys_make_create_safe_to_retry(
    server: RunningEmulator,
) -> None:
    server.emulator.inject(Fault.commit_then_fail(method="POST", path=KEYS))
    async with OnePinClient(
        server.emulator.bootstrap.session_token,
        base_url=server.base_url,
        trust_idempotency_keys=True,
    ) as c:
        server.emulator.inject(Fault.status_code(503, method="POST", retry_after=0))
        created = await c.api_keys.create(name="exactly-once")
        names = [k.name async for k in c.api_keys.list()]
    assert names.count("exactly-once") == 1
    assert created.api_key.startswith("op_live_")
    posts = [r for r in server.emulator.requests if r.method == "POST"]
    assert [r.status for r in posts] == [500, 503, 201]
    assert len({r.headers["idempotency-key"] for r in posts}) == 1


async def test_get_is_retried_after_a_dropped_connection(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.drop())
    assert (await client.auth.whoami()).auth_kind == "clerk"
    assert [r.status for r in server.emulator.requests] == [None, 200]


async def test_honours_retry_after_ms(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.status_code(429, headers={"retry-after-ms": "150"}))
    start = time.monotonic()
    await client.auth.whoami()
    assert time.monotonic() - start >= 0.15
    first, second = server.emulator.requests
    assert second.at - first.at >= 0.15


async def test_retry_after_beyond_the_cap_raises_at_once(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.status_code(429, retry_after=30))
    start = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        await client.with_options(max_retry_wait=5).auth.whoami()
    assert info.value.retry_after == 30
    assert time.monotonic() - start < 5
    assert len(server.emulator.requests) == 1


async def test_deadline_spans_all_attempts(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.latency(1.0, times=None))
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"deadline|timed out"):
        await client.with_options(deadline=0.5, timeout=10, max_retries=5).auth.whoami()
    assert time.monotonic() - start < 3
    assert len(server.emulator.requests) <= 2


async def test_deadline_stops_retrying_before_a_long_wait(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.status_code(503, times=None, retry_after=2))
    with pytest.raises(InternalServerError):
        await client.with_options(deadline=1.0, max_retries=5).auth.whoami()
    assert len(server.emulator.requests) == 1


async def test_the_retry_loop_is_built_on_the_first_retry_only(
    client: OnePinClient, server: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls that need no retry never touch tenacity; the loops are built once per client."""
    import onepin._async._client as module
    import onepin._retry

    built: list[int] = []
    real = onepin._retry.retry_loops

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "retry_loops", counting)
    await client.auth.whoami()
    with pytest.raises(NotFoundError):
        await client.api_keys.get("00000000-0000-4000-8000-000000000000")
    assert built == []
    server.emulator.inject(Fault.status_code(503, times=2, retry_after=0))
    await client.auth.whoami()
    server.emulator.inject(Fault.status_code(503, times=1, retry_after=0))
    await client.auth.whoami()
    assert built == [1]
    counts = [r.headers["x-onepin-retry-count"] for r in server.emulator.requests[-5:]]
    assert counts == ["0", "1", "2", "0", "1"]
