"""Every error class, from real emulator answers and injected faults."""

from __future__ import annotations

import socket

import pytest

from onepin import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SessionRequiredError,
    UnprocessableEntityError,
    UpgradeRequiredError,
)
from onepin._async import OnePinClient
from onepin.testing import Fault, RunningEmulator

pytestmark = pytest.mark.anyio

KEYS = "/api/v1/api-keys"
MISSING = "00000000-0000-4000-8000-000000000000"


async def test_400_bad_workspace_header(client: OnePinClient) -> None:
    with pytest.raises(BadRequestError) as info:
        await client.with_options(workspace_id="not-a-uuid").auth.whoami()
    assert info.value.status_code == 400
    assert info.value.code == "INVALID_WORKSPACE_HEADER"
    assert info.value.request_id is not None


async def test_401_invalid_token(server: RunningEmulator) -> None:
    bad = "op_live_" + "Z" * 32
    async with OnePinClient(bad, base_url=server.base_url) as c:
        with pytest.raises(AuthenticationError) as info:
            await c.auth.whoami()
    err = info.value
    assert err.code == "INVALID_API_KEY"
    assert bad not in str(err)
    assert bad not in repr(err)


async def test_403_workspace_mismatch_and_scope(
    client: OnePinClient, server: RunningEmulator
) -> None:
    other = server.emulator.create_account()
    with pytest.raises(PermissionDeniedError) as info:
        await client.with_options(workspace_id=other.workspace_id).auth.whoami()
    assert info.value.code == "WORKSPACE_MISMATCH"
    narrow = server.emulator.create_key(name="narrow", scopes=["voices:read"])
    async with OnePinClient(narrow.api_key, base_url=server.base_url) as c:
        with pytest.raises(SessionRequiredError) as refused:  # the documented rule
            await c.api_keys.create(name="wider", scopes=["voices:write"])
        assert "session token" in str(refused.value)
        server.emulator.key_management = "any"  # a deployment that lets API keys manage keys
        with pytest.raises(PermissionDeniedError) as info:
            await c.api_keys.create(name="wider", scopes=["voices:write"])
    assert info.value.code == "SCOPE_NOT_HELD"
    assert info.value.details[0].field == "scopes"


async def test_404(client: OnePinClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.api_keys.get(MISSING)
    assert info.value.code == "NOT_FOUND"
    assert info.value.message == "API key not found"
    assert "404 NOT_FOUND: API key not found" in str(info.value)


async def test_409_not_retried(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(
        Fault.status_code(409, body={"error": {"code": "CONFLICT", "message": "busy"}})
    )
    with pytest.raises(ConflictError) as info:
        await client.api_keys.get(MISSING)
    assert info.value.code == "CONFLICT"
    assert len(server.emulator.requests) == 1


async def test_410_rotating_a_revoked_key(client: OnePinClient, server: RunningEmulator) -> None:
    key = server.emulator.create_key(name="gone")
    await client.api_keys.delete(key.id)
    with pytest.raises(GoneError):
        await client.api_keys.rotate(key.id)


async def test_422_fastapi_shape(client: OnePinClient) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.api_keys.create(name="x" * 121, scopes=["nope:read"])
    err = info.value
    assert err.code == "VALIDATION_ERROR"
    assert [d.field for d in err.details] == ["name", "scopes.0"]
    assert "name:" in str(err)


async def test_422_error_envelope_shape(client: OnePinClient, server: RunningEmulator) -> None:
    body = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Only live keys are supported",
            "details": [{"field": "key_type", "message": "'test' is reserved"}],
        },
        "meta": {"request_id": "req-1", "timestamp": "2024-04-15T09:30:00Z"},
    }
    server.emulator.inject(Fault.status_code(422, body=body))
    with pytest.raises(UnprocessableEntityError) as info:
        await client.api_keys.create(name="x")
    assert info.value.details[0].field == "key_type"
    assert info.value.request_id == "req-1"


