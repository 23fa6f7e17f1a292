"""Every public error survives pickling, as a process pool needs, and carries no secret.

An error raised in a ``multiprocessing`` or ``concurrent.futures`` worker
travels to the parent as a pickle: an error that cannot be rebuilt hangs
``Pool.map`` or breaks the whole ``ProcessPoolExecutor``.
"""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest

import onepin
import onepin_sync
from onepin.testing import Emulator, Fault, RunningEmulator
from tests.reliability._helpers import MISSING

KEYS = "/api/v1/api-keys"
ENVELOPE = {
    "error": {"code": "SOME_CODE", "message": "something went wrong"},
    "meta": {"request_id": "req-123"},
}


def _failing_call(
    server: RunningEmulator, fault: Fault | None, **options: Any
) -> onepin.OnePinError:
    if fault is not None:
        server.emulator.inject(fault)
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, **options
    ) as client:
        try:
            client.api_keys.get(MISSING)
        except onepin.OnePinError as exc:
            return exc
    raise AssertionError("the call did not fail")


STATUS_FAULTS = [
    (400, onepin.BadRequestError),
    (401, onepin.AuthenticationError),
    (403, onepin.PermissionDeniedError),
    (404, onepin.NotFoundError),
    (409, onepin.ConflictError),
    (410, onepin.GoneError),
    (418, onepin.APIStatusError),
    (422, onepin.UnprocessableEntityError),
    (426, onepin.UpgradeRequiredError),
    (429, onepin.RateLimitError),
    (503, onepin.InternalServerError),
]


def _assert_same(before: BaseException, after: BaseException) -> None:
    assert type(after) is type(before)
    assert str(after) == str(before)
    assert after.args == before.args
    for name in (
        "status_code",
        "code",
        "message",
        "details",
        "request_id",
        "outcome_unknown",
        "request_sent",
    ):
        assert getattr(after, name, None) == getattr(before, name, None), name


@pytest.mark.parametrize(("status", "cls"), STATUS_FAULTS)
def test_status_errors_pickle(server: RunningEmulator, status: int, cls: type) -> None:
    headers = {"X-OnePin-Required-Version": "9.9.9"} if status == 426 else None
    fault = Fault.status_code(
        status, body=ENVELOPE, retry_after=120 if status == 429 else None, headers=headers
    )
    before = _failing_call(server, fault, max_retries=0)
    assert type(before) is cls
    data = pickle.dumps(before)
    assert server.emulator.bootstrap.session_token.encode() not in data
    after = pickle.loads(data)  # noqa: S301 - our own bytes
    _assert_same(before, after)
    assert after.status_code == status
    assert after.code == "SOME_CODE"
    assert after.request_id == "req-123"
    # What helps debugging stays: method, URL, status and body of the answer.
    assert after.response.status_code == status
    assert after.response.request.method == "GET"
    assert str(after.response.request.url).endswith(f"{KEYS}/{MISSING}")
    assert b"something went wrong" in after.response.content
    if status == 429:
        assert after.retry_after == pytest.approx(120, abs=1)
    if status == 426:
        assert after.required_version == "9.9.9"


@pytest.mark.parametrize(
    ("fault", "options", "cls"),
    [
        (Fault.truncate(), {}, onepin.APIResponseValidationError),
        (Fault.drop(), {"max_retries": 0}, onepin.APIConnectionError),
        (Fault.latency(3), {"max_retries": 0, "timeout": 0.3}, onepin.APITimeoutError),
    ],
    ids=["validation", "connection", "timeout"],
)
def test_other_errors_pickle(
    server: RunningEmulator, fault: Fault, options: dict[str, Any], cls: type
) -> None:
    server.emulator.create_key(name="there")
    # Faults apply to the listing, which answers 200 when left alone.
    server.emulator.inject(fault)
    with (
        onepin_sync.OnePinClient(
            server.emulator.bootstrap.session_token, base_url=server.base_url, **options
        ) as client,
        pytest.raises(cls) as info,
    ):
        client.api_keys.list_page()
    before = info.value
    data = pickle.dumps(before)
    assert server.emulator.bootstrap.session_token.encode() not in data
    _assert_same(before, pickle.loads(data))  # noqa: S301


def test_configuration_error_pickles() -> None:
    with pytest.raises(onepin.OnePinConfigurationError) as info:
        onepin_sync.OnePinClient("op_live_x", base_url="ftp://nowhere")
    _assert_same(info.value, pickle.loads(pickle.dumps(info.value)))  # noqa: S301


def test_request_headers_of_an_error_hold_no_token(server: RunningEmulator) -> None:
    error = _failing_call(server, None)
    assert isinstance(error, onepin.NotFoundError)
    token = server.emulator.bootstrap.session_token
    request = error.response.request
    assert "authorization" not in {k.lower() for k in request.headers}
    assert token not in repr(dict(request.headers))
    assert token not in repr(vars(error))


# -- real process pools -----------------------------------------------------------


def _get_name(base_url: str, token: str, key_id: str) -> str:
    """A worker's job: one call, which may raise."""
    with onepin_sync.OnePinClient(token, base_url=base_url, max_retries=0) as client:
        return client.api_keys.get(key_id).name


def _jobs(server: RunningEmulator) -> list[tuple[str, str, str]]:
    key = server.emulator.create_key(name="pooled")
    token = server.emulator.bootstrap.session_token
    return [(server.base_url, token, key.id), (server.base_url, token, MISSING)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool_reraises_typed(server: RunningEmulator, method: str) -> None:
    jobs = _jobs(server)
    with multiprocessing.get_context(method).Pool(2) as pool:
        assert pool.starmap_async(_get_name, jobs[:1]).get(timeout=30) == ["pooled"]
        result = pool.starmap_async(_get_name, jobs)
        with pytest.raises(onepin.NotFoundError) as info:
            result.get(timeout=30)  # the bug: the pool hangs, this times out
    assert info.value.code == "NOT_FOUND"
    assert info.value.request_id is not None


def test_process_pool_executor_reraises_typed(server: RunningEmulator) -> None:
    jobs = _jobs(server)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [pool.submit(_get_name, *job) for job in jobs]
        assert futures[0].result(timeout=30) == "pooled"
        with pytest.raises(onepin.NotFoundError) as info:
            futures[1].result(timeout=30)  # the bug: BrokenProcessPool
        # The pool is not broken: it takes more work.
        assert pool.submit(_get_name, *jobs[0]).result(timeout=30) == "pooled"
    assert info.value.status_code == 404


def test_mock_transport_error_pickles() -> None:
    """An error built from an answer that never crossed a socket pickles too."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json=ENVELOPE, headers={"x-request-id": "req-1"})

    emu = Emulator()
    client = onepin_sync.OnePinClient(
        emu.bootstrap.session_token,
        base_url="http://onepin.test",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(onepin.InternalServerError) as info:
        client.auth.whoami()
    data = pickle.dumps(info.value)
    assert emu.bootstrap.session_token.encode() not in data
    _assert_same(info.value, pickle.loads(data))  # noqa: S301
