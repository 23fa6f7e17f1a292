"""The emulator against the contract, driven with plain httpx (no SDK).

Each test runs on asyncio and trio, in-process and over a real socket.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from onepin.testing import ALL_SCOPES, Emulator, Fault, RunningEmulator

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["inprocess", "socket"])
def base(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[str]:
    """The base URL, ``inprocess`` (ASGI) or ``socket`` (uvicorn on loopback)."""
    if request.param == "inprocess":
        yield ""
    else:
        with emulator.serve() as running:
            yield running.base_url


@pytest.fixture
async def http(emulator: Emulator, base: str) -> AsyncIterator[httpx.AsyncClient]:
    token = emulator.bootstrap.api_key
    headers = {"Authorization": f"Bearer {token}"}
    if base:
        client = httpx.AsyncClient(base_url=base, headers=headers)
    else:
        client = httpx.AsyncClient(
            base_url=emulator.base_url, headers=headers, transport=emulator.transport()
        )
    async with client:
        yield client


def data(response: httpx.Response) -> Any:
    return response.json()["data"]


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


KEYS = "/api/v1/api-keys"


async def test_whoami_api_key(http: httpx.AsyncClient, emulator: Emulator) -> None:
    r = await http.get("/api/v1/auth/whoami")
    assert r.status_code == 200
    body = r.json()
    assert set(body["meta"]) == {"request_id", "timestamp"}
    me = body["data"]
    assert me["auth_kind"] == "api_key"
    assert me["workspace_id"] == emulator.bootstrap.workspace_id
    assert me["api_key_id"] == emulator.bootstrap.api_key_id
    assert me["key_name"] == "bootstrap"
    assert me["user_id"].startswith("usr_01")
    assert me["email"] == "dev@onepin.test"
    assert me["scopes"] == sorted(ALL_SCOPES)


async def test_whoami_session_token(http: httpx.AsyncClient, emulator: Emulator) -> None:
    r = await http.get(
        "/api/v1/auth/whoami",
        headers={"Authorization": f"Bearer {emulator.bootstrap.session_token}"},
    )
    me = data(r)
    assert me["auth_kind"] == "clerk"
    assert me["api_key_id"] is None and me["key_name"] is None
    assert me["workspace_id"] == emulator.bootstrap.workspace_id


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer op_live_" + "x" * 32, "Basic abc", "Bearer sess_no"]
)
async def test_missing_or_invalid_token_is_401(
    http: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    request = http.build_request("GET", "/api/v1/auth/whoami", headers=headers)
    if authorization is None:
        del request.headers["Authorization"]
    r = await http.send(request)
    assert r.status_code == 401
    assert error_code(r) == "INVALID_API_KEY"


async def test_revoked_token_is_401(http: httpx.AsyncClient, emulator: Emulator) -> None:
    other = emulator.create_key(name="short-lived")
    auth = {"Authorization": f"Bearer {other.api_key}"}
    assert (await http.get("/api/v1/auth/whoami", headers=auth)).status_code == 200
    assert (await http.delete(f"{KEYS}/{other.id}")).status_code == 200
    r = await http.get("/api/v1/auth/whoami", headers=auth)
    assert r.status_code == 401 and error_code(r) == "INVALID_API_KEY"


async def test_workspace_header(http: httpx.AsyncClient, emulator: Emulator) -> None:
    own = emulator.bootstrap.workspace_id
    assert (await http.get(KEYS, headers={"X-Workspace-Id": own})).status_code == 200
    other = emulator.create_account().workspace_id
    r = await http.get(KEYS, headers={"X-Workspace-Id": other})
    assert r.status_code == 403 and error_code(r) == "WORKSPACE_MISMATCH"
    r = await http.get(KEYS, headers={"X-Workspace-Id": "not-a-uuid"})
    assert r.status_code == 400


async def test_create_get_and_secret_once(http: httpx.AsyncClient, emulator: Emulator) -> None:
    r = await http.post(
        KEYS, json={"name": "ci", "scopes": ["workflows:read"], "rate_limit_per_min": 100}
    )
    assert r.status_code == 201
    created = data(r)
    secret = created["api_key"]
    assert secret.startswith("op_live_") and len(secret) == len("op_live_") + 32
    assert secret[8:].isalnum()
    assert created["key_suffix"] == secret[8:16]
    assert created["preview"] == "op_live_" + created["key_suffix"]
    assert created["scopes"] == ["workflows:read"]
    assert created["rate_limit_per_min"] == 100
    assert created["key_type"] == "live" and created["active"] is True
    got = data(await http.get(f"{KEYS}/{created['id']}"))
    assert "api_key" not in got
    assert got == {k: v for k, v in created.items() if k != "api_key"}
    # only a hash is stored: no plaintext anywhere in the row
    row = emulator.key(created["id"])
    assert row is not None and secret not in repr(row)
    made = emulator.create_key(name="repr")
    assert made.api_key not in repr(made)
    assert emulator.bootstrap.api_key not in repr(emulator.bootstrap)
    # the new key works as a token
    me = data(await http.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {secret}"}))
    assert me["key_name"] == "ci" and me["scopes"] == ["workflows:read"]


async def test_create_defaults_to_callers_scopes(http: httpx.AsyncClient) -> None:
    created = data(await http.post(KEYS, json={"name": "all"}))
    assert created["scopes"] == sorted(ALL_SCOPES)
    assert created["rate_limit_per_min"] is None


async def test_cannot_grant_scope_not_held(http: httpx.AsyncClient, emulator: Emulator) -> None:
    narrow = emulator.create_key(name="narrow", scopes=["voices:read"])
    auth = {"Authorization": f"Bearer {narrow.api_key}"}
    r = await http.post(KEYS, json={"name": "x", "scopes": ["voices:write"]}, headers=auth)
    assert r.status_code == 403 and error_code(r) == "SCOPE_NOT_HELD"
    r = await http.post(KEYS, json={"name": "x", "scopes": ["voices:read"]}, headers=auth)
    assert r.status_code == 201
    r = await http.patch(
        f"{KEYS}/{data(r)['id']}", json={"scopes": ["workflows:run"]}, headers=auth
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "name"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "x" * 121}, ["body", "name"]),
        ({"name": 5}, ["body", "name"]),
        ({"name": "ok", "scopes": ["nope:read"]}, ["body", "scopes", 0]),
        ({"name": "ok", "scopes": "voices:read"}, ["body", "scopes"]),
        ({"name": "ok", "rate_limit_per_min": 0}, ["body", "rate_limit_per_min"]),
        ({"name": "ok", "rate_limit_per_min": "many"}, ["body", "rate_limit_per_min"]),
    ],
)
async def test_create_validation_fastapi_shape(
    http: httpx.AsyncClient, body: dict[str, Any], loc: list[Any]
) -> None:
    r = await http.post(KEYS, json=body)
    assert r.status_code == 422
    assert [d["loc"] for d in r.json()["detail"]] == [loc]


async def test_create_name_boundaries(http: httpx.AsyncClient) -> None:
    assert (await http.post(KEYS, json={"name": "x"})).status_code == 201
    assert (await http.post(KEYS, json={"name": "é" * 120})).status_code == 201


async def test_create_invalid_json_is_422(http: httpx.AsyncClient) -> None:
    r = await http.post(KEYS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("key_type", ["test", "public"])
async def test_reserved_key_type_is_422_with_details(
    http: httpx.AsyncClient, key_type: str
) -> None:
    r = await http.post(KEYS, json={"name": "x", "key_type": key_type})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    assert err["details"][0]["field"] == "key_type"


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("status=gone", "status"),
    ],
)
async def test_list_query_validation(http: httpx.AsyncClient, query: str, loc: str) -> None:
    r = await http.get(f"{KEYS}?{query}")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", loc]


async def test_list_pagination_absolute_links(
    http: httpx.AsyncClient, emulator: Emulator, base: str
) -> None:
    emulator.seed_keys(119)  # 120 with the bootstrap key
    r = await http.get(KEYS)
    body = r.json()
    assert len(body["data"]) == 50
    assert body["pagination"]["limit"] == 50 and body["pagination"]["total"] == 120
    assert body["pagination"]["prev"] is None
    root = base or emulator.base_url
    nxt = body["pagination"]["next"]
    assert nxt.startswith(root + KEYS) and "offset=50" in nxt and "limit=50" in nxt
    names: list[str] = [k["name"] for k in body["data"]]
    while nxt:
        page = (await http.get(nxt)).json()
        assert page["pagination"]["prev"] is not None
        names += [k["name"] for k in page["data"]]
        nxt = page["pagination"]["next"]
    assert len(names) == 120 and len(set(names)) == 120
    assert names == ["bootstrap"] + [f"seed-{n:03d}" for n in range(119)]  # stable order
    last = (await http.get(f"{KEYS}?offset=100&limit=50")).json()
    assert len(last["data"]) == 20 and last["pagination"]["next"] is None
    assert "offset=50" in last["pagination"]["prev"]
    beyond = (await http.get(f"{KEYS}?offset=500")).json()
    assert beyond["data"] == [] and beyond["pagination"]["total"] == 120


async def test_list_status_filter(http: httpx.AsyncClient, emulator: Emulator) -> None:
    a = emulator.create_key(name="a")
    b = emulator.create_key(name="b")
    await http.delete(f"{KEYS}/{a.id}")
    await http.patch(f"{KEYS}/{b.id}", json={"active": False})

    async def names(status: str | None) -> list[str]:
        q = f"?status={status}" if status else ""
        return [k["name"] for k in data(await http.get(f"{KEYS}{q}"))]

    assert await names(None) == ["bootstrap"]
    assert await names("active") == ["bootstrap"]
    assert await names("revoked") == ["a", "b"]
    assert await names("all") == ["bootstrap", "a", "b"]


async def test_update(http: httpx.AsyncClient, emulator: Emulator) -> None:
    key = emulator.create_key(name="old", scopes=["voices:read"], rate_limit_per_min=5)
    r = await http.patch(f"{KEYS}/{key.id}", json={"name": "new", "rate_limit_per_min": None})
    got = data(r)
    assert got["name"] == "new" and got["rate_limit_per_min"] is None
    assert got["scopes"] == ["voices:read"] and got["updated_at"] > key.updated_at.isoformat()[:19]
    got = data(await http.patch(f"{KEYS}/{key.id}", json={"scopes": ["catalog:read"]}))
    assert got["scopes"] == ["catalog:read"]
    r = await http.patch(f"{KEYS}/{key.id}", json={"active": "yes"})
    assert r.status_code == 422
    r = await http.patch(f"{KEYS}/{key.id}", json={"name": "x" * 121})
    assert r.status_code == 422


async def test_delete_is_soft_revoke(http: httpx.AsyncClient, emulator: Emulator) -> None:
    key = emulator.create_key(name="doomed")
    gone = data(await http.delete(f"{KEYS}/{key.id}"))
    assert gone["active"] is False and gone["revoked_at"] is not None
    again = data(await http.get(f"{KEYS}/{key.id}"))
    assert again["revoked_at"] == gone["revoked_at"]
    r = await http.patch(f"{KEYS}/{key.id}", json={"active": True})
    assert r.status_code == 410


async def test_rotate(http: httpx.AsyncClient, emulator: Emulator) -> None:
    key = emulator.create_key(name="rot", scopes=["voices:read"], rate_limit_per_min=7)
    r = await http.patch(f"{KEYS}/{key.id}/rotate")
    assert r.status_code == 200
    body = data(r)
    old, new = body["old_key"], body["new_key"]
    assert old["id"] == key.id and old["active"] is False and old["revoked_at"]
    assert new["id"] != key.id and new["api_key"].startswith("op_live_")
    assert (new["name"], new["scopes"], new["rate_limit_per_min"]) == ("rot", ["voices:read"], 7)
    r = await http.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key.api_key}"})
    assert r.status_code == 401
    r = await http.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {new['api_key']}"})
    assert r.status_code == 200
    assert (await http.patch(f"{KEYS}/{key.id}/rotate")).status_code == 410


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_other_workspace_and_unknown_ids_are_404(
    http: httpx.AsyncClient, emulator: Emulator, method: str
) -> None:
    other = emulator.create_account()
    foreign = emulator.create_key(workspace_id=other.workspace_id, name="theirs")
    for key_id in (foreign.id, "00000000-0000-4000-8000-000000000000"):
        r = await http.request(method, f"{KEYS}/{key_id}", json={} if method == "PATCH" else None)
        assert r.status_code == 404 and error_code(r) == "NOT_FOUND"
    r = await http.patch(f"{KEYS}/{foreign.id}/rotate")
    assert r.status_code == 404
    assert emulator.key(foreign.id) is not None and emulator.key(foreign.id).active  # type: ignore[union-attr]


async def test_malformed_id_is_422(http: httpx.AsyncClient) -> None:
    r = await http.get(f"{KEYS}/not-a-uuid")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "key_id"]


async def test_unknown_route_is_404_envelope(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/v1/nope")
    assert r.status_code == 404 and error_code(r) == "NOT_FOUND"


async def test_rate_limit_429_headers(http: httpx.AsyncClient, emulator: Emulator) -> None:
    limited = emulator.create_key(name="slow", rate_limit_per_min=3)
    auth = {"Authorization": f"Bearer {limited.api_key}"}
    remaining = []
    for _ in range(3):
        r = await http.get("/api/v1/auth/whoami", headers=auth)
        assert r.status_code == 200
        assert r.headers["X-RateLimit-Limit"] == "3"
        remaining.append(r.headers["X-RateLimit-Remaining"])
        assert 0 < float(r.headers["X-RateLimit-Reset"]) <= 60
    assert remaining == ["2", "1", "0"]
    r = await http.get("/api/v1/auth/whoami", headers=auth)
    assert r.status_code == 429 and error_code(r) == "RATE_LIMITED"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.headers["X-RateLimit-Remaining"] == "0"
    # unlimited keys carry no rate-limit headers
    r = await http.get("/api/v1/auth/whoami")
    assert "X-RateLimit-Limit" not in r.headers


async def test_rate_limit_window_resets() -> None:
    emu = Emulator(rate_limit_window=0.2)
    key = emu.create_key(name="fast", rate_limit_per_min=600)  # 2 per 0.2 s window
    async with httpx.AsyncClient(
        base_url=emu.base_url,
        transport=emu.transport(),
        headers={"Authorization": f"Bearer {key.api_key}"},
    ) as http:
        statuses = [(await http.get("/api/v1/auth/whoami")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        deadline = time.monotonic() + 2
        while (await http.get("/api/v1/auth/whoami")).status_code == 429:
            assert time.monotonic() < deadline


@pytest.mark.parametrize("path", [KEYS, f"{KEYS}/{{id}}/rotate"])
async def test_idempotency_key_replays(
    http: httpx.AsyncClient, emulator: Emulator, path: str
) -> None:
    key = emulator.create_key(name="rot")
    method = "POST" if path == KEYS else "PATCH"
    url = path.format(id=key.id)
    body = {"name": "once"} if method == "POST" else None
    first = await http.request(method, url, json=body, headers={"Idempotency-Key": "k-1"})
    second = await http.request(method, url, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    if method == "POST":
        names = [k["name"] for k in data(await http.get(f"{KEYS}?status=all"))]
        assert names.count("once") == 1
        r = await http.post(url, json={"name": "different"}, headers={"Idempotency-Key": "k-1"})
        assert r.status_code == 409 and error_code(r) == "IDEMPOTENCY_KEY_REUSED"


# -- faults -------------------------------------------------------------------


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


async def test_global_latency(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.latency = 0.1
    start = time.monotonic()
    assert (await http.get(KEYS)).status_code == 200
    assert time.monotonic() - start >= 0.1


async def test_fault_drop(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.inject(Fault.drop(method="POST", path=KEYS))
    with pytest.raises(httpx.RemoteProtocolError):
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
    assert emulator.bootstrap.api_key not in repr(emulator.requests)
    assert first.headers["authorization"] == "Bearer [redacted api_key]"
    emulator.clear_requests()
    assert emulator.requests == []


# -- admin API over HTTP ----------------------------------------------------------


async def test_admin_api_requires_token(server: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/_emulator/faults")).status_code == 401
        bad = {"Authorization": "Bearer nope"}
        assert (await http.get("/_emulator/requests", headers=bad)).status_code == 401


def test_admin_api_drives_faults_and_accounts(server: RunningEmulator) -> None:
    emu = server.emulator
    state = server.admin("GET", "state")
    assert state["api_key"] == emu.bootstrap.api_key
    server.admin(
        "POST", "faults", {"kind": "status", "status": 503, "path": KEYS, "retry_after": 2}
    )
    assert [f["kind"] for f in server.admin("GET", "faults")] == ["status"]
    auth = {"Authorization": f"Bearer {emu.bootstrap.api_key}"}
    r = httpx.get(server.base_url + KEYS, headers=auth)
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert server.admin("GET", "requests")[0]["status"] == 503
    server.admin("POST", "seed", {"count": 10})
    assert httpx.get(server.base_url + KEYS, headers=auth).json()["pagination"]["total"] == 11
    account = server.admin("POST", "accounts", {"email": "b@example.com"})
    key = server.admin(
        "POST",
        "keys",
        {
            "workspace_id": account["workspace_id"],
            "name": "k",
            "scopes": ["voices:read"],
            "rate_limit_per_min": 1,
        },
    )
    r = httpx.get(
        server.base_url + "/api/v1/auth/whoami",
        headers={"Authorization": f"Bearer {key['api_key']}"},
    )
    assert r.json()["data"]["workspace_id"] == account["workspace_id"]
    server.admin("PUT", "latency", {"seconds": 0.05})
    assert emu.latency == 0.05
    server.admin("DELETE", "faults")
    server.admin("DELETE", "requests")
    assert emu.requests == [] and emu.faults.pending() == []
    with pytest.raises(httpx.HTTPStatusError):
        server.admin("POST", "faults", {"kind": "status", "bogus": 1})


def test_seed_100k_keys() -> None:
    emu = Emulator(seed_keys=100_000)
    rows, total = emu.store.list_keys(
        emu.store.authenticate(f"Bearer {emu.bootstrap.api_key}", None),
        offset=99_900,
        limit=100,
        status="active",
    )
    assert total == 100_001
    assert [r.name for r in rows] == [f"seed-{n:06d}" for n in range(99_899, 99_999)]
