"""Fixtures of the emulator's own tests: each runs in-process and over a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from onepin.testing import Emulator


@pytest.fixture(params=["inprocess", "socket"])
def base(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[str]:
    """The base URL, ``inprocess`` (ASGI) or ``socket`` (uvicorn on loopback)."""
    if request.param == "inprocess":
        yield ""
    else:
        with emulator.serve() as running:
            yield running.base_url


@pytest.fixture
async def http(emulator: Emulator, base: str) -> AsyncIterator[httpx.AsyncClient]:
    token = emulator.bootstrap.session_token
    headers = {"Authorization": f"Bearer {token}"}
    if base:
        client = httpx.AsyncClient(base_url=base, headers=headers)
    else:
        client = httpx.AsyncClient(
            base_url=emulator.base_url, headers=headers, transport=emulator.transport()
        )
    async with client:
        yield client
