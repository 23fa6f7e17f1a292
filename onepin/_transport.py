"""The transports of the clients' own connection pools, in a pair.

``scripts/unasync.py`` renames ``AsyncTransport`` to ``Transport``. The async
one is httpx's, its time bounded by a cancel scope around each call, with
connections that answer httpcore's "has the server hung up?" cheaply (httpcore
asks it of every idle connection each time it places a request, and over anyio
each answer rebuilt a table of socket attributes: a cost that grew with the
window of a listing). The blocking one caps every socket connect, read and
write by what is left of the running call's deadline
(``onepin._synchronization.io_timeout``): per-read timeouts alone let a server
that sends a byte now and then hold a call forever.
"""

# httpcore's network interface passes timeouts as arguments, async methods included:
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
from typing import Any

import httpcore
import httpx

from onepin._synchronization import io_timeout

__all__ = ["LIMITS", "AsyncTransport", "Transport"]

LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""The pool's size (httpx's defaults); the client's gate lets as many calls through."""


def _verify(https: bool) -> ssl.SSLContext | bool:
    # A client of an http:// API never speaks TLS, so it skips building the default
    # TLS context (loading the system's CA certificates is a large part of making a
    # client): it gets one that trusts no certificate at all, so that anything that
    # did try TLS through it would fail closed.
    return True if https else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class AsyncTransport(httpx.AsyncHTTPTransport):
    """httpx's async transport, sized by ``LIMITS``, its idle connections checked cheaply."""

    def __init__(self, *, https: bool) -> None:
        super().__init__(verify=_verify(https), limits=LIMITS)
        # httpcore takes a network backend; httpx does not pass one through.
        pool: Any = self._pool
        pool._network_backend = _CheapCheckBackend(pool._network_backend)


class Transport(httpx.HTTPTransport):
    """httpx's blocking transport, sized by ``LIMITS``, its socket I/O bounded by the deadline."""

    def __init__(self, *, https: bool) -> None:
        super().__init__(verify=_verify(https), limits=LIMITS)
        # httpcore takes a network backend; httpx does not pass one through.
        pool: Any = self._pool
        pool._network_backend = _BoundedBackend(pool._network_backend)


class _BoundedBackend(httpcore.NetworkBackend):
    """Opens connections whose every operation is bounded by the running call's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

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
        return _BoundedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(
            self._inner.connect_unix_socket(path, io_timeout(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose reads and writes end by the running call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, io_timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, io_timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _BoundedStream(
            self._inner.start_tls(ssl_context, server_hostname, io_timeout(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CheapCheckBackend(httpcore.AsyncNetworkBackend):
    """Opens connections that tell whether their socket is readable without overhead."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _CheapCheckStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        return _CheapCheckStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheapCheckStream(httpcore.AsyncNetworkStream):
    """A connection that keeps its socket at hand to answer ``is_readable``."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _CheapCheckStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

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
