"""Who may manage keys: a session token only (documented), or any token (``key_management``)."""

from __future__ import annotations

import httpx
import pytest

import onepin
from onepin._async import OnePinClient
from onepin.testing import Emulator

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
