"""Who may manage keys: a session token only (documented), or any token (``key_management``)."""

from __future__ import annotations

import httpx
import pytest

import onepin
from onepin._async import OnePinClient
from onepin.testing import Emulator, EmulatorProcess, Fault

pytestmark = pytest.mark.anyio


def _client(emulator: Emulator, token: str) -> OnePinClient:
    http = httpx.AsyncClient(transport=emulator.transport())
    return OnePinClient(token, base_url=emulator.base_url, http_client=http, max_retries=0)


async def test_session_mode_refuses_api_keys_on_every_key_endpoint() -> None:
    emulator = Emulator(key_management="session")
    boot = emulator.bootstrap
    async with _client(emulator, boot.api_key) as client:
        assert (await client.auth.whoami()).auth_kind == "api_key"  # whoami stays open
        with pytest.raises(onepin.SessionRequiredError) as caught:
            await client.api_keys.list().__anext__()
        assert caught.value.status_code == 403
        assert caught.value.code == "SESSION_TOKEN_REQUIRED"
        assert "session token" in str(caught.value)
        assert isinstance(caught.value, onepin.PermissionDeniedError)
        with pytest.raises(onepin.SessionRequiredError):
            await client.api_keys.create(name="x")
        with pytest.raises(onepin.SessionRequiredError):
            await client.api_keys.get(boot.api_key_id)
        with pytest.raises(onepin.SessionRequiredError):
            await client.api_keys.delete(boot.api_key_id)
    assert emulator.store.get_row(boot.api_key_id).active  # type: ignore[union-attr]
    async with _client(emulator, boot.session_token) as client:
        created = await client.api_keys.create(name="by-session")
        assert created.name == "by-session"


async def test_any_mode_lets_an_api_key_manage_keys() -> None:
    emulator = Emulator(key_management="any")
    async with _client(emulator, emulator.bootstrap.api_key) as client:
        assert (await client.api_keys.create(name="x")).name == "x"


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="key_management"):
        Emulator(key_management="sometimes")  # type: ignore[arg-type]


async def test_session_is_the_default_everywhere() -> None:
    emulator = Emulator()
    assert emulator.key_management == "session"
    assert emulator.options.key_management == "session"
    async with _client(emulator, emulator.bootstrap.api_key) as client:
        with pytest.raises(onepin.SessionRequiredError):
            await client.api_keys.get(emulator.bootstrap.api_key_id)
    from onepin.testing.__main__ import _parser

    assert _parser().parse_args([]).key_management == "session"


def test_an_emulator_process_refuses_api_keys_by_default() -> None:
    with EmulatorProcess() as proc:
        boot = proc.bootstrap
        as_key = {"Authorization": f"Bearer {boot.api_key}"}
        as_session = {"Authorization": f"Bearer {boot.session_token}"}
        refused = httpx.get(proc.base_url + "/api/v1/api-keys", headers=as_key)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "SESSION_TOKEN_REQUIRED"
        assert httpx.get(proc.base_url + "/api/v1/auth/whoami", headers=as_key).status_code == 200
        listed = httpx.get(proc.base_url + "/api/v1/api-keys", headers=as_session)
        assert listed.status_code == 200


async def test_the_sdk_error_gives_the_advice_whatever_the_server_says() -> None:
    emulator = Emulator()
    body = {"error": {"code": "SESSION_TOKEN_REQUIRED", "message": "Forbidden"}}
    emulator.inject(Fault.status_code(403, body=body))
    async with _client(emulator, emulator.bootstrap.api_key) as client:
        with pytest.raises(onepin.SessionRequiredError) as caught:
            await client.auth.whoami()
    assert "Forbidden" in str(caught.value)
    assert "session token" in str(caught.value)
    assert emulator.bootstrap.api_key not in str(caught.value)
