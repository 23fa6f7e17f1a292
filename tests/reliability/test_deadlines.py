"""``deadline=`` bounds a whole call on both clients, whatever the server does.

A server that sends one byte every 0.4 s never trips a 1 s read timeout; a
rate-limited key's listing would wait a whole window. Either way a call with
``deadline=2`` must end by 2.5 s, in ``APITimeoutError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import onepin
import onepin_sync
from onepin.testing import Emulator, Fault
from tests.reliability._helpers import TOKEN, DripServer

DEADLINE = 2.0
SLACK = 0.5

CALLS: dict[str, Callable[[Any], Any]] = {
    "whoami": lambda c: c.auth.whoami(),
    "list_page": lambda c: c.api_keys.list_page(),
    "create": lambda c: c.api_keys.create(name="n"),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_sync_deadline_against_a_drip(call: str) -> None:
    with (
        DripServer() as server,
        onepin_sync.OnePinClient(
            TOKEN, base_url=server.base_url, deadline=DEADLINE, timeout=1
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises(onepin.APITimeoutError):
            CALLS[call](client)
        assert time.monotonic() - started < DEADLINE + SLACK


@pytest.mark.anyio
@pytest.mark.timeout(20)
@pytest.mark.parametrize("call", ["whoami", "create"])
async def test_async_deadline_against_a_drip(call: str) -> None:
    with DripServer() as server:
        async with onepin.OnePinClient(
            TOKEN, base_url=server.base_url, deadline=DEADLINE, timeout=1
        ) as client:
            started = time.monotonic()
            with pytest.raises(onepin.APITimeoutError):
                await CALLS[call](client)
            assert time.monotonic() - started < DEADLINE + SLACK


def _limited(emu: Emulator) -> str:
    # Two requests per 8 s window: the third page must wait for the next window.
    emu.seed_keys(10)
    return emu.create_key(name="slow", rate_limit_per_min=15).api_key


@pytest.mark.timeout(30)
def test_sync_pacer_respects_the_deadline() -> None:
    emu = Emulator(rate_limit_window=8, key_management="any")  # rate limits are per API key
    token = _limited(emu)
    seen: list[float] = []  # when each key came

    def drain(client: onepin_sync.OnePinClient) -> None:
        for _ in client.api_keys.list(page_size=2, max_concurrency=1):
            seen.append(time.monotonic())

    with (
        emu.serve() as server,
        onepin_sync.OnePinClient(token, base_url=server.base_url, deadline=DEADLINE) as client,
    ):
        with pytest.raises(onepin.APITimeoutError):
            drain(client)
        assert time.monotonic() - seen[-1] < DEADLINE + SLACK
    assert len(seen) >= 2


@pytest.mark.anyio
async def test_async_pacer_respects_the_deadline() -> None:
    emu = Emulator(rate_limit_window=8, key_management="any")  # rate limits are per API key
    token = _limited(emu)
    seen: list[float] = []

    async def drain(client: onepin.OnePinClient) -> None:
        async for _ in client.api_keys.list(page_size=2, max_concurrency=1):
            seen.append(time.monotonic())

    with emu.serve() as server:
        async with onepin.OnePinClient(token, base_url=server.base_url, deadline=DEADLINE) as c:
            with pytest.raises(onepin.APITimeoutError):
                await drain(c)
            assert time.monotonic() - seen[-1] < DEADLINE + SLACK


def test_sync_deadline_over_retry_waits() -> None:
    """Retry-After waits are cut short by the deadline too, ending in APITimeoutError."""
    emu = Emulator()
    emu.inject(Fault.status_code(503, times=None, retry_after=1.5))
    with (
        emu.serve() as server,
        onepin_sync.OnePinClient(
            emu.bootstrap.api_key, base_url=server.base_url, deadline=DEADLINE, max_retries=10
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises((onepin.APITimeoutError, onepin.InternalServerError)):
            client.auth.whoami()
        assert time.monotonic() - started < DEADLINE + SLACK


@pytest.mark.timeout(30)
def test_sync_deadline_counts_the_wait_at_the_pool_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call waiting for a free connection (all taken by slow calls) ends by its deadline."""
    import threading

    import httpx

    import onepin._transport

    monkeypatch.setattr(onepin._transport, "LIMITS", httpx.Limits(max_connections=1))
    emu = Emulator()
    # the hog holds the connection past the bounded call's end (0.3 s + DEADLINE / 2 + SLACK)
    emu.inject(Fault.latency(DEADLINE + SLACK, path="/api/v1/auth/whoami", times=1))
    with (
        emu.serve() as server,
        onepin_sync.OnePinClient(emu.bootstrap.api_key, base_url=server.base_url) as client,
    ):
        hog = threading.Thread(target=client.auth.whoami)  # holds the only connection
        hog.start()
        time.sleep(0.3)
        bounded = client.with_options(deadline=DEADLINE / 2)
        started = time.monotonic()
        with pytest.raises(onepin.APITimeoutError, match="deadline"):
            bounded.api_keys.list_page()
        assert time.monotonic() - started < DEADLINE / 2 + SLACK
        hog.join()
