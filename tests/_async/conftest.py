"""Client fixtures: async clients against the emulator served on a loopback socket.

The documented rule: key management takes a session token (``client``); an API
key (``key_client``) asks who it is, and is refused on the key endpoints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from onepin._async import OnePinClient
from onepin.testing import RunningEmulator


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
