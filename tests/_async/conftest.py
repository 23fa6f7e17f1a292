"""Client fixtures: async clients against the emulator served on a loopback socket.

The documented rule: key management takes a session token (``client``); an API
key (``key_client``) asks who it is, and is refused on the key endpoints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from onepin._async import OnePinClient
from onepin.testing import Emulator, RunningEmulator


@pytest.fixture
async def client(server: RunningEmulator) -> AsyncIterator[OnePinClient]:
    """A client with the bootstrap account's session token (it manages keys)."""
    async with OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def key_client(server: RunningEmulator) -> AsyncIterator[OnePinClient]:
    """A client with the bootstrap (all-scopes) API key: whoami, not key management."""
    async with OnePinClient(
        server.emulator.bootstrap.api_key, base_url=server.base_url, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def local_client(emulator: Emulator) -> AsyncIterator[OnePinClient]:
    """``client`` over the emulator's in-process transport: for tests that move many keys.

    No socket, the same SDK above it; a socket would only make those tests slower.
    """
    async with (
        httpx.AsyncClient(transport=emulator.transport()) as http,
        OnePinClient(
            emulator.bootstrap.session_token, base_url=emulator.base_url, http_client=http
        ) as c,
    ):
        yield c
