"""Client fixtures: an async client against the emulator served on a loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from onepin._async import OnePinClient
from onepin.testing import RunningEmulator


@pytest.fixture
async def client(server: RunningEmulator) -> AsyncIterator[OnePinClient]:
    """A client with the bootstrap (all-scopes) key and fast retries."""
    async with OnePinClient(
        server.emulator.bootstrap.api_key, base_url=server.base_url, timeout=10
    ) as c:
        yield c
