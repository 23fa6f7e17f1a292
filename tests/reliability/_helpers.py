"""What the reliability tests share: clients of both kinds, a child-process runner."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import anyio
import httpx

import onepin
import onepin_sync

MISSING = "00000000-0000-4000-8000-000000000000"
TOKEN = "op_live_" + "T0kenT0kenT0kenT0kenT0kenT0kenT0"


def run_in_fork(
    child: Callable[[], str], parent: Callable[[], str], *, limit: float
) -> tuple[str, str]:
    """Fork; run ``child`` in the child and ``parent`` here, side by side.

    Each returns a verdict (``"ok"`` or what went wrong). The child's verdict comes
    back through a pipe; a child that outlives ``limit`` seconds is killed and its
    verdict is ``"hung"``.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once (no pytest teardown here)
        os.close(read_end)
        try:
            verdict = child()
        except BaseException:
            verdict = "raised: " + traceback.format_exc()
        os.write(write_end, verdict.encode()[:60000])
        os._exit(0)
    os.close(write_end)
    try:
        mine = parent()
    except Exception:
        mine = "raised: " + traceback.format_exc()
    end = time.monotonic() + limit
    while time.monotonic() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        return "hung", mine
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    return b"".join(chunks).decode() or "child died without a verdict", mine


class DripServer:
    """A loopback HTTP server that answers every request one byte every ``interval`` seconds.

    Each byte comes well within any read timeout, so only a deadline over the
    whole call can end it.
    """

    def __init__(self, interval: float = 0.4) -> None:
        self.interval = interval
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.connections = 0
        host, port = self._listener.getsockname()[:2]
        self.base_url = f"http://{host}:{port}"

    def __enter__(self) -> DripServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._drip, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _drip(self, conn: socket.socket) -> None:
        # A status line, then a header that never ends: no answer ever completes.
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"z" * 200
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request (small: one read holds it)
                for i in range(len(answer)):
                    if self._stop.wait(self.interval):
                        return
                    conn.sendall(answer[i : i + 1])
            except OSError:
                return  # the client gave up and closed


# -- every endpoint, on either client --------------------------------------------

KEY_ID = "11111111-1111-4111-8111-111111111111"

# name -> (call on a client of either kind, whether it creates a secret server-side)
ENDPOINTS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "whoami": (lambda c: c.auth.whoami(), False),
    "list_page": (lambda c: c.api_keys.list_page(limit=5), False),
    "get": (lambda c: c.api_keys.get(KEY_ID), False),
    "create": (lambda c: c.api_keys.create(name="fuzz", rate_limit_per_min=60), True),
    "update": (lambda c: c.api_keys.update(KEY_ID, name="renamed"), False),
    "delete": (lambda c: c.api_keys.delete(KEY_ID), False),
    "rotate": (lambda c: c.api_keys.rotate(KEY_ID), True),
}


def sync_client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> Any:
    """A blocking client whose every request is answered by ``handler``."""
    options.setdefault("max_retries", 0)
    return onepin_sync.OnePinClient(
        TOKEN,
        base_url="http://onepin.test",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **options,
    )


def async_client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> Any:
    """An async client whose every request is answered by ``handler``."""
    options.setdefault("max_retries", 0)
    return onepin.OnePinClient(
        TOKEN,
        base_url="http://onepin.test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        **options,
    )


def call_sync(client: Any, endpoint: str) -> Any:
    """Call ``endpoint`` on a blocking client (a listing is drained)."""
    if endpoint == "list":
        return list(client.api_keys.list(page_size=5, max_concurrency=2))
    return ENDPOINTS[endpoint][0](client)


async def call_async(client: Any, endpoint: str) -> Any:
    """Call ``endpoint`` on an async client (a listing is drained)."""
    if endpoint == "list":
        return [k async for k in client.api_keys.list(page_size=5, max_concurrency=2)]
    return await ENDPOINTS[endpoint][0](client)


ALL_ENDPOINTS = [*ENDPOINTS, "list"]


def outcome_sync(handler: Callable[[httpx.Request], httpx.Response], endpoint: str) -> Any:
    """The result of ``endpoint`` against ``handler``, or the ``OnePinError`` it raised."""
    with sync_client(handler) as client:
        try:
            return call_sync(client, endpoint)
        except onepin.OnePinError as exc:
            return exc


def outcome_async(
    handler: Callable[[httpx.Request], httpx.Response], endpoint: str, backend: str = "asyncio"
) -> Any:
    """The same through the async client, on ``backend``."""

    async def main() -> Any:
        async with async_client(handler) as client:
            try:
                return await call_async(client, endpoint)
            except onepin.OnePinError as exc:
                return exc

    return anyio.run(main, backend=backend)


def key_json(n: int = 0, **extra: Any) -> dict[str, Any]:
    """A well-formed API key object as the server sends it."""
    return {
        "id": f"11111111-1111-4111-8111-{n:012d}",
        "workspace_id": "22222222-2222-4222-8222-222222222222",
        "name": f"key-{n}",
        "active": True,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        **extra,
    }
