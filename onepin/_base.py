"""What the async client and its generated sync twin share: options, headers, decoding.

The I/O-free steps of one call live here, so that ``onepin._async`` (and the
``onepin_sync`` package generated from it) only sends, sleeps and loops.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
import msgspec

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ErrorDetail,
    OnePinConfigurationError,
    status_error_class,
)
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, Page, RotatedApiKey, WhoAmI
from onepin._retry import RetryPolicy
from onepin._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "ClientOptions",
    "Continuation",
    "Decoders",
    "NotGiven",
    "build_headers",
    "checked_token",
    "connection_error",
    "decode",
    "error_from_response",
    "list_params",
    "new_idempotency_key",
    "next_offset",
    "page_from_envelope",
]

USER_AGENT = f"onepin-python/{__version__}"
RETRY_COUNT_HEADER = "X-OnePin-Retry-Count"
logger = logging.getLogger("onepin")

T = TypeVar("T")


class NotGiven:
    """The type of ``NOT_GIVEN``: an argument left out, as opposed to an explicit None."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()
"""Default of optional update fields: leave the field unchanged."""


# -- options --------------------------------------------------------------------


class ClientOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a client is configured with except the token and the connection pool."""

    base_url: str
    workspace_id: str | None
    timeout: httpx.Timeout
    deadline: float | None
    retry: RetryPolicy
    prefetch: int

    @classmethod
    def create(
        cls,
        *,
        base_url: str,
        workspace_id: str | None,
        timeout: float | httpx.Timeout,
        deadline: float | None,
        max_retries: int,
        max_retry_wait: float,
        trust_idempotency_keys: bool,
        prefetch: int,
    ) -> ClientOptions:
        """Validate and normalise the constructor's arguments."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise OnePinConfigurationError(
                f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, got {base_url!r}"
            )
        if deadline is not None and deadline <= 0:
            raise OnePinConfigurationError("deadline must be a positive number of seconds")
        if prefetch < 1:
            raise OnePinConfigurationError("prefetch must be >= 1")
        try:
            retry = RetryPolicy(
                max_retries=max_retries,
                max_retry_wait=max_retry_wait,
                trust_idempotency_keys=trust_idempotency_keys,
            )
        except ValueError as exc:
            raise OnePinConfigurationError(str(exc)) from None
        return cls(
            base_url=base_url.rstrip("/"),
            workspace_id=workspace_id,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            deadline=deadline,
            retry=retry,
            prefetch=prefetch,
        )

    def updated(self, **changes: Any) -> ClientOptions:
        """A copy with ``changes`` (client option names) applied and validated."""
        unknown = set(changes) - _OPTION_NAMES
        if unknown:
            raise TypeError(
                f"unknown client options {sorted(unknown)}; known: {sorted(_OPTION_NAMES)}"
            )
        retry_changes = {
            k: changes.pop(k)
            for k in ("max_retries", "max_retry_wait", "trust_idempotency_keys")
            if k in changes
        }
        if retry_changes:
            try:
                changes["retry"] = msgspec.structs.replace(self.retry, **retry_changes)
            except ValueError as exc:
                raise OnePinConfigurationError(str(exc)) from None
        if "timeout" in changes and not isinstance(changes["timeout"], httpx.Timeout):
            changes["timeout"] = httpx.Timeout(changes["timeout"])
        new = msgspec.structs.replace(self, **changes)
        return ClientOptions.create(
            base_url=new.base_url,
            workspace_id=new.workspace_id,
            timeout=new.timeout,
            deadline=new.deadline,
            max_retries=new.retry.max_retries,
            max_retry_wait=new.retry.max_retry_wait,
            trust_idempotency_keys=new.retry.trust_idempotency_keys,
            prefetch=new.prefetch,
        )

    def attempt_timeout(self, remaining: float | None) -> httpx.Timeout:
        """The per-attempt timeout, never beyond what is left of the deadline."""
        if remaining is None:
            return self.timeout
        t = self.timeout
        return httpx.Timeout(
            connect=_min(t.connect, remaining),
            read=_min(t.read, remaining),
            write=_min(t.write, remaining),
            pool=_min(t.pool, remaining),
        )


_OPTION_NAMES = frozenset(
    {
        "workspace_id",
        "timeout",
        "deadline",
        "max_retries",
        "max_retry_wait",
        "trust_idempotency_keys",
        "prefetch",
    }
)


def _min(a: float | None, b: float) -> float:
    return b if a is None else min(a, b)


