"""Hostile bodies and transports: a typed ``OnePinError``, always, with nothing lost.

Each case was an untyped exception, an endless listing or a huge exception
string before. Every endpoint is tried, through both clients.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import httpx
import msgspec
import pytest

import onepin
import onepin_sync
from onepin.testing import Fault, RunningEmulator
from tests.reliability._helpers import ALL_ENDPOINTS, key_json, outcome_async, outcome_sync

Handler = Callable[[httpx.Request], httpx.Response]
JSON = {"content-type": "application/json"}


def answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers or JSON, stream=httpx.ByteStream(content))

    return handler


DEEP = b"[" * 100_000 + b"]" * 100_000
HOSTILE: dict[str, Handler] = {
    "deep JSON in a 2xx": answer(200, b'{"data": ' + DEEP + b"}"),
    "deep JSON in an unknown 2xx field": answer(
        200, b'{"data": {"auth_kind": "k", "user_id": "u", "x": ' + DEEP + b"}}"
    ),
    "deep JSON in an error": answer(500, b'{"error": ' + DEEP + b"}"),
    "deep JSON in error details": answer(400, b'{"error": {"details": ' + DEEP + b"}}"),
    "non-UTF-8 in an error message": answer(
        500, b'{"error": {"code": "X", "message": "bad \xff\xfe bytes"}}'
    ),
    "non-UTF-8 in a 2xx string": answer(200, b'{"data": {"auth_kind": "\xff", "user_id": "u"}}'),
    "non-UTF-8 reason in a non-JSON error": answer(
        502, b"\xff\xfe\x00", {"content-type": "text/html; charset=utf-8"}
    ),
    "422 with loc null": answer(422, b'{"detail": [{"loc": null, "msg": "m"}]}'),
    "422 with loc a number": answer(422, b'{"detail": [{"loc": 5, "msg": "m"}]}'),
    "422 with loc a boolean": answer(422, b'{"detail": [{"loc": true, "msg": "m"}]}'),
    "422 with loc of objects": answer(422, b'{"detail": [{"loc": [{}, [1], null], "msg": {}}]}'),
    "bad gzip in a 2xx": answer(200, b"not gzip", {**JSON, "content-encoding": "gzip"}),
    "bad deflate in an error": answer(500, b"not deflate", {**JSON, "content-encoding": "deflate"}),
    "bad gzip in a list of encodings": answer(
        200, b"zzz", {**JSON, "content-encoding": "gzip, br"}
    ),
    "truncated gzip": answer(
        200, gzip.compress(b'{"data": {}}')[:12], {**JSON, "content-encoding": "gzip"}
    ),
    "details not a list": answer(
        400, b'{"error": {"code": 5, "message": [], "details": {"a": 1}}}'
    ),
}


# On trio, httpx leaves its raw-bytes generator to the garbage collector when a
# body cannot be decoded; trio warns about it. The call's error is typed all the same.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <async_generator object Response.aiter_raw"
    ":pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_body_gives_a_typed_error(case: str, endpoint: str) -> None:
    assert isinstance(outcome_sync(HOSTILE[case], endpoint), onepin.OnePinError)
    assert isinstance(outcome_async(HOSTILE[case], endpoint), onepin.OnePinError)


# -- listings that would not end ------------------------------------------------


def listing(link: Callable[[int], str | None], *, total: int | None) -> tuple[Handler, list[int]]:
    """Pages of 5 keys whose ``next`` link is ``link(offset)``; records the offsets asked."""
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        asked.append(offset)
        if len(asked) > 50:
            raise AssertionError(f"endless listing: {asked[:20]}...")
        body = {
            "data": [key_json(offset + i) for i in range(5)],
            "meta": {"request_id": "r"},
            "pagination": {"limit": 5, "total": total, "next": link(offset)},
        }
        return httpx.Response(200, content=msgspec.json.encode(body), headers=JSON)

    return handler, asked


URL = "http://onepin.test/api/v1/api-keys?limit=5&offset="
BAD_LINKS: dict[str, tuple[Callable[[int], str | None], int | None]] = {
    "same page, uncounted": (lambda o: URL + str(o), None),
    "same page, counted": (lambda o: URL + str(o), 1000),
    "back to the start": (lambda o: URL + "0", None),
    "backwards, counted": (lambda o: URL + str(max(0, o - 5)) if o else URL + "5", 1000),
    "negative offset": (lambda o: URL + "-5", None),
    "negative offset, counted": (lambda o: URL + "-5", 1000),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(BAD_LINKS))
def test_bad_next_link_ends_the_listing(case: str, mode: str) -> None:
    link, total = BAD_LINKS[case]
    handler, asked = listing(link, total=total)
    outcome = outcome_sync(handler, "list") if mode == "sync" else outcome_async(handler, "list")
    assert isinstance(outcome, onepin.OnePinError), f"{len(asked)} pages, no error"
    # At most one repeat of a page already seen before the listing gives up.
    assert len(asked) - len(set(asked)) <= 1, asked


# -- size -----------------------------------------------------------------------


def test_huge_error_message_is_truncated_and_the_raw_body_kept() -> None:
    message = "m" * 150_000_000
    body = msgspec.json.encode(
        {
            "error": {
                "code": "X" * 10_000,
                "message": message,
                "details": [{"field": "f" * 1000, "message": "d" * 1000}] * 10_000,
            }
        }
    )
    error = outcome_sync(answer(500, body), "get")
    assert isinstance(error, onepin.InternalServerError)
    assert len(str(error)) < 20_000
    assert len(error.message) < 20_000
    assert sum(len(d.message) + len(d.field or "") for d in error.details) < 50_000
    assert len(error.response.content) == len(body)  # the raw answer stays reachable


def test_huge_non_json_error_is_truncated() -> None:
    error = outcome_sync(answer(502, b"<html>" * 10_000_000, {"content-type": "text/html"}), "get")
    assert isinstance(error, onepin.InternalServerError)
    assert len(str(error)) < 20_000


# -- a lost secret must be said ---------------------------------------------------


def _secret_making(client: onepin_sync.OnePinClient, endpoint: str, key_id: str) -> None:
    if endpoint == "create":
        client.api_keys.create(name="lost")
    else:
        client.api_keys.rotate(key_id)


@pytest.mark.parametrize("endpoint", ["create", "rotate"])
def test_truncated_2xx_to_a_secret_making_call_is_outcome_unknown(
    server: RunningEmulator, endpoint: str
) -> None:
    emu = server.emulator
    key = emu.create_key(name="victim")
    emu.inject(Fault.truncate(method="POST" if endpoint == "create" else "PATCH"))
    with onepin_sync.OnePinClient(emu.bootstrap.session_token, base_url=server.base_url) as client:
        with pytest.raises(onepin.APIResponseValidationError) as info:
            _secret_making(client, endpoint, key.id)
        names = [k.name for k in client.api_keys.list(status="all")]
    error = info.value
    assert error.outcome_unknown is True
    assert "list" in str(error).lower()  # it says to check the key list
    # The key was made server-side: its secret is what was lost.
    if endpoint == "create":
        assert names.count("lost") == 1
    else:
        assert names.count("victim") == 2  # the revoked one and its successor


READS: dict[str, Callable[[onepin_sync.OnePinClient, str], object]] = {
    "get": lambda c, key_id: c.api_keys.get(key_id),
    "whoami": lambda c, key_id: c.auth.whoami(),
    "list_page": lambda c, key_id: c.api_keys.list_page(),
}


@pytest.mark.parametrize("endpoint", sorted(READS))
def test_truncated_2xx_to_a_read_is_not_outcome_unknown(
    server: RunningEmulator, endpoint: str
) -> None:
    emu = server.emulator
    emu.inject(Fault.truncate(times=None))
    with (
        onepin_sync.OnePinClient(emu.bootstrap.session_token, base_url=server.base_url) as client,
        pytest.raises(onepin.APIResponseValidationError) as info,
    ):
        READS[endpoint](client, emu.bootstrap.api_key_id)
    assert info.value.outcome_unknown is False
