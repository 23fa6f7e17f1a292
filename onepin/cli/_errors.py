"""One table from exception type to what the person sees: message, code and exit status.

``describe()`` walks the exception's class hierarchy and uses the most specific
entry, so a ``RateLimitError`` gets the rate-limit wording and any other
``APIStatusError`` the generic one. The SDK's exception classes are imported
the first time a failure is described, never when the CLI starts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["INVALID_KEY", "CliError", "Failure", "describe", "unreachable"]

INVALID_KEY = "Invalid API key. Generate one at https://app.onepin.ai/settings/api-keys"
"""The documented message for a key the API refuses."""


class CliError(Exception):
    """An expected failure: its message is printed as is, with ``exit_code``."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "ERROR",
        exit_code: int = 1,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.exit_code = exit_code
        self.request_id = request_id


@dataclass(frozen=True)
class Failure:
    """A failure as shown: the message, a stable code for ``--json``, the exit status."""

    message: str
    code: str
    request_id: str | None = None
    exit_code: int = 1


def unreachable(base_url: str) -> CliError:
    """The documented message for a server that cannot be reached."""
    return CliError(f"Cannot reach {base_url} — check your connection", code="UNREACHABLE")


def _rate_limited(exc: Any) -> Failure:
    wait = exc.retry_after
    hint = f"; retry in {wait:g}s" if wait is not None else ""
    return Failure(
        f"Rate limited{hint} ({exc.message})", exc.code or "RATE_LIMITED", exc.request_id
    )


def _status(exc: Any) -> Failure:
    return Failure(str(exc), exc.code or f"HTTP_{exc.status_code}", exc.request_id)


@functools.cache
def _table() -> dict[type[BaseException], Callable[[Any], Failure]]:
    import onepin as sdk

    return {
        CliError: lambda e: Failure(e.message, e.code, e.request_id, e.exit_code),
        sdk.OnePinConfigurationError: lambda e: Failure(str(e), "CONFIGURATION_ERROR"),
        sdk.APITimeoutError: lambda e: Failure(str(e), "TIMEOUT"),
        sdk.APIConnectionError: lambda e: Failure(str(e), "CONNECTION_ERROR"),
        sdk.RateLimitError: _rate_limited,
        sdk.APIStatusError: _status,
        sdk.APIResponseValidationError: lambda e: Failure(str(e), "BAD_RESPONSE", e.request_id),
        sdk.OnePinError: lambda e: Failure(str(e), "ERROR"),
        OSError: lambda e: Failure(f"{e.strerror or e}", "OS_ERROR"),
    }


def describe(exc: BaseException) -> Failure | None:
    """How ``exc`` is shown, or ``None`` for an unexpected error (a bug)."""
    table = _table()
    for cls in type(exc).__mro__:
        describer = table.get(cls)
        if describer is not None:
            return describer(exc)
    return None
