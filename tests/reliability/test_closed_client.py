"""A call on a closed client raises a typed error that says the client is closed."""

from __future__ import annotations

import anyio
import anyio.lowlevel
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


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_async_call_on_its_way_as_the_client_closes_gets_the_closed_error(
    server: RunningEmulator, backend: str
) -> None:
    async def race(checkpoints: int) -> BaseException | None:
        client = onepin.OnePinClient(
            server.emulator.bootstrap.session_token, base_url=server.base_url, max_retries=0
        )
        outcome: list[BaseException | None] = []

        async def call() -> None:
            try:
                await client.auth.whoami()
            except onepin.OnePinError as exc:
                outcome.append(exc)
            else:
                outcome.append(None)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call)
            for _ in range(checkpoints):  # the call is connecting, or sending
                await anyio.lowlevel.checkpoint()
            await client.aclose()
        return outcome[0]

    async def main() -> None:
        errors = [await race(checkpoints) for checkpoints in [1, 2, 3, 4] * 3]
        assert any(errors)  # the close did cut calls short
        for error in errors:  # each finished first, or says the client is closed
            assert error is None or isinstance(error, onepin.OnePinConfigurationError), error

    anyio.run(main, backend=backend)
