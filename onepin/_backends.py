"""The network backends of the clients' connection pools (``onepin._transport``).

Each keeps the connections it opened and not yet closed, so that closing it
closes every one of them: httpcore's closed pool lets go of a connection it
handed a request just before closing, which connects after it, and whose
socket nobody would close. Besides:

* the async backend's connections answer httpcore's "has the server hung up?"
  cheaply (httpcore asks it of every idle connection each time it places a
  request, and over anyio each answer rebuilt a table of socket attributes: a
  cost that grew with the window of a listing);
* the blocking backend caps every socket connect, read and write by what is
  left of the running call's deadline (``onepin._synchronization.io_timeout``):
  per-read timeouts alone let a server that sends a byte now and then hold a
  call forever.
"""

# httpcore's network interface passes timeouts as arguments, async methods included:
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
import threading
from contextlib import suppress
from typing import Any

import anyio

from onepin._startup import defer_trio
from onepin._synchronization import io_timeout

defer_trio()
import httpcore  # noqa: E402 - after defer_trio(), which it must follow

__all__ = ["BoundedBackend", "CheapCheckBackend"]


class BoundedBackend(httpcore.NetworkBackend):
    """Opens connections whose every operation is bounded by the running call's deadline.

    It keeps the sockets it opened and not yet closed, so that ``close()``
    closes every one of them, whichever thread still uses it.
    """

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self._open: set[_BoundedStream] = set()
        self._lock = threading.Lock()
        self._closed = False

    def track(self, stream: httpcore.NetworkStream) -> _BoundedStream:
        """``stream``, kept until it closes; closed at once if the backend is closed."""
        bounded = _BoundedStream(stream, self)
        with self._lock:
            if not self._closed:
                self._open.add(bounded)
                return bounded
        stream.close()
        raise httpcore.ConnectError("the client was closed")

    def forget(self, stream: _BoundedStream) -> None:
        """``stream`` is closed (or replaced by its TLS stream)."""
        with self._lock:
            self._open.discard(stream)

    def close(self) -> None:
        """Shut down and close every socket still open; connecting from now on fails."""
        with self._lock:
            self._closed = True
            streams, self._open = self._open, set()
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with suppress(OSError):  # wakes a thread blocked reading it (close does not)
                    sock.shutdown(socket.SHUT_RDWR)
            stream.close()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, io_timeout(timeout), local_address, socket_options
        )
        return self.track(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        return self.track(
            self._inner.connect_unix_socket(path, io_timeout(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose reads and writes end by the running call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: BoundedBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, io_timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, io_timeout(timeout))

    def close(self) -> None:
        self._inner.close()
        self._backend.forget(self)

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, io_timeout(timeout))
        self._backend.forget(self)  # the TLS stream owns the socket now
        return self._backend.track(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class CheapCheckBackend(httpcore.AsyncNetworkBackend):
    """Opens connections that tell whether their socket is readable without overhead.

    It keeps the connections it opened and not yet closed, so that ``aclose()``
    closes every one of them: a request handed a new connection just before the
    pool closed connects after it, and the closed pool no longer knows it.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner
        self._open: set[_CheapCheckStream] = set()
        self._closed = False

    async def track(self, stream: httpcore.AsyncNetworkStream) -> _CheapCheckStream:
        """``stream``, kept until it closes; closed at once if the backend is closed."""
        if not self._closed:
            checked = _CheapCheckStream(stream, self)
            self._open.add(checked)
            return checked
        with anyio.CancelScope(shield=True):
            await stream.aclose()
        raise httpcore.ConnectError("the client was closed")

    def forget(self, stream: _CheapCheckStream) -> None:
        """``stream`` is closed (or replaced by its TLS stream)."""
        self._open.discard(stream)

    async def aclose(self) -> None:
        """Close every connection still open; connecting from now on fails."""
        self._closed = True
        streams, self._open = self._open, set()
        with anyio.CancelScope(shield=True):
            for stream in streams:
                await stream.aclose()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return await self.track(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        return await self.track(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheapCheckStream(httpcore.AsyncNetworkStream):
    """A connection that keeps its socket at hand to answer ``is_readable``."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: CheapCheckBackend) -> None:
        self._inner = inner
        self._backend = backend
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        self._backend.forget(self)
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        self._backend.forget(self)  # the TLS stream owns the socket now
        return await self._backend.track(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Whether a read would return at once: data, or the end of a closed connection."""
    fd = sock.fileno()
    if fd < 0:  # closed under us: as good as hung up
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
