"""Injected faults and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from onepin.testing import Emulator, Fault
from tests.emulator.helpers import DROPPED, KEYS, data, error_code

pytestmark = pytest.mark.anyio


async def test_fault_status_with_retry_after(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.status_code(503, method="GET", path=KEYS, times=2, retry_after=1))
    for _ in range(2):
        r = await http.get(KEYS)
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert error_code(r) == "INJECTED_FAULT"
    assert (await http.get(KEYS)).status_code == 200
    assert [e.fault for e in emulator.requests] == ["status", "status", None]


async def test_fault_status_custom_body_and_method_filter(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.inject(Fault.status_code(409, method="POST", path=KEYS, body={"error": {"code": "X"}}))
    assert (await http.get(KEYS)).status_code == 200  # method does not match
    r = await http.post(KEYS, json={"name": "x"})
    assert r.status_code == 409 and r.json() == {"error": {"code": "X"}}
    emulator.inject(Fault.status_code(504, path=f"{KEYS}/*", body=""))
    r = await http.get(f"{KEYS}/{emulator.bootstrap.api_key_id}")
    assert r.status_code == 504 and r.content == b""


async def test_fault_latency(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.latency(0.2, path="/api/v1/auth/whoami"))
    start = time.monotonic()
    r = await http.get("/api/v1/auth/whoami")
    assert r.status_code == 200 and time.monotonic() - start >= 0.2


async def test_fault_latency_after_some_requests(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.inject(Fault.latency(0.2, path=KEYS, times=None, after=1))
    assert (await http.get(KEYS)).status_code == 200
    start = time.monotonic()
    assert (await http.get(KEYS)).status_code == 200
    assert time.monotonic() - start >= 0.2
    assert [e.fault for e in emulator.requests] == [None, "latency"]  # the first went fast


async def test_global_latency(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.latency = 0.1
    start = time.monotonic()
    assert (await http.get(KEYS)).status_code == 200
    assert time.monotonic() - start >= 0.1


async def test_fault_drop(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.drop(method="POST", path=KEYS))
    with pytest.raises(DROPPED):
        await http.post(KEYS, json={"name": "never"})
    names = [k["name"] for k in data(await http.get(f"{KEYS}?status=all"))]
    assert "never" not in names  # nothing was applied
    assert emulator.requests[0].status is None and emulator.requests[0].fault == "drop"


async def test_fault_commit_then_fail(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.commit_then_fail(method="POST", path=KEYS))
    r = await http.post(KEYS, json={"name": "ghost"})
    assert r.status_code == 500 and error_code(r) == "INTERNAL_ERROR"
    names = [k["name"] for k in data(await http.get(KEYS))]
    assert "ghost" in names  # the change was applied


async def test_fault_commit_then_fail_replays_with_idempotency_key(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.inject(Fault.commit_then_fail(method="POST", path=KEYS))
    headers = {"Idempotency-Key": "abc"}
    assert (await http.post(KEYS, json={"name": "g"}, headers=headers)).status_code == 500
    r = await http.post(KEYS, json={"name": "g"}, headers=headers)
    assert r.status_code == 201 and data(r)["api_key"].startswith("op_live_")
    assert [k["name"] for k in data(await http.get(KEYS))].count("g") == 1


async def test_fault_truncated_json(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.truncate(path=KEYS))
    r = await http.get(KEYS)
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(r.content))
    with pytest.raises(ValueError, match=r"\S"):
        r.json()


async def test_fault_html_502(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.html_502(times=None))
    for _ in range(2):
        r = await http.get("/api/v1/auth/whoami")
        assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
        assert b"Bad Gateway" in r.content
    emulator.clear_faults()
    assert (await http.get("/api/v1/auth/whoami")).status_code == 200


async def test_request_log_redacts_secrets(http: httpx.AsyncClient, emulator: Emulator) -> None:
    await http.get(f"{KEYS}?limit=5", headers={"X-Workspace-Id": emulator.bootstrap.workspace_id})
    await http.post(KEYS, json={"name": "n"}, headers={"Idempotency-Key": "idem-1"})
    first, second = emulator.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        KEYS,
        {"limit": "5"},
        200,
    )
    assert first.headers["x-workspace-id"] == emulator.bootstrap.workspace_id
    assert second.headers["idempotency-key"] == "idem-1" and second.status == 201
    assert emulator.bootstrap.session_token not in repr(emulator.requests)
    assert first.headers["authorization"] == "Bearer [redacted session]"
    emulator.clear_requests()
    assert emulator.requests == []
