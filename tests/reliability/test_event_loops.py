"""An async client met by a second event loop works there, or says what to do.

Scripts call ``anyio.run`` more than once, sometimes on another backend, with
one client. Either that call works (a pool per loop) or it raises a typed
``OnePinError`` that says what to do; ``aclose()`` never raises.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import anyio
import pytest

import onepin
from onepin.testing import Emulator, RunningEmulator
from tests._sockets import client_sockets

# The first loop's kept-alive sockets die with it: their finaliser may warn.
# Each test collects them before it ends, so no warning reaches a later test.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _collect_dead_loops_sockets() -> Iterator[None]:
    yield
    gc.collect()


async def _whoami(client: onepin.OnePinClient) -> str:
    try:
        return (await client.auth.whoami()).auth_kind
    except onepin.OnePinError as exc:
        return f"typed: {type(exc).__name__}: {exc}"


@pytest.mark.parametrize(
    ("first", "second"),
    [("asyncio", "asyncio"), ("asyncio", "trio"), ("trio", "asyncio"), ("trio", "trio")],
)
def test_second_event_loop(server: RunningEmulator, first: str, second: str) -> None:
    client = onepin.OnePinClient(server.emulator.bootstrap.api_key, base_url=server.base_url)
    assert anyio.run(_whoami, client, backend=first) == "api_key"
    outcome = anyio.run(_whoami, client, backend=second)  # an untyped error escapes here
    assert outcome == "api_key" or "event loop" in outcome, outcome
    anyio.run(client.aclose, backend=second)  # never raises
    anyio.run(client.aclose, backend=first)  # not even twice, from yet another loop


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_aclose_from_another_loop_never_raises(server: RunningEmulator, backend: str) -> None:
    client = onepin.OnePinClient(server.emulator.bootstrap.api_key, base_url=server.base_url)
    assert anyio.run(_whoami, client, backend=backend) == "api_key"
    anyio.run(client.aclose, backend="asyncio")


def test_listing_across_loops(server: RunningEmulator) -> None:
    server.emulator.seed_keys(30)
    token = server.emulator.bootstrap.session_token  # listing keys takes a session token
    client = onepin.OnePinClient(token, base_url=server.base_url)

    async def count() -> int:
        try:
            return len([k async for k in client.api_keys.list(page_size=7, max_concurrency=3)])
        except onepin.OnePinError:
            return -1

    assert anyio.run(count, backend="asyncio") == 31
    assert anyio.run(count, backend="trio") in (31, -1)
    anyio.run(client.aclose, backend="trio")


def test_one_pool_per_loop_across_threads(server: RunningEmulator) -> None:
    """One async client, four threads each running its own loop: four pools, each reused."""
    import threading

    client = onepin.OnePinClient(server.emulator.bootstrap.api_key, base_url=server.base_url)
    made: list[object] = []
    import onepin._transport as transport

    original = transport.AsyncTransport.__init__

    def counting(self: transport.AsyncTransport, *, https: bool) -> None:
        made.append(self)
        original(self, https=https)

    outcomes: list[str] = []
    all_done = threading.Barrier(4)

    async def calls() -> None:
        for _ in range(25):
            outcomes.append(await _whoami(client))
        await anyio.to_thread.run_sync(all_done.wait)  # no loop closes before all are done
        await client.aclose()  # closes this loop's pool

    def thread() -> None:
        anyio.run(calls)

    transport.AsyncTransport.__init__ = counting  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=thread) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        transport.AsyncTransport.__init__ = original  # type: ignore[method-assign]
    assert outcomes.count("api_key") == 100, outcomes[:3]
    assert len(made) == 4


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_client_keeps_no_pool_of_an_ended_loop(emulator: Emulator, backend: str) -> None:
    # A server of its own: the sockets it counts are this client's alone.
    with emulator.serve() as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        client = onepin.OnePinClient(emulator.bootstrap.api_key, base_url=server.base_url)
        for _ in range(5):  # five anyio.run calls with one client, none closing it
            assert anyio.run(_whoami, client, backend=backend) == "api_key"
        gc.collect()
        assert client_sockets(port) <= 1  # the last loop's pool at most, not one per loop
        anyio.run(client.aclose, backend=backend)
