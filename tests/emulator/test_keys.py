"""The api-keys endpoints against the contract, driven with plain httpx (no SDK)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from onepin.testing import Emulator
from tests.emulator.helpers import KEYS, data, error_code

pytestmark = pytest.mark.anyio


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


async def test_an_absent_field_gets_seed_002s_default_and_null_means_none(
    http: httpx.AsyncClient,
) -> None:
    created = data(await http.post(KEYS, json={"name": "Production API Key"}))
    assert created["scopes"] == ["workflows:read", "workflows:run", "voices:read"]
    assert created["rate_limit_per_min"] == 1000
    nulls = {"name": "n", "scopes": None, "rate_limit_per_min": None}
    created = data(await http.post(KEYS, json=nulls))
    assert created["scopes"] == [] and created["rate_limit_per_min"] is None


async def test_scopes_come_back_in_the_order_given(http: httpx.AsyncClient) -> None:
    given = ["voices:read", "catalog:read", "workflows:read", "voices:read"]
    created = data(await http.post(KEYS, json={"name": "o", "scopes": given}))
    assert created["scopes"] == ["voices:read", "catalog:read", "workflows:read"]
    given = ["workspace:read", "dictionary:read"]
    updated = data(await http.patch(f"{KEYS}/{created['id']}", json={"scopes": given}))
    assert updated["scopes"] == given


async def test_shapes_as_the_seeds_show_them(http: httpx.AsyncClient, emulator: Emulator) -> None:
    created = data(await http.post(KEYS, json={"name": "s"}))
    # created_by: the user's UUID form, the same for every key the user makes
    assert str(uuid.UUID(created["created_by"])) == created["created_by"]
    boot = data(await http.get(f"{KEYS}/{emulator.bootstrap.api_key_id}"))
    assert boot["created_by"] == created["created_by"]
    # whoami keeps the contract's user id
    assert data(await http.get("/api/v1/auth/whoami"))["user_id"].startswith("usr_01")
    # times in whole seconds, like 2024-04-15T09:30:00Z
    for field in ("created_at", "updated_at"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created[field]), created[field]
    revoked = data(await http.delete(f"{KEYS}/{created['id']}"))
    assert "." not in revoked["revoked_at"] and "." not in revoked["updated_at"]


async def test_status_all_keeps_insertion_order_with_revoked_rows_in_place(
    http: httpx.AsyncClient,
) -> None:
    ids = [data(await http.post(KEYS, json={"name": f"k{n}"}))["id"] for n in range(4)]
    await http.delete(f"{KEYS}/{ids[1]}")
    await http.patch(f"{KEYS}/{ids[2]}", json={"name": "renamed"})
    listed = data(await http.get(KEYS, params={"status": "all"}))
    assert [k["id"] for k in listed][1:] == ids  # oldest first, the bootstrap key before
    active = data(await http.get(KEYS))
    assert [k["id"] for k in active][1:] == [ids[0], ids[2], ids[3]]


async def test_cannot_grant_scope_not_held(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.key_management = "any"  # only API keys can lack a scope
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
    (detail,) = r.json()["detail"]  # the shape of every other 422 here
    assert detail["loc"] == ["body", "key_type"] and detail["input"] == key_type
    assert "reserved" in detail["msg"]
    ok = await http.post(KEYS, json={"name": "x", "key_type": "live"})
    assert ok.status_code == 201


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
