"""A user's own httpx client that follows redirects: every outcome typed, no token kept.

The API never redirects, but a user's client may be built with
``follow_redirects=True`` and a proxy may answer with a redirect. A loop of
redirects and a redirect whose body cannot be decoded are typed errors; no
answer or error keeps a request that still carries ``Authorization`` (httpx
copies it into a same-origin redirect's request).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import httpx
import pytest

import onepin
import onepin_sync
from tests.reliability._helpers import TOKEN

Handler = Callable[[httpx.Request], httpx.Response]


def _loop(request: httpx.Request) -> httpx.Response:
    return httpx.Response(302, headers={"location": "/api/v1/auth/whoami"})


def _undecodable_redirect(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        302,
        headers={"location": "/elsewhere", "content-encoding": "gzip"},
        content=b"not gzip at all",
    )


def _redirect_then_404(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/moved":
        return httpx.Response(307, headers={"location": "/moved"})
    return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "gone"}})


def _redirect_then_bad_body(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/moved":
        return httpx.Response(307, headers={"location": "/moved"})
    return httpx.Response(200, content=b"{not json")


def _holds_no_token(error: BaseException) -> None:
    """Neither the error, its cause, its answer's requests nor its pickle hold the token."""
    assert TOKEN not in repr(vars(error))
    assert TOKEN.encode() not in pickle.dumps(error)
    requests: list[httpx.Request] = []
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response):
        requests += [response.request, *(r.request for r in response.history)]
    cause = error.__cause__
    if isinstance(cause, httpx.HTTPError):
        requests.append(cause.request)
    for request in requests:
        assert "authorization" not in request.headers
        assert TOKEN not in str(request.headers.raw)


CASES: list[tuple[Handler, type[onepin.OnePinError]]] = [
    (_loop, onepin.APIConnectionError),
    (_undecodable_redirect, onepin.APIConnectionError),
    (_redirect_then_404, onepin.NotFoundError),
    (_redirect_then_bad_body, onepin.APIResponseValidationError),
]
IDS = ["redirect-loop", "undecodable-redirect", "redirect-then-404", "redirect-then-bad-body"]


@pytest.mark.parametrize(("handler", "error"), CASES, ids=IDS)
def test_sync_client_that_follows_redirects(
    handler: Handler, error: type[onepin.OnePinError]
) -> None:
    http = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    with (
        http,
        onepin_sync.OnePinClient(TOKEN, http_client=http, max_retries=1) as client,
        pytest.raises(error) as info,
    ):
        client.auth.whoami()
    _holds_no_token(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize(("handler", "error"), CASES, ids=IDS)
async def test_async_client_that_follows_redirects(
    handler: Handler, error: type[onepin.OnePinError]
) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True)
    async with (
        http,
        onepin.OnePinClient(TOKEN, http_client=http, max_retries=1) as client,
    ):
        with pytest.raises(error) as info:
            await client.auth.whoami()
    _holds_no_token(info.value)
