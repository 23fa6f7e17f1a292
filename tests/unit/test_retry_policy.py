"""The retry policy's decisions and the typed errors it decides on, without I/O."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from onepin import APIConnectionError, APITimeoutError, InternalServerError, RateLimitError
from onepin._failures import from_response, from_transport, retry_after_seconds
from onepin._retry import RetryPolicy


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, headers=headers, request=httpx.Request("GET", "https://api.onepin.ai/x")
    )


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "-4"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    wait = retry_after_seconds({"retry-after": when})
    assert wait is not None
    assert 25 <= wait <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert retry_after_seconds({"retry-after": past}) == 0.0


@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "1e400"])
@pytest.mark.parametrize("name", ["retry-after", "retry-after-ms"])
def test_a_wait_that_is_not_a_finite_number_is_no_wait_asked(name: str, raw: str) -> None:
    """``inf`` and ``nan`` parse as floats: a server sending them asks nothing sleepable."""
    assert retry_after_seconds({name: raw}) is None


def test_decisions() -> None:
    policy = RetryPolicy(max_retry_wait=10)
    err_503 = from_response(response(503), outcome_unknown=False)
    assert isinstance(err_503, InternalServerError)
    assert policy.should_retry(err_503, idempotent=True)
    assert not policy.should_retry(err_503, idempotent=False)
    assert RetryPolicy(trust_idempotency_keys=True).should_retry(err_503, idempotent=False)
    rate = from_response(response(429, {"retry-after": "2"}), outcome_unknown=False)
    assert isinstance(rate, RateLimitError)
    assert policy.should_retry(rate, idempotent=False)
    long_wait = from_response(response(429, {"retry-after": "11"}), outcome_unknown=False)
    assert not policy.should_retry(long_wait, idempotent=True)
    for status in (400, 401, 403, 404, 409, 410, 422, 426):
        assert not policy.should_retry(
            from_response(response(status), outcome_unknown=False), idempotent=True
        )
    before = APIConnectionError("refused", request_sent=False)
    after = APITimeoutError("read timeout", request_sent=True)
    assert policy.should_retry(before, idempotent=False)
    assert not policy.should_retry(after, idempotent=False)
    assert policy.should_retry(after, idempotent=True)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(), GeneratorExit(), ValueError()])
def test_never_retries_foreign_or_base_exceptions(exc: BaseException) -> None:
    assert not RetryPolicy().should_retry(exc, idempotent=True)


def test_retry_after_is_parsed_once_and_stored() -> None:
    err = from_response(response(503, {"retry-after": "7"}), outcome_unknown=False)
    assert err.retry_after == 7.0
    assert from_response(response(500), outcome_unknown=False).retry_after is None
    assert RetryPolicy().delay(err, attempt=1) == 7.0


def test_backoff_grows_with_jitter_up_to_its_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=2.0)
    plain = APIConnectionError("refused")
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (9, 2.0)):
        for _ in range(20):
            assert ceiling / 2 <= policy.delay(plain, attempt) <= ceiling


def test_local_protocol_errors_do_not_echo_headers() -> None:
    request = httpx.Request("GET", "https://api.onepin.ai/x")
    exc = httpx.LocalProtocolError(
        "Illegal header value b'Bearer op_live_SECRET\\nx'", request=request
    )
    error = from_transport(exc, idempotent=False)
    assert "SECRET" not in str(error)
    assert not error.request_sent
    assert not error.outcome_unknown
