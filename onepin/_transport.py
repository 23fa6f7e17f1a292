"""The transports of the clients' own connection pools, in a pair.

``scripts/unasync.py`` renames ``AsyncTransport`` to ``Transport``. Each is a
small httpx transport around an httpcore connection pool of its own, built
through httpcore's public API, as httpx's ``HTTPTransport`` builds its own,
so the pool can be given a network backend of ``onepin._backends`` (httpx
does not pass one through), which closes with the transport every socket the
pool opened.

httpcore's errors become httpx's of the same name, as in httpx's own transport.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

# First: importing the backends defers trio (``onepin._startup``), then imports httpcore.
from onepin._backends import BoundedBackend, CheapCheckBackend

# isort: split
import httpcore

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
        self._backend = CheapCheckBackend(httpcore.AnyIOBackend())
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
        self._backend = BoundedBackend(httpcore.SyncBackend())
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
