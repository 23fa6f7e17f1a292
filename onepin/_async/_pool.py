"""The connection pool a client and its ``with_options`` copies share.

A pool belongs to one process and one event loop. A client that finds itself
in a forked child, or in another ``anyio.run``, starts a fresh pool there and
never touches the old one's sockets (they are the parent's, or a finished
loop's). Every call passes a gate sized to the pool's connections, so a burst
of hundreds of calls waits in line cheaply rather than in httpx's pool queue.
A pool passed in as ``http_client`` is used as it is, everywhere, ungated.
"""

from __future__ import annotations

import os

import httpx

from onepin._exceptions import OnePinConfigurationError
from onepin._synchronization import AsyncGate, AsyncThreadLock, async_running_loop

__all__ = ["SharedPool"]


class SharedPool:
    """The pool of the process and event loop running now, made on first use, and its gate."""

    def __init__(self, *, https: bool, http_client: httpx.AsyncClient | None = None) -> None:
        self._https = https
        self._given = http_client
        self._http = http_client
        self._gate = AsyncGate(None)
        self._home: tuple[int, object] | None = None
        self._lock = AsyncThreadLock()
        self._closed = False

    def current(self) -> tuple[httpx.AsyncClient, AsyncGate]:
        """The pool to send with here, and its gate; a typed error once closed."""
        if self._closed or (self._http is not None and self._http.is_closed):
            raise OnePinConfigurationError(
                "This OnePinClient is closed (aclose() was called or its block ended): "
                "make a new client"
            )
        if self._given is not None:
            return self._given, self._gate
        pid, loop = os.getpid(), async_running_loop()
        with self._lock:
            http, home = self._http, self._home
            if http is None or home is None or home[0] != pid or home[1] is not loop:
                # New here: the old pool (if any) is left as it is, never closed from here.
                # The transport module imports httpcore (and, through it, trio when that
                # is installed): it is loaded with the first pool, not with `import onepin`.
                from onepin._transport import LIMITS, AsyncTransport

                self._http = http = httpx.AsyncClient(transport=AsyncTransport(https=self._https))
                self._gate = AsyncGate(LIMITS.max_connections)
                self._home = (pid, loop)
            return http, self._gate

    async def aclose(self) -> None:
        """Close the pool if it is ours and belongs here; later calls raise. Never raises."""
        with self._lock:
            http, home = self._http, self._home
            self._closed = True
        if http is None or self._given is not None or home is None:
            return
        if home[0] == os.getpid() and home[1] is async_running_loop():
            await http.aclose()
