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
    │   └── SessionRequiredError    403 SESSION_TOKEN_REQUIRED: API keys may not manage keys
    ├── NotFoundError               404
    ├── ConflictError               409
    ├── GoneError                   410
    ├── UnprocessableEntityError    422
    ├── UpgradeRequiredError        426
    ├── RateLimitError              429
    └── InternalServerError         5xx
```

No message or ``repr`` ever contains the token, and every message is of a
sane size whatever the server sent (the raw answer stays on ``response``).
Every error pickles, so it crosses from a worker process to its parent intact.
How an answer or a transport failure becomes one of these: ``onepin._failures``.
"""

from __future__ import annotations

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
    "SessionRequiredError",
    "UnprocessableEntityError",
    "UpgradeRequiredError",
    "clip",
]

_UNKNOWN_OUTCOME = (
    " The request may or may not have been applied (outcome unknown): list the keys"
    " to see whether it was before trying again."
)
MESSAGE_LIMIT = 2000
"""The most characters of server-sent text an error message carries."""
DETAILS_LIMIT = 20
"""The most field-level details an error keeps."""


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


class ErrorDetail(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One field-level problem of a 4xx answer."""

    field: str | None = None
    message: str = ""


class OnePinError(Exception):
    """Base class of every error this SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its message and attributes, not by calling the constructor
        # (whose arguments are keyword-only), so a worker process's error reaches
        # the parent as itself.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[OnePinError], args: tuple[Any, ...], state: dict[str, Any]) -> OnePinError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class OnePinConfigurationError(OnePinError):
    """The client cannot be set up or used: no token, a bad credentials file or option, closed."""


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
        super().__init__(clip(message) + (_UNKNOWN_OUTCOME if outcome_unknown else ""))


class APITimeoutError(APIConnectionError):
    """A connect, read or pool timeout, or the call's total deadline ran out."""


class APIResponseValidationError(OnePinError):
    """A successful answer whose body does not match the contract; the message names where.

    ``outcome_unknown`` is true when the call was not idempotent (create, rotate):
    it was applied, but its answer, and the secret in it, was lost. ``response``
    is the raw answer, when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None,
        outcome_unknown: bool = False,
        response: httpx.Response | None = None,
    ) -> None:
        self.status_code = status_code
        self.request_id = request_id
        self.outcome_unknown = outcome_unknown
        self.response = response
        super().__init__(clip(message) + (_UNKNOWN_OUTCOME if outcome_unknown else ""))


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
        self.code = None if code is None else clip(code, 100)
        self.message = message = clip(message)
        self.details = details = tuple(
            ErrorDetail(
                field=None if d.field is None else clip(d.field, 200), message=clip(d.message, 500)
            )
            for d in details[:DETAILS_LIMIT]
        )
        self.request_id = None if request_id is None else clip(request_id, 200)
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after
        """Seconds the server asked to wait (``retry-after-ms`` or ``Retry-After``), or None."""
        text = f"{self.status_code}"
        if self.code:
            text += f" {self.code}"
        text += f": {message}"
        if details:
            text += " [" + "; ".join(_detail_text(d) for d in details) + "]"
        if self.request_id:
            text += f" (request_id={self.request_id})"
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


class SessionRequiredError(PermissionDeniedError):
    """403 ``SESSION_TOKEN_REQUIRED``: only a browser-session token may manage API keys.

    The documented rule for the ``/api/v1/api-keys`` endpoints (their
    authentication is a Clerk session token): an API key calling them is
    refused. Sign in at app.onepin.ai and use a session token for key
    management, or an API key your deployment allows to manage keys.
    """

    CODE = "SESSION_TOKEN_REQUIRED"
    """The error code the server sends with this refusal."""
    ADVICE = (
        "managing API keys needs a session token (sign in at https://app.onepin.ai), not an API key"
    )
    """What to do, added to the server's message when it does not say it."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        if "session token" not in message.lower():
            message = f"{message} ({self.ADVICE})" if message else self.ADVICE
        super().__init__(message, **kwargs)


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
