"""Fuzzing: whatever the server sends, every endpoint returns a model or a ``OnePinError``.

Arbitrary statuses, bodies (well-formed envelopes with hostile leaves, broken
JSON, raw bytes), headers and content encodings go through
``httpx.MockTransport`` into every endpoint of both clients. 150 examples
run with the suite; ``ONEPIN_FUZZ_EXAMPLES=20000 nox -s fuzz`` runs
many more, with a fresh random seed.
"""

from __future__ import annotations

import gzip
import itertools
import os
import zlib
from typing import Any

import anyio
import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import onepin
from tests.reliability._helpers import (
    ALL_ENDPOINTS,
    ENDPOINTS,
    async_client,
    key_json,
    sync_client,
)

EXAMPLES = int(os.environ.get("ONEPIN_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 150,
    derandomize=not EXAMPLES,  # the suite is repeatable; the nox session explores
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MODELS = (onepin.WhoAmI, onepin.ApiKey, onepin.Page, onepin.CreatedApiKey, onepin.RotatedApiKey)

# -- bodies ---------------------------------------------------------------------

leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["2025-01-01T00:00:00Z", "op_live_x", "", "http://x/?offset=-1"])
)
anything = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right value, sometimes anything at all."""
    return st.one_of(valid, valid, anything)


key = st.builds(
    lambda n, extra: {**key_json(n), **extra},
    st.integers(0, 10**6),
    st.dictionaries(
        st.sampled_from([*key_json(), "api_key", "scopes", "rate_limit_per_min", "revoked_at"]),
        anything,
        max_size=3,
    ),
)
created = st.builds(lambda k, secret: {**k, "api_key": secret}, key, maybe(st.just("op_live_s")))
whoami = st.fixed_dictionaries(
    {"auth_kind": maybe(st.just("api_key")), "user_id": maybe(st.just("u"))},
    optional={"scopes": maybe(st.lists(st.text(max_size=8))), "workspace_id": anything},
)
link = st.one_of(
    st.none(),
    st.builds(
        "http://onepin.test/api/v1/api-keys?limit=5&offset={}".format,
        st.integers(-10, 10**12) | st.text(max_size=5),
    ),
    st.text(max_size=30),
)
pagination = st.fixed_dictionaries(
    {},
    optional={
        "limit": maybe(st.integers(0, 200)),
        "total": maybe(st.integers(0, 10**6) | st.none()),
        "next": maybe(link),
        "prev": anything,
    },
)
data = st.one_of(
    key,
    created,
    whoami,
    st.fixed_dictionaries({"old_key": key, "new_key": created}),
    st.lists(key, max_size=6),
    anything,
)
error = st.fixed_dictionaries(
    {},
    optional={
        "code": maybe(st.text(max_size=20)),
        "message": maybe(st.text(max_size=50)),
        "details": maybe(
            st.lists(st.fixed_dictionaries({}, optional={"field": anything, "message": anything}))
        ),
    },
)
fastapi_detail = maybe(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={"loc": maybe(st.lists(st.text(max_size=5) | st.integers())), "msg": anything},
        ),
        max_size=3,
    )
)
envelope = st.fixed_dictionaries(
    {},
    optional={
        "data": data,
        "meta": maybe(st.fixed_dictionaries({"request_id": maybe(st.text(max_size=10))})),
        "pagination": pagination,
        "error": maybe(error),
        "detail": fastapi_detail,
    },
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """JSON envelopes, then maybe damaged: cut, spliced with raw bytes, nested deep."""
    kind = draw(st.sampled_from(["envelope", "envelope", "envelope", "json", "raw", "deep"]))
    if kind == "raw":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(500, 20_000))
        return b'{"data": ' + b"[" * depth + b"]" * depth + b"}"
    raw = msgspec.json.encode(draw(envelope if kind == "envelope" else anything))
    damage = draw(st.sampled_from(["none", "none", "cut", "splice"]))
    if damage == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if damage == "splice":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    return raw


ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
headers = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            ["application/json", "application/json; charset=latin-1", "text/html", "text/plain", ""]
        )
        | ascii_text,
        "retry-after": st.sampled_from(["0", "-1", "1e309", "nan", "Wed, 21 Oct 2015 07:28:00 GMT"])
        | ascii_text,
        "retry-after-ms": st.sampled_from(["0", "-5", "inf", "10"]) | ascii_text,
        "x-ratelimit-remaining": st.sampled_from(["0", "-1", "1", "nan"]) | ascii_text,
        "x-ratelimit-reset": st.sampled_from(["0", "1e308", "-3", "inf", "-inf", "1e999", "nan"])
        | ascii_text,
        "x-request-id": ascii_text,
        "x-onepin-required-version": ascii_text,
    },
)
statuses = st.one_of(
    st.sampled_from(
        [200, 201, 204, 400, 401, 403, 404, 408, 409, 410, 422, 426, 429, 500, 502, 503]
    ),
    st.integers(100, 599),
)
encodings = st.sampled_from(
    [None, None, "gzip", "deflate", "identity", "br", "zstd", "x-nonsense", "gzip, deflate"]
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[int, bytes, dict[str, str]]:
    """A status, a body and headers, the body compressed (or not) as the headers claim."""
    status, body, hdrs = draw(statuses), draw(bodies()), dict(draw(headers))
    encoding = draw(encodings)
    if encoding is not None:
        hdrs["content-encoding"] = encoding
        if draw(st.booleans()):  # honestly compressed, or a lie
            body = gzip.compress(body) if "gzip" in encoding else zlib.compress(body)
    return status, body, hdrs


# -- the property -----------------------------------------------------------------


def handler_for(answer: tuple[int, bytes, dict[str, str]]) -> Any:
    status, body, hdrs = answer

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=hdrs, stream=httpx.ByteStream(body))

    return handler


OPTIONS: dict[str, Any] = {"max_retries": 0, "max_retry_wait": 0.05, "deadline": 5}


def check(result: Any, endpoint: str) -> None:
    """A model of the endpoint's kind, or a typed error; never anything else."""
    if isinstance(result, onepin.OnePinError):
        return
    if endpoint == "list":
        assert all(isinstance(k, onepin.ApiKey) for k in result)
    else:
        assert isinstance(result, MODELS), type(result)


