"""The in-process sync transport: a blocking client with no thread, no socket, no event loop."""

from __future__ import annotations

import socket
import threading

import anyio
import httpx
import pytest

import onepin
import onepin_sync
from onepin.testing import Emulator, Fault


def _client(emulator: Emulator, token: str, **options: object) -> onepin_sync.OnePinClient:
    http = httpx.Client(transport=emulator.sync_transport())
    return onepin_sync.OnePinClient(
        token,
        base_url=emulator.base_url,
        http_client=http,
        **options,  # type: ignore[arg-type]
    )


def test_every_call_in_the_calling_thread_with_no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = Emulator(seed_keys=30)
    before = threading.active_count()

    def no_socket(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", no_socket)
    with _client(emulator, emulator.bootstrap.session_token) as client:
        created = client.api_keys.create(name="n", scopes=["voices:read"])
        assert client.api_keys.get(created.id).name == "n"
        assert client.api_keys.update(created.id, name="m").name == "m"
        rotated = client.api_keys.rotate(created.id)
        assert client.api_keys.delete(rotated.new_key.id).active is False
        keys = list(client.api_keys.list(status="all", page_size=7, max_concurrency=1))
        assert len(keys) == 33
        with pytest.raises(onepin.NotFoundError):
            client.api_keys.get("00000000-0000-4000-8000-000000000000")
    assert threading.active_count() == before


def test_faults_and_latency_run_in_the_calling_thread() -> None:
    emulator = Emulator(latency=0.001)
    emulator.inject(Fault.status_code(503, retry_after=0))
    emulator.inject(Fault.drop(path="/api/v1/auth/whoami"))
    with _client(emulator, emulator.bootstrap.api_key) as client:
        assert client.auth.whoami().auth_kind == "api_key"  # a 503 and a drop, retried
    assert [r.status for r in emulator.requests] == [503, None, 200]
    emulator.inject(Fault.drop(times=None))
    with (
        _client(emulator, emulator.bootstrap.api_key, max_retries=0) as client,
        pytest.raises(onepin.APIConnectionError),
    ):
        client.auth.whoami()


@pytest.mark.parametrize("fault", ["slow_drip", "truncate"])
def test_a_fault_on_the_body_answers_as_the_async_transport_does(fault: str) -> None:
    # A drip's body comes whole here (nothing streams in process), late: not cut off.
    emulator = Emulator()
    url = f"{emulator.base_url}/api/v1/auth/whoami"
    auth = {"Authorization": f"Bearer {emulator.bootstrap.api_key}"}

    def faulted() -> Fault:
        return Fault.slow_drip(0.0005) if fault == "slow_drip" else Fault.truncate()

    async def over_async() -> httpx.Response:
        emulator.inject(faulted())
        async with httpx.AsyncClient(transport=emulator.transport()) as http:
            return await http.get(url, headers=auth)

    expected = anyio.run(over_async)
    emulator.inject(faulted())
    with httpx.Client(transport=emulator.sync_transport()) as http:
        got = http.get(url, headers=auth)
    assert got.status_code == expected.status_code == 200
    assert int(got.headers["content-length"]) == len(got.content) == len(expected.content) > 0
