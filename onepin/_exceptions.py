"""The SDK's exceptions: one tree, every failure typed.

```
OnePinError
├── OnePinConfigurationError        no credentials, bad base URL, bad credentials file
├── APIConnectionError              the server could not be reached or dropped the line
│   └── APITimeoutError             a timeout, or the total deadline ran out
├── APIResponseValidationError      a 2xx body that does not match the contract
└── APIStatusError                  any 4xx/5xx answer
    ├── BadRequestError             400
    ├── AuthenticationError         401
    ├── PermissionDeniedError       403
    ├── NotFoundError               404
    ├── ConflictError               409
    ├── GoneError                   410
    ├── UnprocessableEntityError    422
    ├── UpgradeRequiredError        426
    ├── RateLimitError              429
    └── InternalServerError         5xx
```

No message or ``repr`` ever contains the token.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorDetail",
    "GoneError",
    "InternalServerError",
    "NotFoundError",
    "OnePinConfigurationError",
    "OnePinError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "UpgradeRequiredError",
    "from_response",
    "from_transport",
    "retry_after_seconds",
]

_UNKNOWN_OUTCOME = " The request may or may not have been applied (outcome unknown)."


class ErrorDetail(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One field-level problem of a 4xx answer."""

    field: str | None = None
    message: str = ""


class OnePinError(Exception):
    """Base class of every error this SDK raises."""


class OnePinConfigurationError(OnePinError):
    """The client cannot be set up: no token found, a bad credentials file, a bad option."""


class APIConnectionError(OnePinError):
    """The request did not get an HTTP answer.

    ``request_sent`` is true when the failure came after the request may have
    reached the server (a read error or timeout, a dropped connection).
    ``outcome_unknown`` is true when such a request was not idempotent (create,
    rotate): it may or may not have been applied.
    """

    def __init__(
        self, message: str, *, request_sent: bool = False, outcome_unknown: bool = False
    ) -> None:
        self.request_sent = request_sent
        self.outcome_unknown = outcome_unknown
        super().__init__(message + (_UNKNOWN_OUTCOME if outcome_unknown else ""))


class APITimeoutError(APIConnectionError):
    """A connect, read or pool timeout, or the call's total deadline ran out."""


class APIResponseValidationError(OnePinError):
    """A successful answer whose body does not match the contract; ``path`` names where."""

    def __init__(self, message: str, *, status_code: int, request_id: str | None) -> None:
        self.status_code = status_code
        self.request_id = request_id
        super().__init__(message)


class APIStatusError(OnePinError):
    """An HTTP error answer (4xx or 5xx), decoded from whichever body shape it had."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str | None = None,
        details: tuple[ErrorDetail, ...] = (),
        request_id: str | None = None,
        outcome_unknown: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after
        """Seconds the server asked to wait (``retry-after-ms`` or ``Retry-After``), or None."""
        text = f"{self.status_code}"
        if code:
            text += f" {code}"
        text += f": {message}"
        if details:
            text += " [" + "; ".join(_detail_text(d) for d in details) + "]"
        if request_id:
            text += f" (request_id={request_id})"
        if outcome_unknown:
            text += _UNKNOWN_OUTCOME
        super().__init__(text)


def _detail_text(detail: ErrorDetail) -> str:
    return f"{detail.field}: {detail.message}" if detail.field else detail.message


class BadRequestError(APIStatusError):
    """400: for example a malformed ``X-Workspace-Id`` header."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, invalid or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: a scope is missing, or the workspace does not match the key."""


class NotFoundError(APIStatusError):
    """404: no such object in this workspace."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state (or a reused idempotency key)."""


class GoneError(APIStatusError):
    """410: the object can no longer be changed (for example a revoked key)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request did not validate; ``details`` says which fields."""


class UpgradeRequiredError(APIStatusError):
    """426: this SDK is too old; ``required_version`` is the server's minimum."""

    @property
    def required_version(self) -> str | None:
        """The ``X-OnePin-Required-Version`` header, if the server sent one."""
        value: str | None = self.response.headers.get("X-OnePin-Required-Version")
        return value


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's requested wait in seconds."""


class InternalServerError(APIStatusError):
    """Any 5xx answer, including a proxy's HTML or empty 502/503/504 page."""


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
            kind = headers.get("content-type", "unknown").split(";")[0]
            message += f" (non-JSON {kind} body)"
    status = response.status_code
    cls = InternalServerError if status >= 500 else _STATUS_ERRORS.get(status, APIStatusError)
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


def retry_after_seconds(headers: Mapping[str, str] | httpx.Headers) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``Retry-After``; None if absent."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
