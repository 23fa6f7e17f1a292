"""The connection pools a client and its ``with_options`` copies share.

A pool belongs to one process and one event loop: the client keeps one per
event loop it meets (an async client used from several threads, each running
its loop, has one pool per thread, each reused), and in a forked child starts
afresh, never touching the parent's sockets. A pool is forgotten with its loop.
Every call passes a gate sized to the pool's connections, so a burst of
hundreds of calls waits in line cheaply rather than in httpx's pool queue.
A pool passed in as ``http_client`` is used as it is, everywhere, ungated.
"""

from __future__ import annotations

import os
from weakref import WeakKeyDictionary

import httpx

from onepin._exceptions import OnePinConfigurationError
from onepin._synchronization import (
    AsyncGate,
    AsyncThreadLock,
    async_running_loop,
    loop_has_ended,
)

__all__ = ["SharedPool", "closed_error", "send_open"]

_UNGATED = AsyncGate(None)


def closed_error() -> OnePinConfigurationError:
    """The error of a call on a closed client (or closed while the call was on its way)."""
    return OnePinConfigurationError(
        "This OnePinClient is closed (aclose() was called or its block ended): make a new client"
    )


async def send_open(
    http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth
) -> httpx.Response:
    """Send ``request`` (streamed); the closed client's typed error if closed meanwhile.

    Another thread (or task) may close the client between the moment a call
    takes its pool and the moment it sends (httpx then raises ``RuntimeError``),
    or while it connects or waits for its answer (the closed pool refuses the new
    connection, or closes the one in use: an ``httpx.TransportError``).
    """
    try:
        return await http.send(request, auth=auth, stream=True)
    except (RuntimeError, httpx.TransportError):
        if not http.is_closed:
            raise
        raise closed_error() from None


class SharedPool:
    """The pool of the process and event loop running now, made on first use, and its gate."""

    def __init__(self, *, https: bool, http_client: httpx.AsyncClient | None = None) -> None:
        self._https = https
        self._given = http_client
        self._pid = os.getpid()
        self._pools: WeakKeyDictionary[object, tuple[httpx.AsyncClient, AsyncGate]]
        self._pools = WeakKeyDictionary()
        self._lock = AsyncThreadLock()
        self._closed = False

    def current(self) -> tuple[httpx.AsyncClient, AsyncGate]:
        """The pool to send with here, and its gate; a typed error once closed."""
        given = self._given
        if self._closed or (given is not None and given.is_closed):
            raise closed_error()
        if given is not None:
            return given, _UNGATED
        loop = async_running_loop()
        found = self._pools.get(loop)
        if found is not None and self._pid == os.getpid():
            return found
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's pools are not ours
                self._pools = WeakKeyDictionary()
                self._pid = os.getpid()
            if self._closed:  # closed by another thread since the check above
                raise closed_error()
            found = self._pools.get(loop)
            if found is None:
                self._forget_ended_loops()
                # The transport module imports httpcore: it is loaded with the first
                # pool, not with `import onepin`.
                from onepin._transport import LIMITS, AsyncTransport

                http = httpx.AsyncClient(transport=AsyncTransport(https=self._https))
                found = self._pools[loop] = (http, AsyncGate(LIMITS.max_connections))
            return found

    def _forget_ended_loops(self) -> None:
        """Let go of the pools whose home has ended (``loop_has_ended``).

        A pool holds its home, so the weak keys alone never would; their sockets
        close when they are collected.
        """
        for ended in [loop for loop in self._pools if loop_has_ended(loop)]:
            del self._pools[ended]

    async def aclose(self) -> None:
        """Close this loop's pool, if ours and made here; later calls raise. Never raises.

        The pools of other event loops cannot be closed from this one: each is
        closed by an ``aclose()`` run on its own loop, else forgotten with it.
        """
        with self._lock:
            self._closed = True
            mine = self._pid == os.getpid()
            found = self._pools.pop(async_running_loop(), None) if mine else None
        if found is not None:
            await found[0].aclose()
