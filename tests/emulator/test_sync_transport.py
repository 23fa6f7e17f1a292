"""The in-process sync transport: a blocking client with no thread, no socket, no event loop."""

from __future__ import annotations

import socket
import threading

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
