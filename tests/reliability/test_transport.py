"""The clients' own transports: httpcore's errors are httpx's, the pool is public API only."""

from __future__ import annotations

import gc
import warnings
from contextlib import suppress

import anyio
import anyio.lowlevel
import httpcore
import httpx
import pytest

from onepin._transport import LIMITS, AsyncTransport, Transport, _httpx_errors
from onepin.testing import RunningEmulator

NAMES = [
    "ConnectTimeout",
    "ReadTimeout",
    "WriteTimeout",
    "PoolTimeout",
    "TimeoutException",
    "ConnectError",
    "ReadError",
    "WriteError",
    "NetworkError",
    "ProxyError",
    "UnsupportedProtocol",
    "LocalProtocolError",
    "RemoteProtocolError",
    "ProtocolError",
]


@pytest.mark.parametrize("name", NAMES)
def test_each_httpcore_error_is_httpx_s_of_the_same_name(name: str) -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/")
    with pytest.raises(httpx.TransportError) as info, _httpx_errors(request):
        raise getattr(httpcore, name)("boom")
    assert type(info.value) is getattr(httpx, name)
    assert info.value.request is request
    assert str(info.value) == "boom"


def test_other_errors_pass_through() -> None:
    with pytest.raises(KeyError), _httpx_errors(httpx.Request("GET", "http://127.0.0.1:9/")):
        raise KeyError("x")


@pytest.mark.parametrize("transport", [AsyncTransport, Transport])
def test_the_pools_are_sized_by_the_limits(transport: type[AsyncTransport | Transport]) -> None:
    pool = transport(https=False)._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool | httpcore.ConnectionPool)
    assert pool._max_connections == LIMITS.max_connections  # read, to check; never written
    assert pool._max_keepalive_connections == LIMITS.max_keepalive_connections


def test_a_refused_connection_is_a_connect_error() -> None:
    with (
        httpx.Client(transport=Transport(https=False)) as http,
        pytest.raises(httpx.ConnectError),
    ):
        http.get("http://127.0.0.1:9/")


@pytest.mark.anyio
async def test_a_refused_connection_is_a_connect_error_async() -> None:
    async with httpx.AsyncClient(transport=AsyncTransport(https=False)) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("http://127.0.0.1:9/")


@pytest.mark.anyio
async def test_a_connection_made_while_the_pool_closes_is_closed_too(
    server: RunningEmulator,
) -> None:
    # A request handed a new connection just before aclose() connects after it: the
    # closed pool no longer knows that connection, so its socket was never closed
    # (an "unclosed socket" ResourceWarning later, in whichever test ran then).
    async def race(checkpoints: int) -> None:
        transport = AsyncTransport(https=False)
        request = httpx.Request("GET", f"{server.base_url}/v1/api_keys")

        async def send() -> None:
            with suppress(httpx.TransportError):  # refused once the pool is closed
                answer = await transport.handle_async_request(request)
                await answer.aread()
                await answer.aclose()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(send)
            for _ in range(checkpoints):  # the request is on its way to connecting
                await anyio.lowlevel.checkpoint()
            await transport.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for checkpoints in [1, 2, 3] * 5:
            await race(checkpoints)
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