async def test_422_null_details(client: OnePinClient, server: RunningEmulator) -> None:
    body = {"error": {"code": "BAD", "message": "m", "details": None}}
    server.emulator.inject(Fault.status_code(422, body=body))
    with pytest.raises(UnprocessableEntityError) as info:
        await client.auth.whoami()
    assert info.value.details == ()


async def test_426_upgrade_required(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.status_code(426, headers={"X-OnePin-Required-Version": "9.0.0"}))
    with pytest.raises(UpgradeRequiredError) as info:
        await client.auth.whoami()
    assert info.value.required_version == "9.0.0"


async def test_429_from_a_rate_limited_key(server: RunningEmulator) -> None:
    limited = server.emulator.create_key(name="slow", rate_limit_per_min=1)
    async with OnePinClient(limited.api_key, base_url=server.base_url, max_retries=0) as c:
        await c.auth.whoami()
        with pytest.raises(RateLimitError) as info:
            await c.auth.whoami()
    assert info.value.code == "RATE_LIMITED"
    assert info.value.retry_after is not None
    assert 1 <= info.value.retry_after <= 60


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_5xx_empty_body(client: OnePinClient, server: RunningEmulator, status: int) -> None:
    server.emulator.inject(Fault.status_code(status, body=b"", times=None))
    with pytest.raises(InternalServerError) as info:
        await client.with_options(max_retries=0).auth.whoami()
    assert info.value.status_code == status
    assert info.value.code is None
    assert info.value.message


async def test_502_html_page(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.html_502(times=None))
    with pytest.raises(InternalServerError) as info:
        await client.with_options(max_retries=0).api_keys.get(MISSING)
    assert info.value.status_code == 502
    assert "non-JSON text/html body" in info.value.message


async def test_unknown_4xx_is_api_status_error(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.status_code(418, body="teapot"))
    with pytest.raises(APIStatusError) as info:
        await client.auth.whoami()
    assert type(info.value) is APIStatusError
    assert info.value.status_code == 418


async def test_truncated_json_is_a_validation_error(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.inject(Fault.truncate(path=KEYS))
    with pytest.raises(APIResponseValidationError, match="not valid JSON") as info:
        await client.api_keys.list_page()
    assert info.value.status_code == 200


async def test_wrong_shape_names_the_json_path(
    client: OnePinClient, server: RunningEmulator
) -> None:
    body = {"data": {"auth_kind": "api_key", "user_id": 42}, "meta": {}}
    server.emulator.inject(Fault.status_code(200, body=body))
    with pytest.raises(APIResponseValidationError, match=r"\$\.data\.user_id"):
        await client.auth.whoami()


async def test_unknown_fields_and_scopes_are_accepted(
    client: OnePinClient, server: RunningEmulator
) -> None:
    body = {
        "data": {
            "auth_kind": "api_key",
            "user_id": "usr_1",
            "scopes": ["future:scope", "voices:read"],
            "brand_new_field": {"nested": True},
        },
        "meta": {"request_id": "r", "extra": 1},
        "links": [],
    }
    server.emulator.inject(Fault.status_code(200, body=body))
    me = await client.auth.whoami()
    assert me.scopes == ("future:scope", "voices:read")


async def test_dropped_connection(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.drop(times=None))
    with pytest.raises(APIConnectionError) as info:
        await client.with_options(max_retries=0).auth.whoami()
    assert info.value.request_sent
    assert not info.value.outcome_unknown  # a GET is idempotent


async def test_connection_refused(server: RunningEmulator) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = server.emulator.bootstrap.api_key
    async with OnePinClient(token, base_url=f"http://127.0.0.1:{port}", max_retries=0) as c:
        with pytest.raises(APIConnectionError) as info:
            await c.auth.whoami()
    assert not isinstance(info.value, APITimeoutError)
    assert not info.value.request_sent
    assert token not in str(info.value)


async def test_read_timeout(client: OnePinClient, server: RunningEmulator) -> None:
    server.emulator.inject(Fault.latency(1.0))
    with pytest.raises(APITimeoutError) as info:
        await client.with_options(timeout=0.1, max_retries=0).auth.whoami()
    assert info.value.request_sent
