"""Shared fixtures: a fresh emulator per test, served in-process or over a real socket.

One uvicorn server listens per test session (per xdist worker); each test's
``server`` points it at that test's fresh ``emulator``, so a test gets a real
loopback socket without paying for a server start (as httpx's own suite does).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from onepin.testing import Emulator, EmulatorProcess, RunningEmulator
from onepin.testing._asgi import App, Receive, Scope, Send
from onepin.testing._serve import ThreadServer


class Switch:
    """An ASGI app that hands every request to the emulator of the test running now.

    Between tests (a late request of a test already over) it answers 503, so
    nothing reaches the next test's emulator.
    """

    def __init__(self) -> None:
        self.app: App | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b"no test is running"})


class SessionSocket:
    """The session's one uvicorn server, on a loopback port, and its switch."""

    def __init__(self) -> None:
        self.switch = Switch()
        self._server = ThreadServer(self.switch, admin_token="")

    def __enter__(self) -> SessionSocket:
        self._server.start()
        self.port = int(self._server.base_url.rsplit(":", 1)[1])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()


class SharedRunningEmulator(RunningEmulator):
    """``emulator`` served by the session's server: ``start`` routes to it, ``stop`` away."""

    def __init__(self, emulator: Emulator, socket: SessionSocket) -> None:
        super().__init__(emulator, "127.0.0.1", socket.port)
        self._switch = socket.switch

    def start(self) -> None:
        """Route the session server's requests to this emulator."""
        self._switch.app = self.emulator.app

    def stop(self) -> None:
        """Stop routing to this emulator (later requests get a 503)."""
        if self._switch.app is self.emulator.app:
            self._switch.app = None


# No per-example time limit: under coverage tracing, with more workers than cores,
# an example's time says nothing about the code (speed claims live in benchmarks).
settings.register_profile("suite", parent=settings(), deadline=None)  # on the active profile
settings.load_profile("suite")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test on asyncio and on trio."""
    return str(request.param)


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator with only the bootstrap account."""
    return Emulator()


@pytest.fixture(scope="session")
def session_socket() -> Iterator[SessionSocket]:
    """The one uvicorn server of this session (of this xdist worker)."""
    with SessionSocket() as socket:
        yield socket


@pytest.fixture
def server(emulator: Emulator, session_socket: SessionSocket) -> Iterator[RunningEmulator]:
    """``emulator`` served over a real loopback socket (the session's uvicorn server)."""
    with SharedRunningEmulator(emulator, session_socket) as running:
        yield running


# -- how many servers a run starts (summed over the xdist workers) -----------------

_STARTS = {"uvicorn servers": 0, "emulator processes": 0}


def _counted(cls: type[ThreadServer] | type[EmulatorProcess], what: str) -> None:
    start = cls.start

    @functools.wraps(start)
    def counting_start(self: Any) -> None:
        _STARTS[what] += 1
        start(self)

    cls.start = counting_start  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    """Count every server start of this process."""
    _counted(ThreadServer, "uvicorn servers")
    _counted(EmulatorProcess, "emulator processes")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker hands its counts to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["server_starts"] = dict(_STARTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The controller adds up what each worker started."""
    for what, count in node.workeroutput.get("server_starts", {}).items():
        _STARTS[what] += count


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many servers the run started."""
    counts = ", ".join(f"{count} {what}" for what, count in _STARTS.items())
    terminalreporter.write_line(f"servers started: {counts}")
