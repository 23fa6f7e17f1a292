"""Fixtures of the emulator's own tests: each runs in-process and over a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from onepin.testing import Emulator, RunningEmulator


@pytest.fixture(params=["inprocess", "socket"])
def base(request: pytest.FixtureRequest, emulator: Emulator) -> str:
    """The base URL, ``inprocess`` (ASGI) or ``socket`` (the ``server`` fixture's uvicorn)."""
    if request.param == "inprocess":
        return ""
    server: RunningEmulator = request.getfixturevalue("server")
    return server.base_url


@pytest.fixture
async def http(emulator: Emulator, base: str) -> AsyncIterator[httpx.AsyncClient]:
    token = emulator.bootstrap.api_key
    headers = {"Authorization": f"Bearer {token}"}
    if base:
        client = httpx.AsyncClient(base_url=base, headers=headers)
    else:
        client = httpx.AsyncClient(
            base_url=emulator.base_url, headers=headers, transport=emulator.transport()
        )
    async with client:
        yield client