@FUZZ
@given(answer=answers(), endpoint=st.sampled_from(ALL_ENDPOINTS))
def test_sync_client_returns_a_model_or_a_typed_error(
    answer: tuple[int, bytes, dict[str, str]], endpoint: str
) -> None:
    with sync_client(handler_for(answer), **OPTIONS) as client:
        try:
            if endpoint == "list":
                result: Any = list(itertools.islice(client.api_keys.list(page_size=5), 40))
            else:
                result = ENDPOINTS[endpoint][0](client)
        except onepin.OnePinError as exc:
            result = exc
    check(result, endpoint)


async def _async_call(answer: tuple[int, bytes, dict[str, str]], endpoint: str) -> Any:
    async with async_client(handler_for(answer), **OPTIONS) as client:
        try:
            if endpoint == "list":
                out = []
                async for k in client.api_keys.list(page_size=5):
                    out.append(k)
                    if len(out) >= 40:
                        break
                return out
            return await ENDPOINTS[endpoint][0](client)
        except onepin.OnePinError as exc:
            return exc


# On trio, httpx leaves its raw-bytes generator to the garbage collector when a
# body cannot be decoded; trio warns about it. The call's error is typed all the same.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <async_generator object Response.aiter_raw"
    ":pytest.PytestUnraisableExceptionWarning"
)
@FUZZ
@given(
    answer=answers(),
    endpoint=st.sampled_from(ALL_ENDPOINTS),
    backend=st.sampled_from(["asyncio", "trio"]),
)
def test_async_client_returns_a_model_or_a_typed_error(
    answer: tuple[int, bytes, dict[str, str]], endpoint: str, backend: str
) -> None:
    check(anyio.run(_async_call, answer, endpoint, backend=backend), endpoint)
