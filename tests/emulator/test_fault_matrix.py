"""Every fault kind at every endpoint: what the client sees and what the log counts."""

from __future__ import annotations

import dataclasses
import time
import typing

import anyio
import httpx
import pytest

from onepin.testing import FAULT_KINDS, Emulator, Endpoint, Fault, FaultKind, RequestTally
from tests.emulator.helpers import DROPPED, KEYS, data

pytestmark = pytest.mark.anyio

# What each endpoint does to the key rows when its handler runs: (created, revoked).
EFFECTS = {
    Endpoint.CREATE_KEY: (1, 0),
    Endpoint.ROTATE_KEY: (1, 1),
    Endpoint.DELETE_KEY: (0, 1),
}
HANDLER_RUNS = {"latency", "truncate", "slow_drip", "commit_then_fail"}


def test_fault_kinds_are_the_literal_and_each_can_be_built() -> None:
    assert typing.get_args(FaultKind) == FAULT_KINDS
    assert {"status", "drop", "slow_drip"} <= set(FAULT_KINDS)
    for kind in FAULT_KINDS:
        fault = Fault.of_kind(kind, method="GET", path="/x", times=2)
        assert (fault.kind, fault.method, fault.path, fault.times) == (kind, "GET", "/x", 2)
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault.of_kind("nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="known: status"):
        Emulator().inject(Fault("nope"))  # type: ignore[arg-type]


def test_endpoints_enumerate_the_contract() -> None:
    assert len(list(Endpoint)) == 7
    assert Endpoint.ROTATE_KEY.method == "PATCH"
    assert Endpoint.ROTATE_KEY.path == "/api/v1/api-keys/{key_id}/rotate"
    assert Endpoint.of("patch", "/api/v1/api-keys/abc") is Endpoint.UPDATE_KEY
    assert Endpoint.of("PATCH", "/api/v1/api-keys/abc/rotate") is Endpoint.ROTATE_KEY
    assert Endpoint.of("GET", "/api/v1/nope") is None


async def call(http: httpx.AsyncClient, endpoint: Endpoint, key_id: str) -> httpx.Response:
    body = {"CREATE_KEY": {"name": "m"}, "UPDATE_KEY": {"name": "renamed"}}.get(endpoint.name)
    return await http.request(endpoint.method, endpoint.path.format(key_id=key_id), json=body)


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_every_fault_at_every_endpoint(
    http: httpx.AsyncClient, emulator: Emulator, kind: FaultKind
) -> None:
    for endpoint in Endpoint:
        emulator.clear_requests()
        key = emulator.create_key(name=f"target-{endpoint.name}")
        fault = Fault.of_kind(kind, method=endpoint.method, path=endpoint.path)
        emulator.inject(dataclasses.replace(fault, delay=0.0, interval=0.0))
        where = f"{kind} at {endpoint}"
        if kind == "drop":
            with pytest.raises(DROPPED):
                await call(http, endpoint, key.id)
        else:
            r = await call(http, endpoint, key.id)
            expected = {"status": 503, "html_502": 502, "commit_then_fail": 500}.get(kind)
            if expected is not None:
                assert r.status_code == expected, where
            else:
                assert r.status_code in (200, 201), where
                assert int(r.headers["content-length"]) == len(r.content), where
                if kind == "truncate":
                    with pytest.raises(ValueError, match=r"\S"):
                        r.json()
                else:
                    assert "data" in r.json(), where
        (entry,) = emulator.requests
        assert (entry.endpoint, entry.fault) == (endpoint, kind), where
        assert (entry.status is None) == (kind == "drop"), where
        tally = RequestTally.of(emulator.requests)
        assert tally.attempts == {endpoint: 1} and tally.faults == {kind: 1}, where
        created, revoked = EFFECTS.get(endpoint, (0, 0)) if kind in HANDLER_RUNS else (0, 0)
        assert (sum(tally.created.values()), sum(tally.revoked.values())) == (created, revoked)
        assert emulator.faults.pending() == [], where  # used up: the next call is clean
        assert (await call(http, endpoint, emulator.create_key().id)).status_code < 300, where


async def test_template_path_aims_at_one_endpoint(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    key = emulator.create_key(name="k")
    update = Endpoint.UPDATE_KEY
    emulator.inject(Fault.status_code(503, method=update.method, path=update.path, times=None))
    assert (await http.patch(f"{KEYS}/{key.id}/rotate")).status_code == 200  # not this one
    assert (await http.patch(f"{KEYS}/{key.id}", json={"name": "x"})).status_code == 503
    emulator.clear_faults()
    emulator.inject(Fault.status_code(503, method="PATCH", path=f"{KEYS}/*", times=None))
    assert (await http.patch(f"{KEYS}/{key.id}/rotate")).status_code == 503  # a glob spans /


async def test_log_counts_attempts_and_side_effects_per_endpoint(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.inject(Fault.commit_then_fail(method="POST", path=KEYS))
    assert (await http.post(KEYS, json={"name": "twice"})).status_code == 500
    assert (await http.post(KEYS, json={"name": "twice"})).status_code == 201  # a blind retry
    idem = {"Idempotency-Key": "one"}
    first = data(await http.post(KEYS, json={"name": "once"}, headers=idem))
    await http.post(KEYS, json={"name": "once"}, headers=idem)  # replayed: no new key
    await http.patch(f"{KEYS}/{first['id']}/rotate")
    await http.delete(f"{KEYS}/{first['id']}")  # already revoked by the rotation
    tally = RequestTally.of(emulator.requests)
    assert tally.attempts == {
        Endpoint.CREATE_KEY: 4,
        Endpoint.ROTATE_KEY: 1,
        Endpoint.DELETE_KEY: 1,
    }
    assert tally.created == {Endpoint.CREATE_KEY: 3, Endpoint.ROTATE_KEY: 1}
    assert tally.revoked == {Endpoint.ROTATE_KEY: 1}
    assert tally.faults == {"commit_then_fail": 1}
    assert emulator.requests[0].created and emulator.requests[0].status == 500
    await http.get("/api/v1/nope")
    assert RequestTally.of(emulator.requests).attempts["GET /api/v1/nope"] == 1


async def test_slow_drip_sends_the_body_byte_by_byte(
    http: httpx.AsyncClient, emulator: Emulator
) -> None:
    emulator.inject(Fault.slow_drip(0.002, path="/api/v1/auth/whoami"))
    start = time.monotonic()
    r = await http.get("/api/v1/auth/whoami")
    elapsed = time.monotonic() - start
    assert r.status_code == 200 and r.json()["data"]["auth_kind"] == "clerk"
    assert elapsed >= 0.002 * len(r.content) * 0.9
    assert emulator.requests[0].fault == "slow_drip"


async def test_slow_drip_outlasts_read_timeouts_but_not_a_deadline(emulator: Emulator) -> None:
    emulator.inject(Fault.slow_drip(0.05, path="/api/v1/auth/whoami"))
    auth = {"Authorization": f"Bearer {emulator.bootstrap.api_key}"}
    with emulator.serve() as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=0.5) as http:
            start = time.monotonic()
            with pytest.raises(TimeoutError):
                with anyio.fail_after(1.0):
                    await http.get("/api/v1/auth/whoami", headers=auth)  # no read waits 0.5 s
            assert time.monotonic() - start < 1.5
            r = await http.get("/api/v1/auth/whoami", headers=auth)  # the server is still fine
            assert r.status_code == 200
