"""A blocking client used from many threads: close() leaves no socket open, nothing untyped.

Sockets are counted from this process's file descriptors (the client's side of
each connection to the emulator: its remote port is the emulator's), before any
garbage collection; ``ResourceWarning``s are those a collection then emits.
"""

from __future__ import annotations

import gc
import threading
import time
import warnings
from collections.abc import Callable

import pytest

import onepin_sync
from onepin import OnePinError
from onepin.testing import Emulator, Fault, RunningEmulator
from tests._sockets import client_sockets

KEYS = "/api/v1/api-keys"


def scenarios(client: onepin_sync.OnePinClient) -> list[Callable[[], object]]:
    """What the threads do: listings broken off, left open, timed out; copies; plain calls."""
    quick = client.with_options(timeout=0.3, max_retries=0)

    def plain_broken_off() -> None:
        for n, _ in enumerate(client.api_keys.list(page_size=20)):
            if n == 100:
                break

    def block_broken_off() -> None:
        with client.api_keys.list(page_size=20) as keys:
            for n, _ in enumerate(keys):
                if n == 300:
                    break

    def block_never_closed() -> None:
        keys = client.api_keys.list(page_size=20).__enter__()
        for n, _ in enumerate(keys):
            if n == 200:
                break  # the thread ends, its block still open

    def timing_out() -> None:
        with quick.api_keys.list(page_size=20) as keys:
            for _ in keys:
                pass

    def stream_deadline() -> None:
        for _ in client.api_keys.list(page_size=20, deadline=0.05):
            pass

    def copies() -> None:
        copy = client.with_options(max_retries=1)
        copy.auth.whoami()
        copy.api_keys.list_page(limit=5)

    return [plain_broken_off, block_broken_off, block_never_closed, timing_out,
            stream_deadline, copies]  # fmt: skip


@pytest.mark.parametrize("close_after", [0.0, 0.05, 0.3, None])
def test_close_while_threads_list_leaves_no_socket(
    emulator: Emulator, close_after: float | None
) -> None:
    # A server of its own: the sockets it counts are this client's alone.
    with emulator.serve() as server:
        close_while_threads_list(server, close_after)


def close_while_threads_list(server: RunningEmulator, close_after: float | None) -> None:
    server.emulator.seed_keys(400)  # past every break point below (300 the last)
    server.emulator.inject(Fault.latency(0.5, path=KEYS, times=60))
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    token = server.emulator.bootstrap.session_token
    client = onepin_sync.OnePinClient(token, base_url=server.base_url, timeout=1.0, max_retries=1)
    untyped: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            work()
        except OnePinError:
            pass  # a timeout, or the client closed under it: typed
        except BaseException as exc:  # what the test looks for
            untyped.append(exc)

    work = scenarios(client)
    # Many threads make the close land mid-listing; once they end first, two of each will do.
    count = 120 if close_after is not None else 2 * len(work)
    threads = [threading.Thread(target=run, args=(work[i % len(work)],)) for i in range(count)]
    for thread in threads:
        thread.start()
    if close_after is None:  # the threads end first, nothing closed but the client
        for thread in threads:
            thread.join()
    else:
        time.sleep(close_after)
    client.close()
    for thread in threads:
        thread.join()
    assert client_sockets(port) == 0  # 8 stayed open until collected
    assert untyped == []  # httpx's RuntimeError("...client has been closed") came through
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
