"""The in-process way in for blocking clients: a sync ``httpx`` transport, no thread, no socket.

The emulator's ASGI app never waits on real I/O unless it was asked to wait
(latency, a fault): so an answer is computed by stepping the app's coroutine
to its end right here, with no event loop. When a wait was asked for, the
request runs under ``anyio.run`` instead, still in the calling thread.
"""

from __future__ import annotations

from collections.abc import Coroutine, MutableMapping
from typing import Any, Protocol

import anyio
import httpx

from onepin.testing._faults import FaultPlan
from onepin.testing._transport import _ServesASGI, dropped_as_httpx

__all__ = ["SyncEmulatorTransport"]

_Message = MutableMapping[str, Any]


class _ServesASGIWithWaits(_ServesASGI, Protocol):
    latency: float
    faults: FaultPlan


def _step_to_the_end(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never suspends (every await is answered at once)."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("the emulator's app waited for I/O outside an event loop")


class SyncEmulatorTransport(httpx.BaseTransport):
    """A blocking ``httpx`` transport to the emulator's ASGI app, in the calling thread.

    ``httpx.Client(transport=emu.sync_transport())``: as fast as the async
    in-process transport, with no thread and no socket. A ``Fault.drop()``
    surfaces as ``httpx.RemoteProtocolError``, as it does over a socket.
    """

    def __init__(self, emulator: _ServesASGIWithWaits) -> None:
        self._emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` from the app."""
        body = request.read()
        url = request.url
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }
        received = False
        start: _Message = {}
        parts: list[bytes] = []
        # The client goes away only once the whole answer is in (as with httpx's
        # ASGITransport): a dripping body is waited for, not cut off.
        answered: anyio.Event | None = None
        complete = False

        async def receive() -> _Message:
            nonlocal received, answered
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            if not complete:  # only under anyio.run: the app asked for a wait
                answered = answered or anyio.Event()
                await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: _Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                if request.method != "HEAD":
                    parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete = True
                    if answered is not None:
                        answered.set()

        emulator = self._emulator
        with dropped_as_httpx(request):
            if emulator.latency > 0 or emulator.faults.pending():
                anyio.run(emulator.app, scope, receive, send)  # it may wait: a loop of its own
            else:
                _step_to_the_end(emulator.app(scope, receive, send))
        return httpx.Response(
            start.get("status", 500),
            headers=start.get("headers", []),
            content=b"".join(parts),
            request=request,
        )
