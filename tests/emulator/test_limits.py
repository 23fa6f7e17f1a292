"""Per-key rate limits and Idempotency-Key replay."""

from __future__ import annotations

import time

import httpx
import pytest

from onepin.testing import Emulator
from tests.emulator.helpers import KEYS, data, error_code

pytestmark = pytest.mark.anyio


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
