"""A client that made calls keeps working on both sides of ``os.fork()``.

Batch jobs (``multiprocessing``, Dask, Ray) fork a process whose client already
holds pooled connections. The child must start a pool of its own and never
touch the parent's sockets: sharing one socket between two processes mixes up
their answers (``get(A)`` returning B) or leaves a call waiting for an answer
the other process read.
"""

from __future__ import annotations

import gc
import sys

import anyio
import pytest

import onepin
import onepin_sync
from onepin.testing import RunningEmulator
from tests.reliability._helpers import run_in_fork

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.fork() is POSIX only")

CALLS = 100  # a shared socket mixes answers up from the first call on


def _keys(server: RunningEmulator) -> tuple[str, str]:
    a = server.emulator.create_key(name="fork-a")
    b = server.emulator.create_key(name="fork-b")
    return a.id, b.id


def _check_sync(client: onepin_sync.OnePinClient, order: tuple[str, str]) -> str:
    for i in range(CALLS):
        want = order[i % 2]
        got = client.api_keys.get(want).id
        if got != want:
            return f"call {i}: get({want}) returned {got}"
    return "ok"


async def _check_async(client: onepin.OnePinClient, order: tuple[str, str]) -> str:
    for i in range(CALLS):
        want = order[i % 2]
        got = (await client.api_keys.get(want)).id
        if got != want:
            return f"call {i}: get({want}) returned {got}"
    return "ok"


def test_sync_client_after_fork(server: RunningEmulator) -> None:
    a, b = _keys(server)
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, timeout=3, max_retries=0
    ) as client:
        assert client.api_keys.get(a).id == a  # the pool now holds a kept-alive connection
        child, parent = run_in_fork(
            lambda: _check_sync(client, (b, a)), lambda: _check_sync(client, (a, b)), limit=30
        )
        assert (child, parent) == ("ok", "ok")
        assert client.api_keys.get(b).id == b  # and the parent's pool still works after


# The first loop's kept-alive socket dies with that loop's pool: its finaliser warns.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_async_client_after_fork(server: RunningEmulator, backend: str) -> None:
    verdicts = _async_calls_on_both_sides_of_a_fork(server, backend)
    gc.collect()  # the first loop's pool goes with the client: here, where its warning is expected
    assert verdicts == ("ok", "ok")


def _async_calls_on_both_sides_of_a_fork(server: RunningEmulator, backend: str) -> tuple[str, str]:
    a, b = _keys(server)
    client = onepin.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, timeout=3, max_retries=0
    )

    async def first() -> str:
        return (await client.api_keys.get(a)).id

    async def then_close(order: tuple[str, str]) -> str:
        try:
            return await _check_async(client, order)
        finally:
            await client.aclose()

    assert anyio.run(first, backend=backend) == a
    # Each process goes on in an event loop of its own, as a forked worker does.
    return run_in_fork(
        lambda: anyio.run(then_close, (b, a), backend=backend),
        lambda: anyio.run(then_close, (a, b), backend=backend),
        limit=30,
    )


def test_a_fork_while_another_thread_holds_the_pacers_lock(server: RunningEmulator) -> None:
    # The pacer's lock is taken for every paced call, by any thread: one may hold it at
    # the fork. The child's copy of a held lock is never released; it must get its own.
    import threading

    token = server.emulator.bootstrap.session_token
    with onepin_sync.OnePinClient(token, base_url=server.base_url) as client:
        pacer = client._pacer
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with pacer._lock:
                held.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(10)
        try:
            child, parent = run_in_fork(
                lambda: "ok" if pacer.reserve() == 0.0 else "a wait", lambda: "ok", limit=5
            )
        finally:
            release.set()
            holder.join()
    assert (child, parent) == ("ok", "ok")
