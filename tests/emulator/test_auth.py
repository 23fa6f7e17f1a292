"""Who is calling: API keys, session tokens, the workspace header (contract section 1)."""

from __future__ import annotations

import httpx
import pytest

from onepin.testing import ALL_SCOPES, Emulator
from tests.emulator.helpers import KEYS, data, error_code

pytestmark = pytest.mark.anyio


async def test_whoami_api_key(http: httpx.AsyncClient, emulator: Emulator) -> None:
    auth = {"Authorization": f"Bearer {emulator.bootstrap.api_key}"}
    r = await http.get("/api/v1/auth/whoami", headers=auth)
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
