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

from typing import TYPE_CHECKING

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
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.outcome_unknown = outcome_unknown
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

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, from ``retry-after-ms`` or ``Retry-After``."""
        from onepin._retry import retry_after_seconds

        return retry_after_seconds(self.response.headers)


class InternalServerError(APIStatusError):
    """Any 5xx answer, including a proxy's HTML or empty 502/503/504 page."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
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


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return STATUS_ERRORS.get(status_code, APIStatusError)
