"""Shared fixtures: a fresh emulator per test, served in-process or over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onepin.testing import Emulator, RunningEmulator


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on asyncio and on trio."""
    return str(request.param)


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator with only the bootstrap account."""
    return Emulator()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningEmulator]:
    """``emulator`` served by uvicorn on a loopback port."""
    with emulator.serve() as running:
        yield running
