"""The clients' own transports: httpcore's errors are httpx's, the pool is public API only."""

from __future__ import annotations

import httpcore
import httpx
import pytest

from onepin._transport import LIMITS, AsyncTransport, Transport, _httpx_errors

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
