"""What goes on the wire: request headers, response envelopes and their decoding."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncGenerator, Generator, Mapping
from typing import Any, Generic, NoReturn, TypeVar
from urllib.parse import quote, urlencode

import httpx
import msgspec

from onepin._exceptions import APIResponseValidationError
from onepin._models import ApiKey, CreatedApiKey, RotatedApiKey, WhoAmI
from onepin._version import __version__

__all__ = [
    "RETRY_COUNT_HEADER",
    "USER_AGENT",
    "BearerAuth",
    "Call",
    "Decoders",
    "Envelope",
    "ListEnvelope",
    "Meta",
    "Pagination",
    "decode",
    "forget_token",
    "log_attempt",
    "new_idempotency_key",
]

USER_AGENT = f"onepin-python/{__version__}"
RETRY_COUNT_HEADER = "X-OnePin-Retry-Count"

T = TypeVar("T")


def new_idempotency_key() -> str:
    """A random UUID4 string (without importing ``uuid`` at start-up)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Call:
    """One logical call: what each of its attempts sends.

    A call is idempotent unless it carries an ``Idempotency-Key`` (create and
    rotate do): that one fact decides both the header and what may be retried.
    """

    __slots__ = ("attempts", "content", "idempotency_key", "method", "url")

    def __init__(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
        idempotency_key: str | None = None,
    ) -> None:
        self.method = method
        # Parsed once here, query included: httpx takes a URL object as it is.
        self.url = httpx.URL(f"{url}?{urlencode(params, quote_via=quote)}" if params else url)
        self.content = None if body is None else _encoder.encode(body)
        self.idempotency_key = None if idempotent else idempotency_key or new_idempotency_key()
        self.attempts = 0
        """Attempts sent so far."""

    @property
    def idempotent(self) -> bool:
        """Whether repeating the call cannot apply it twice."""
        return self.idempotency_key is None

    def headers(self, workspace_id: str | None) -> dict[str, str]:
        """The headers of the next attempt (``Authorization`` is added as it is sent)."""
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            RETRY_COUNT_HEADER: str(self.attempts),
        }
        if workspace_id is not None:
            headers["X-Workspace-Id"] = workspace_id
        if self.idempotency_key is not None:
            headers["Idempotency-Key"] = self.idempotency_key
        if self.content is not None:
            headers["Content-Type"] = "application/json"
        return headers


_encoder = msgspec.json.Encoder()

logger = logging.getLogger("onepin")


def log_attempt(
    call: Call, outcome: object, t0: float, headers: httpx.Headers | None = None
) -> None:
    """One DEBUG line per attempt of ``call`` begun at ``t0`` (``time.perf_counter()``).

    Never the request headers, so never the token.
    """
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d, request_id=%s)",
            call.method,
            call.url,
            outcome,
            (time.perf_counter() - t0) * 1000,
            call.attempts,
            None if headers is None else headers.get("x-request-id"),
        )


def refuse_pickle(name: str) -> NoReturn:
    """Refuse to pickle an object that holds the token: it would carry it to disk or a worker."""
    raise TypeError(
        f"{name} does not pickle, since it holds the API token: "
        "make its own client in each worker process"
    )


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>`` to a request while httpx sends it, then removes it.

    The token lives here only (one private slot of the client): no headers dict,
    frame local or request kept by an error ever holds it, and ``repr()`` hides it.
    """

    __slots__ = ("_header",)

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"

    def __reduce__(self) -> NoReturn:
        refuse_pickle("BearerAuth")

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Send ``request`` with the header; the request forgets it once answered or failed."""
        request.headers["Authorization"] = self._header
        try:
            yield request
        finally:
            del request.headers["Authorization"]

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """The same, for ``httpx.AsyncClient``."""
        request.headers["Authorization"] = self._header
        try:
            yield request
        finally:
            del request.headers["Authorization"]


def forget_token(source: httpx.Response | httpx.HTTPError) -> None:
    """Remove ``Authorization`` from every request an answer or an error still holds.

    ``BearerAuth`` removes it from the request it was given; a client that
    follows a same-origin redirect copies it into the next request, which the
    final answer (and its history, and an error such as ``TooManyRedirects``)
    keeps. Errors carry answers: none may carry the token.
    """
    if isinstance(source, httpx.Response):
        requests = [source.request, *(r.request for r in source.history)]
    else:
        try:
            requests = [source.request]
        except RuntimeError:  # an error without a request
            requests = []
    for request in requests:
        request.headers.pop("Authorization", None)


class Meta(msgspec.Struct, frozen=True, gc=False):
    """The ``meta`` object of every envelope."""

    request_id: str | None = None


class Pagination(msgspec.Struct, frozen=True, gc=False):
    """The ``pagination`` object of a counted list."""

    limit: int | None = None
    total: int | None = None
    next: str | None = None
    prev: str | None = None


class Envelope(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """``{"data": T, "meta": {...}}``."""

    data: T
    meta: Meta = Meta()


class ListEnvelope(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """``{"data": [T], "meta": {...}, "pagination": {...}}``."""

    data: list[T]
    meta: Meta = Meta()
    pagination: Pagination = Pagination()


class _LazyDecoder(Generic[T]):
    """A class attribute that builds its msgspec decoder on first use, then keeps it."""

    def __init__(self, type_: type[T]) -> None:
        self._type = type_
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: object, owner: type) -> msgspec.json.Decoder[T]:
        decoder = msgspec.json.Decoder(self._type)
        setattr(owner, self._name, decoder)  # later reads find the decoder itself
        return decoder


class Decoders:
    """One msgspec decoder per envelope type, built on first use and then shared."""

    whoami = _LazyDecoder(Envelope[WhoAmI])
    api_key = _LazyDecoder(Envelope[ApiKey])
    created_api_key = _LazyDecoder(Envelope[CreatedApiKey])
    rotated_api_key = _LazyDecoder(Envelope[RotatedApiKey])
    api_key_list = _LazyDecoder(ListEnvelope[ApiKey])


def decode(decoder: msgspec.json.Decoder[T], response: httpx.Response, *, idempotent: bool) -> T:
    """Decode a 2xx body, or raise ``APIResponseValidationError`` naming the JSON path.

    A bad answer to a call that is not idempotent (create, rotate) leaves its
    outcome unknown: the call was applied, but what it returned is lost.
    """
    try:
        return decoder.decode(response.content)
    except msgspec.ValidationError as exc:
        message = f"Unexpected response body from {_where(response)}: {exc}"
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
        message = f"Response body from {_where(response)} is not valid JSON: {exc}"
    raise APIResponseValidationError(
        message,
        status_code=response.status_code,
        request_id=response.headers.get("x-request-id"),
        outcome_unknown=not idempotent,
        response=response,
    )


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"
