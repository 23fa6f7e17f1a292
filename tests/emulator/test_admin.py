"""The /_emulator/ control API over HTTP."""

from __future__ import annotations

import httpx
import pytest

from onepin.testing import RunningEmulator
from tests.emulator.helpers import KEYS

pytestmark = pytest.mark.anyio


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
    auth = {"Authorization": f"Bearer {emu.bootstrap.session_token}"}
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
