"""The transports of the clients' own connection pools, in a pair.

``scripts/unasync.py`` renames ``AsyncTransport`` to ``Transport``. The async
one is httpx's as it is: a cancel scope bounds an async call. The blocking one
caps every socket connect, read and write by what is left of the running call's
deadline (``onepin._synchronization.io_timeout``): per-read timeouts alone let
a server that sends a byte now and then hold a call forever.
"""

from __future__ import annotations

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
    """httpx's async transport, sized by ``LIMITS``."""

    def __init__(self, *, https: bool) -> None:
        super().__init__(verify=_verify(https), limits=LIMITS)


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
