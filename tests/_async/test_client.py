"""Every endpoint and model field, through the client, against the emulator."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
import pytest

from onepin import (
    NOT_GIVEN,
    ApiKey,
    CreatedApiKey,
    KeyStatus,
    OnePinConfigurationError,
    RotatedApiKey,
    Scope,
    UnprocessableEntityError,
    WhoAmI,
    __version__,
)
from onepin._async import OnePinClient
from onepin.testing import ALL_SCOPES, RunningEmulator

pytestmark = pytest.mark.anyio


async def test_whoami(key_client: OnePinClient, server: RunningEmulator) -> None:
    me = await key_client.auth.whoami()
    boot = server.emulator.bootstrap
    assert isinstance(me, WhoAmI)
    assert me.auth_kind == "api_key"
    assert me.user_id == boot.user_id
    assert me.email == boot.email
    assert me.workspace_id == boot.workspace_id
    assert me.api_key_id == boot.api_key_id
    assert me.key_name == "bootstrap"
    assert me.scopes == tuple(sorted(ALL_SCOPES))
    assert Scope.WORKFLOWS_WRITE in me.scopes


async def test_whoami_session_token(server: RunningEmulator) -> None:
    token = server.emulator.bootstrap.session_token
    async with OnePinClient(token, base_url=server.base_url) as c:
        me = await c.auth.whoami()
    assert me.auth_kind == "clerk"
    assert me.api_key_id is None
    assert me.key_name is None


async def test_create_get_update_delete(client: OnePinClient) -> None:
    created = await client.api_keys.create(
        name="ci", scopes=[Scope.WORKFLOWS_READ, "voices:read"], rate_limit_per_min=120
    )
    assert isinstance(created, CreatedApiKey)
    assert created.api_key.startswith("op_live_")
    assert len(created.api_key) == 40
    assert created.key_suffix == created.api_key[8:16]
    assert created.preview == "op_live_" + created.key_suffix
    assert created.name == "ci"
    assert created.scopes == ("workflows:read", "voices:read")  # in the order given
    assert created.rate_limit_per_min == 120
    assert created.active is True
    assert created.key_type == "live"
    assert created.key_prefix == "op_live_"
    assert created.revoked_at is None
    assert created.last_used_at is None
    assert isinstance(created.created_at, datetime)
    assert created.created_at.tzinfo is not None
    assert created.updated_at >= created.created_at
    assert created.created_by is not None

    got = await client.api_keys.get(created.id)
    assert isinstance(got, ApiKey)
    assert not isinstance(got, CreatedApiKey)
    assert got.id == created.id
    assert got.workspace_id == created.workspace_id

    renamed = await client.api_keys.update(created.id, name="ci-2", rate_limit_per_min=None)
    assert renamed.name == "ci-2"
    assert renamed.rate_limit_per_min is None
    assert renamed.scopes == created.scopes  # NOT_GIVEN fields are left alone
    paused = await client.api_keys.update(created.id, active=False, scopes=["voices:read"])
    assert paused.active is False
    assert paused.scopes == ("voices:read",)
    assert paused.name == "ci-2"

    revoked = await client.api_keys.delete(created.id)
    assert revoked.active is False
    assert revoked.revoked_at is not None


async def test_create_sends_only_what_was_given(client: OnePinClient) -> None:
    # An absent field gets the server's default (seed 002: 1000/min), never a null.
    named = await client.api_keys.create(name="a", scopes=["voices:read"])
    assert named.scopes == ("voices:read",) and named.rate_limit_per_min == 1000
    bare = await client.api_keys.create(name="b")
    assert bare.scopes == ("workflows:read", "workflows:run", "voices:read")
    assert bare.rate_limit_per_min == 1000
    explicit = await client.api_keys.create(name="c", scopes=None, rate_limit_per_min=None)
    assert explicit.scopes == () and explicit.rate_limit_per_min is None  # none, unlimited


async def test_create_key_type(client: OnePinClient) -> None:
    assert (await client.api_keys.create(name="l", key_type="live")).key_type == "live"
    with pytest.raises(UnprocessableEntityError) as info:  # reserved: the server says so
        await client.api_keys.create(name="t", key_type="test")
    assert info.value.details[0].field == "key_type"
    assert "reserved" in info.value.details[0].message


async def test_update_sends_only_given_fields(
    client: OnePinClient, server: RunningEmulator
) -> None:
    key = server.emulator.create_key(name="k", rate_limit_per_min=9)
    unchanged = await client.api_keys.update(key.id, name=NOT_GIVEN)
    assert unchanged.rate_limit_per_min == 9
    assert unchanged.name == "k"


async def test_rotate(client: OnePinClient, server: RunningEmulator) -> None:
    key = server.emulator.create_key(name="rot", scopes=["voices:read"], rate_limit_per_min=7)
    rotated = await client.api_keys.rotate(key.id)
    assert isinstance(rotated, RotatedApiKey)
    assert rotated.old_key.id == key.id
    assert rotated.old_key.active is False
    assert rotated.old_key.revoked_at is not None
    new = rotated.new_key
    assert new.id != key.id
    assert (new.name, new.scopes, new.rate_limit_per_min) == ("rot", ("voices:read",), 7)
    async with OnePinClient(new.api_key, base_url=server.base_url) as c:
        assert (await c.auth.whoami()).api_key_id == new.id


async def test_list_page(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.seed_keys(30)
    page = await client.api_keys.list_page(offset=10, limit=7, status=KeyStatus.ALL)
    assert [k.name for k in page.items] == [f"seed-{n:02d}" for n in range(9, 16)]
    assert page.offset == 10
    assert page.limit == 7
    assert page.total == 31
    assert page.has_more
    assert page.next is not None
    assert "offset=17" in page.next
    assert page.prev is not None
    assert page.request_id is not None


async def test_secrets_stay_out_of_reprs_and_logs(
    server: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    token = server.emulator.bootstrap.session_token
    caplog.set_level(logging.DEBUG)
    async with OnePinClient(token, base_url=server.base_url) as c:
        created = await c.api_keys.create(name="secret")
        rotated = await c.api_keys.rotate(created.id)
        await c.auth.whoami()
        assert token not in repr(c)
        assert created.api_key not in repr(created)
        assert rotated.new_key.api_key not in repr(rotated)
        assert "op_live_" not in repr(c)
    onepin_lines = [r for r in caplog.records if r.name == "onepin"]
    assert len(onepin_lines) == 3  # one line per attempt
    assert f"GET {server.base_url}/api/v1/auth/whoami -> 200" in onepin_lines[-1].getMessage()
    assert "request_id=" in onepin_lines[-1].getMessage()
    for secret in (token, created.api_key, rotated.new_key.api_key):
        assert secret not in caplog.text


async def test_request_headers(client: OnePinClient, server: RunningEmulator) -> None:
    await client.auth.whoami()
    created = await client.api_keys.create(name="h")
    await client.api_keys.rotate(created.id)
    whoami, create, rotate = server.emulator.requests
    assert whoami.headers["user-agent"] == f"onepin-python/{__version__}"
    assert whoami.headers["x-onepin-retry-count"] == "0"
    assert whoami.headers["authorization"] == "Bearer [redacted session]"
    assert "idempotency-key" not in whoami.headers
    assert "x-workspace-id" not in whoami.headers
    assert create.headers["idempotency-key"] != rotate.headers["idempotency-key"]
    assert create.headers["content-type"] == "application/json"


async def test_workspace_header_per_client_and_per_call(server: RunningEmulator) -> None:
    boot = server.emulator.bootstrap
    async with OnePinClient(
        boot.api_key, base_url=server.base_url, workspace_id=boot.workspace_id
    ) as c:
        await c.auth.whoami()
        await c.with_options(workspace_id=None).auth.whoami()
        assert c.workspace_id == boot.workspace_id
    first, second = server.emulator.requests
    assert first.headers["x-workspace-id"] == boot.workspace_id
    assert "x-workspace-id" not in second.headers


async def test_with_options_shares_the_pool(server: RunningEmulator) -> None:
    http = httpx.AsyncClient()
    async with OnePinClient(
        server.emulator.bootstrap.api_key, base_url=server.base_url, http_client=http
    ) as c:
        clone = c.with_options(max_retries=0, timeout=5)
        await clone.aclose()  # does not close the shared pool
        assert (await c.auth.whoami()).key_name == "bootstrap"
    assert not http.is_closed  # the caller's client is the caller's to close
    await http.aclose()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://example.com"},
        {"base_url": "not a url"},
        {"max_retries": -1},
        {"deadline": 0},
        {"max_concurrency": 0},
    ],
)
async def test_bad_options_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(OnePinConfigurationError):
        OnePinClient("op_live_x", **kwargs)  # type: ignore[arg-type]


async def test_with_options_rejects_unknown_names(client: OnePinClient) -> None:
    with pytest.raises(TypeError, match="unknown client options"):
        client.with_options(retries=3)  # type: ignore[call-arg]
    with pytest.raises(OnePinConfigurationError):
        client.with_options(max_retries=-1)


@pytest.mark.parametrize("token", ["", "   "])
async def test_empty_token_is_a_configuration_error(token: str) -> None:
    with pytest.raises(OnePinConfigurationError, match="token"):
        OnePinClient(token)


@pytest.mark.parametrize("token", ["op_live_SECRET\nx", "op_live_SECRET x", "op_live_SECRET\u20ac"])
async def test_unsendable_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(OnePinConfigurationError, match="visible ASCII") as info:
        OnePinClient(token)
    assert "SECRET" not in str(info.value)


async def test_bad_arguments_raise_before_any_request(
    client: OnePinClient, server: RunningEmulator
) -> None:
    with pytest.raises(ValueError, match="limit"):
        await client.api_keys.list_page(limit=101)
    with pytest.raises(ValueError, match="offset"):
        await client.api_keys.list_page(offset=-1)
    with pytest.raises(ValueError, match="status"):
        await client.api_keys.list_page(status="")
    with pytest.raises(ValueError, match="key_id"):
        await client.api_keys.get("")
    with pytest.raises(ValueError, match="limit"):
        client.api_keys.list(page_size=0)
    assert server.emulator.requests == []


async def test_a_status_added_later_is_sent(client: OnePinClient, server: RunningEmulator) -> None:
    # The emulator knows three; a newer server may know more. The SDK sends any.
    with pytest.raises(UnprocessableEntityError) as info:
        await client.api_keys.list_page(status="expiring")
    assert info.value.details[0].field == "status"
    (sent,) = server.emulator.requests
    assert sent.query["status"] == "expiring"
    with pytest.raises(UnprocessableEntityError):
        [k async for k in client.api_keys.list(status="expiring")]


async def test_key_ids_are_quoted_into_the_path(
    client: OnePinClient, server: RunningEmulator
) -> None:
    from onepin import NotFoundError

    with pytest.raises(NotFoundError):
        await client.api_keys.get("../auth/whoami")
    assert server.emulator.requests[0].path.startswith("/api/v1/api-keys/")
    # a dot segment alone would be resolved away: the list endpoint, or one above it
    for dots in (".", ".."):
        with pytest.raises(ValueError, match="key_id"):
            await client.api_keys.get(dots)
        with pytest.raises(ValueError, match="key_id"):
            await client.api_keys.rotate(dots)
    assert len(server.emulator.requests) == 1


async def test_from_env(server: RunningEmulator) -> None:
    env = {"ONEPIN_API_KEY": server.emulator.bootstrap.api_key, "ONEPIN_BASE_URL": server.base_url}
    async with OnePinClient.from_env(env=env, max_retries=0) as c:
        assert c.base_url == server.base_url
        assert (await c.auth.whoami()).key_name == "bootstrap"
