"""The in-process way in: an ``httpx`` transport to the emulator's ASGI app, no socket."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Protocol

import httpx

from onepin.testing._problems import ConnectionDropped

__all__ = ["EmulatorTransport"]


_ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Coroutine[Any, Any, None]]


class _ServesASGI(Protocol):
    @property
    def app(self) -> _ASGIApp: ...


@contextmanager
def dropped_as_httpx(request: httpx.Request) -> Iterator[None]:
    """A ``Fault.drop()`` as ``httpx.RemoteProtocolError``, what a socket's client sees."""
    try:
        yield
    except ConnectionDropped:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        ) from None


class EmulatorTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to the emulator, where a dropped connection is a real one.

    A ``Fault.drop()`` surfaces as ``httpx.RemoteProtocolError``, as it does over a socket.
    """

    def __init__(self, emulator: _ServesASGI) -> None:
        self._inner = httpx.ASGITransport(app=emulator.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the app."""
        with dropped_as_httpx(request):
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the transport."""
        await self._inner.aclose()