def new_idempotency_key() -> str:
    """A random UUID4 string (without importing ``uuid`` at start-up)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def checked_token(token: object) -> str:
    """The token, stripped; a clear error (that never echoes it) if it cannot be sent."""
    if not isinstance(token, str) or not token.strip():
        raise OnePinConfigurationError("token must be a non-empty string")
    token = token.strip()
    if not all("!" <= c <= "~" for c in token):
        # httpx would reject it later with an error quoting the whole header.
        raise OnePinConfigurationError(
            "token may only contain visible ASCII characters (no spaces or line breaks)"
        )
    return token


def build_headers(
    token: str,
    workspace_id: str | None,
    *,
    retry_count: int,
    idempotency_key: str | None,
) -> dict[str, str]:
    """The headers of one attempt."""
    headers = {
        "Authorization": f"Bearer {token}",
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        RETRY_COUNT_HEADER: str(retry_count),
    }
    if workspace_id is not None:
        headers["X-Workspace-Id"] = workspace_id
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


# -- decoding -------------------------------------------------------------------


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


_any_decoder = msgspec.json.Decoder()


def decode(decoder: msgspec.json.Decoder[T], response: httpx.Response) -> T:
    """Decode a 2xx body, or raise ``APIResponseValidationError`` naming the JSON path."""
    try:
        return decoder.decode(response.content)
    except msgspec.ValidationError as exc:
        message = f"Unexpected response body from {_where(response)}: {exc}"
    except msgspec.DecodeError as exc:
        message = f"Response body from {_where(response)} is not valid JSON: {exc}"
    raise APIResponseValidationError(
        message,
        status_code=response.status_code,
        request_id=response.headers.get("x-request-id"),
    )


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def page_from_envelope(envelope: ListEnvelope[T], *, offset: int, limit: int) -> Page[T]:
    """A ``Page`` from a decoded list envelope and the offset/limit it was asked for."""
    pagination = envelope.pagination
    return Page(
        items=envelope.data,
        offset=offset,
        limit=pagination.limit or limit,
        total=pagination.total,
        next=pagination.next,
        prev=pagination.prev,
        request_id=envelope.meta.request_id,
    )


class Continuation(msgspec.Struct, frozen=True):
    """Where a listing goes on after a page (``offset`` None: it is done).

    ``mismatch`` is true when the server's ``next`` link disagrees with the
    offset computed from the page, so concurrent prefetch must not be trusted.
    """

    offset: int | None
    mismatch: bool


def next_offset(page: Page[Any]) -> Continuation:
    """The continuation after ``page``: the server's ``next`` link checked against arithmetic."""
    computed = page.offset + len(page.items)
    done = not page.items or (page.total is not None and computed >= page.total)
    if page.next is None:
        return Continuation(None, mismatch=not done and page.total is not None)
    try:
        linked = int(httpx.URL(page.next).params["offset"])
    except (KeyError, ValueError, httpx.InvalidURL):
        return Continuation(None if done else computed, mismatch=True)
    if done:
        return Continuation(None, mismatch=True)
    return Continuation(linked, mismatch=linked != computed)


def list_params(offset: int, limit: int, status: str) -> dict[str, str | int]:
    """Query parameters of one list request, checked before any I/O."""
    if offset < 0:
        raise ValueError("offset must be >= 0")
    if not 1 <= limit <= 100:
        raise ValueError("limit must be between 1 and 100")
    if status not in KeyStatus.__members__.values():
        raise ValueError(f"status must be one of active, revoked, all; got {status!r}")
    return {"offset": offset, "limit": limit, "status": str(status)}


def error_from_response(response: httpx.Response, *, outcome_unknown: bool) -> APIStatusError:
    """The typed error for a 4xx/5xx answer, whatever its body looks like."""
    code: str | None = None
    message = ""
    details: tuple[ErrorDetail, ...] = ()
    request_id = response.headers.get("x-request-id")
    body: Any = None
    if response.content and "json" in response.headers.get("content-type", "json"):
        try:
            body = _any_decoder.decode(response.content)
        except msgspec.DecodeError:
            body = None
    if isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("request_id"), str):
            request_id = meta["request_id"]
        error = body.get("error")
        detail = body.get("detail")
        if isinstance(error, dict):
            code = _str_or_none(error.get("code"))
            message = _str_or_none(error.get("message")) or ""
            details = _details(error.get("details"))
        elif isinstance(detail, list):
            code = "VALIDATION_ERROR"
            message = "Request validation failed"
            details = _fastapi_details(detail)
        elif isinstance(detail, str):
            message = detail
    if not message:
        message = response.reason_phrase or "HTTP error"
        if response.content and body is None:
            kind = response.headers.get("content-type", "unknown").split(";")[0]
            message += f" (non-JSON {kind} body)"
    cls = status_error_class(response.status_code)
    return cls(
        message,
        response=response,
        code=code,
        details=details,
        request_id=request_id,
        outcome_unknown=outcome_unknown and response.status_code >= 500,
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _details(raw: object) -> tuple[ErrorDetail, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        ErrorDetail(field=_str_or_none(d.get("field")), message=str(d.get("message", "")))
        for d in raw
        if isinstance(d, dict)
    )


def _fastapi_details(raw: list[Any]) -> tuple[ErrorDetail, ...]:
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path")]
        out.append(ErrorDetail(field=".".join(loc) or None, message=str(item.get("msg", ""))))
    return tuple(out)


def connection_error(exc: httpx.TransportError, *, idempotent: bool) -> APIConnectionError:
    """The typed error for a transport failure; never includes headers or the token."""
    before_send = isinstance(
        exc,
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.LocalProtocolError,
    )
    sent = not before_send
    unknown = sent and not idempotent
    url = exc.request.url.copy_with(query=None) if _has_request(exc) else None
    where = f" ({exc.request.method} {url})" if url is not None else ""
    # A local protocol error quotes the offending header, which may hold the token.
    detail = "" if isinstance(exc, httpx.LocalProtocolError) else str(exc)
    text = f"{type(exc).__name__}{where}: {detail}" if detail else f"{type(exc).__name__}{where}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request timed out: {text}", request_sent=sent, outcome_unknown=unknown
        )
    return APIConnectionError(
        f"Connection failed: {text}", request_sent=sent, outcome_unknown=unknown
    )


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        return False
    return True
