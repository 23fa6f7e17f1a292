"""Fixtures of the emulator's own tests: each runs in-process and over a real socket."""

from __future__ import annotations

import functools
import ssl
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


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


@pytest.fixture
async def http(emulator: Emulator, base: str) -> AsyncIterator[httpx.AsyncClient]:
    token = emulator.bootstrap.session_token
    headers = {"Authorization": f"Bearer {token}"}
    if base:
        # One TLS context for every client: httpx would load the CA bundle for each
        # (about 0.1 s), though these URLs are plain http on loopback.
        client = httpx.AsyncClient(base_url=base, headers=headers, verify=_tls())
    else:
        client = httpx.AsyncClient(
            base_url=emulator.base_url, headers=headers, transport=emulator.transport()
        )
    async with client:
        yield client
