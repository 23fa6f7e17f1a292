"""A call on a closed client raises a typed error that says the client is closed."""

from __future__ import annotations

import anyio
import pytest

import onepin
import onepin_sync
from onepin.testing import RunningEmulator


def test_sync_call_after_close(server: RunningEmulator) -> None:
    client = onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    )
    with client:
        client.auth.whoami()
    for call in (
        client.auth.whoami,
        client.api_keys.list_page,
        lambda: list(client.api_keys.list()),
    ):
        with pytest.raises(onepin.OnePinError, match="closed"):
            call()
    client.close()  # closing twice is fine


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_async_call_after_close(server: RunningEmulator, backend: str) -> None:
    async def main() -> None:
        client = onepin.OnePinClient(
            server.emulator.bootstrap.session_token, base_url=server.base_url
        )
        async with client:
            await client.auth.whoami()
        with pytest.raises(onepin.OnePinError, match="closed"):
            await client.auth.whoami()
        with pytest.raises(onepin.OnePinError, match="closed"):
            await client.with_options(max_retries=0).api_keys.get("x")
        await client.aclose()

    anyio.run(main, backend=backend)


def test_copy_closing_leaves_the_pool_open(server: RunningEmulator) -> None:
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    ) as client:
        with client.with_options(max_retries=0) as copy:
            copy.auth.whoami()
        assert client.auth.whoami().auth_kind
