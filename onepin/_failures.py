"""What went wrong on the wire, as a typed error: an error answer, a transport failure.

Whatever the server sends (any status, any body, nested however deep, in any
encoding), the result is one of the errors of ``onepin._exceptions``, never a
decoder's or httpx's own exception.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from onepin._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    GoneError,
    InternalServerError,
    NotFoundError,
    OnePinError,
    PermissionDeniedError,
    RateLimitError,
    SessionRequiredError,
    UnprocessableEntityError,
    UpgradeRequiredError,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "finite_number",
    "from_http_error",
    "from_response",
    "from_transport",
    "from_undecodable",
    "retry_after_seconds",
]

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: UnprocessableEntityError,
    426: UpgradeRequiredError,
    429: RateLimitError,
}


def from_response(response: httpx.Response, *, outcome_unknown: bool) -> APIStatusError:
    """The typed error for a 4xx/5xx answer, whatever its body looks like.

    ``outcome_unknown``: the call was not idempotent, so a 5xx leaves it unknown
    whether it was applied.
    """
    code: str | None = None
    message = ""
    details: tuple[ErrorDetail, ...] = ()
    headers = response.headers
    request_id = headers.get("x-request-id")
    body: Any = None
    if response.content and "json" in headers.get("content-type", "json"):
        try:
            body = _any_decoder.decode(response.content)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
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
            kind = headers.get("content-type", "unknown").split(";")[0]
            message += f" (non-JSON {kind} body)"
    status = response.status_code
    cls = InternalServerError if status >= 500 else _STATUS_ERRORS.get(status, APIStatusError)
    if cls is PermissionDeniedError and code == SessionRequiredError.CODE:
        cls = SessionRequiredError
    return cls(
        message,
        response=response,
        code=code,
        details=details,
        request_id=request_id,
        outcome_unknown=outcome_unknown and status >= 500,
        retry_after=retry_after_seconds(headers),
    )


_any_decoder = msgspec.json.Decoder()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _details(raw: object) -> tuple[ErrorDetail, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        ErrorDetail(
            field=_str_or_none(d.get("field")), message=_str_or_none(d.get("message")) or ""
        )
        for d in raw
        if isinstance(d, dict)
    )


def _fastapi_details(raw: list[Any]) -> tuple[ErrorDetail, ...]:
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        loc = item.get("loc")
        parts = [
            str(p)
            for p in (loc if isinstance(loc, list) else ())
            if isinstance(p, str | int) and not isinstance(p, bool)
            if p not in ("body", "query", "path")
        ]
        message = _str_or_none(item.get("msg")) or ""
        out.append(ErrorDetail(field=".".join(parts) or None, message=message))
    return tuple(out)


def retry_after_seconds(headers: Mapping[str, str] | httpx.Headers) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``Retry-After``; None if absent."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        ms = finite_number(raw_ms)
        if ms is not None:
            return max(0.0, ms / 1000.0)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = finite_number(raw)
    if seconds is not None:
        return max(0.0, seconds)
    # Else an HTTP date. "inf" and "nan" (numbers, but no wait one can sleep) are no
    # date either: they end as None below.
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - time.time())


def finite_number(raw: str) -> float | None:
    """A header's number as a finite float; None if it is not one.

    ``inf``, ``nan`` and ``1e999`` parse as floats, but ask for no wait and
    name no window: they count as a header that is not a number.
    """
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def from_transport(exc: httpx.TransportError, *, idempotent: bool) -> APIConnectionError:
    """The typed error for a transport failure; never includes headers or the token."""
    import httpx

    before_send = isinstance(
        exc,
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.LocalProtocolError,
    )
    sent = not before_send
    unknown = sent and not idempotent
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:  # raised when the error carries no request
        request = None
    where = "" if request is None else f" ({request.method} {request.url.copy_with(query=None)})"
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


def from_http_error(exc: httpx.HTTPError, *, idempotent: bool) -> APIConnectionError:
    """The typed error for what else httpx raises while it follows an answer.

    Only a user's own client that follows redirects gets here: a redirect loop
    (``TooManyRedirects``) or a redirect's body its ``Content-Encoding`` cannot
    decode. The request went out, so a create's outcome is unknown.
    """
    return APIConnectionError(
        f"The answer could not be followed: {type(exc).__name__}: {exc}",
        request_sent=True,
        outcome_unknown=not idempotent,
    )


def from_undecodable(
    response: httpx.Response, exc: httpx.DecodingError, *, idempotent: bool
) -> OnePinError:
    """The typed error for an answer whose body its ``Content-Encoding`` cannot decode."""
    encoding = response.headers.get("content-encoding", "")
    if response.is_success:
        return APIResponseValidationError(
            f"Response body from {response.request.method} {response.request.url.path} could"
            f" not be decoded (Content-Encoding: {encoding}): {exc}",
            status_code=response.status_code,
            request_id=response.headers.get("x-request-id"),
            outcome_unknown=not idempotent,
            response=response,
        )
    import httpx

    headers = [(k, v) for k, v in response.headers.multi_items() if k != "content-encoding"]
    bodiless = httpx.Response(response.status_code, headers=headers, request=response.request)
    return from_response(bodiless, outcome_unknown=not idempotent)
