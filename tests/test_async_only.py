"""Async-only behaviour: cancellation passes through retries and prefetch windows."""

from __future__ import annotations

import anyio
import pytest

from onepin import OnePinClient
from onepin.testing import Fault, RunningEmulator

pytestmark = pytest.mark.anyio


async def test_cancellation_is_never_retried(server: RunningEmulator) -> None:
    server.emulator.inject(Fault.latency(0.5, times=None))
    async with OnePinClient(server.emulator.bootstrap.session_token, base_url=server.base_url) as c:
        with anyio.move_on_after(0.1) as scope:
            await c.auth.whoami()
        assert scope.cancelled_caught
        await anyio.sleep(0.8)  # let the server finish (and log) the abandoned request
        server.emulator.clear_faults()
        assert (await c.auth.whoami()).auth_kind == "clerk"
    retry_counts = [r.headers["x-onepin-retry-count"] for r in server.emulator.requests]
    assert retry_counts == ["0", "0"]  # the cancelled attempt was not retried


async def test_cancelling_a_prefetch_window_leaves_the_client_usable(
    server: RunningEmulator,
) -> None:
    server.emulator.seed_keys(200)
    async with OnePinClient(server.emulator.bootstrap.session_token, base_url=server.base_url) as c:
        stream = c.api_keys.list(page_size=10, max_concurrency=8)
        first = await stream.__anext__()
        server.emulator.inject(Fault.latency(1.0, times=None))
        with anyio.move_on_after(0.2) as scope:
            async for _ in stream:
                pass
        assert scope.cancelled_caught
        assert first.name == "bootstrap"
        server.emulator.clear_faults()
        assert (await c.auth.whoami()).auth_kind == "clerk"


async def test_deadline_is_a_hard_limit_on_async(server: RunningEmulator) -> None:
    server.emulator.inject(Fault.latency(1.0, times=None))
    async with OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, deadline=0.2, timeout=30
    ) as c:
        from onepin import APITimeoutError

        with anyio.fail_after(1.5), pytest.raises(APITimeoutError, match="deadline"):
            await c.auth.whoami()


async def test_cancelling_a_sliding_window_cancels_its_requests(server: RunningEmulator) -> None:
    server.emulator.seed_keys(200)
    async with OnePinClient(server.emulator.bootstrap.session_token, base_url=server.base_url) as c:
        with anyio.move_on_after(0.3) as scope:
            async with c.api_keys.list(page_size=10, max_concurrency=8) as keys:
                await keys.__anext__()
                server.emulator.inject(Fault.latency(1.0, times=None))
                async for _ in keys:
                    pass
        assert scope.cancelled_caught
        server.emulator.clear_faults()
        assert (await c.auth.whoami()).auth_kind == "clerk"
