"""The transports of the clients' own connection pools, in a pair.

``scripts/unasync.py`` renames ``AsyncTransport`` to ``Transport``. Each is a
small httpx transport around an httpcore connection pool of its own, built
through httpcore's public API, as httpx's ``HTTPTransport`` builds its own,
so the pool can be given a network backend (httpx does not pass one through):

* the async pool's connections answer httpcore's "has the server hung up?"
  cheaply (httpcore asks it of every idle connection each time it places a
  request, and over anyio each answer rebuilt a table of socket attributes: a
  cost that grew with the window of a listing);
* the blocking pool caps every socket connect, read and write by what is left
  of the running call's deadline (``onepin._synchronization.io_timeout``):
  per-read timeouts alone let a server that sends a byte now and then hold a
  call forever.

httpcore's errors become httpx's of the same name, as in httpx's own transport.
"""

# httpcore's network interface passes timeouts as arguments, async methods included:
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import anyio
import httpx

from onepin._startup import defer_trio
from onepin._synchronization import io_timeout

defer_trio()
import httpcore  # noqa: E402 - after defer_trio(), which it must follow

__all__ = ["LIMITS", "AsyncTransport", "Transport"]

LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""The pool's size (httpx's defaults); the client's gate lets as many calls through."""


def _ssl_context(https: bool) -> ssl.SSLContext:
    # A client of an http:// API never speaks TLS, so it skips building the default
    # TLS context (loading the system's CA certificates is a large part of making a
    # client): it gets one that trusts no certificate at all, so that anything that
    # did try TLS through it would fail closed.
    if https:
        return httpx.create_ssl_context()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _pool_options(https: bool) -> dict[str, Any]:
    return {
        "ssl_context": _ssl_context(https),
        "max_connections": LIMITS.max_connections,
        "max_keepalive_connections": LIMITS.max_keepalive_connections,
        "keepalive_expiry": LIMITS.keepalive_expiry,
    }


def _core_request(request: httpx.Request) -> httpcore.Request:
    """The request as httpcore takes it (its stream, headers and timeouts as they are)."""
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}
"""httpcore's errors and httpx's: the most specific of each class's ancestors wins."""


@contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    """Raise httpcore's errors as httpx's of the same kind."""
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            mapped = _ERRORS.get(kind)
            if mapped is not None:
                raise mapped(str(exc), request=request) from exc
        raise


class AsyncTransport(httpx.AsyncBaseTransport):
    """An httpcore pool sized by ``LIMITS``, its idle connections checked cheaply."""

    def __init__(self, *, https: bool) -> None:
        self._backend = _CheapCheckBackend(httpcore.AnyIOBackend())
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=self._backend, **_pool_options(https)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool; the answer's body streams from it."""
        with _httpx_errors(request):
            answer = await self._pool.handle_async_request(_core_request(request))
        stream = answer.stream
        assert isinstance(stream, AsyncIterable)
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_AsyncBody(stream, request),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        """Close the pool and every socket it opened, even one still connecting; open no more."""
        await self._pool.aclose()
        await self._backend.aclose()  # the connections the closed pool no longer knows


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


class Transport(httpx.BaseTransport):
    """An httpcore pool sized by ``LIMITS``, its socket I/O bounded by the deadline."""

    def __init__(self, *, https: bool) -> None:
        self._backend = _BoundedBackend(httpcore.SyncBackend())
        self._pool = httpcore.ConnectionPool(network_backend=self._backend, **_pool_options(https))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool; the answer's body streams from it."""
        with _httpx_errors(request):
            answer = self._pool.handle_request(_core_request(request))
        stream = answer.stream
        assert isinstance(stream, Iterable)
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=_Body(stream, request),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        """Close the pool and every socket it opened, even one still connecting; open no more."""
        self._backend.close()  # first: it shuts sockets down, which wakes their readers
        self._pool.close()


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors(self._request):
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _BoundedBackend(httpcore.NetworkBackend):
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

    def __init__(self, inner: httpcore.NetworkStream, backend: _BoundedBackend) -> None:
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


class _CheapCheckBackend(httpcore.AsyncNetworkBackend):
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

    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: _CheapCheckBackend) -> None:
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
