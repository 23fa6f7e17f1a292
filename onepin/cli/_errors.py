"""One table from exception type to what the person sees: message, code and exit status.

Exit statuses, as gh documents them: 0 ok, 1 failure, 2 usage error (and a
cancelled prompt), 3 audit findings, 4 authentication required (no key, or a
key the API refuses), 130 interrupted. ``login``'s documented errors (invalid
key, unreachable server, missing prefix) keep their documented 1.

``describe()`` walks the exception's class hierarchy and uses the most specific
entry, so a ``RateLimitError`` gets the rate-limit wording and any other
``APIStatusError`` the generic one. The SDK's exception classes are imported
the first time a failure is described, never when the CLI starts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onepin._constants import KEY_PREFIX

__all__ = [
    "EXIT_AUTH",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "INVALID_KEY",
    "CliError",
    "Failure",
    "describe",
    "safe_url",
    "unreachable",
]

EXIT_FAILURE = 1
"""An API or runtime failure."""
EXIT_USAGE = 2
"""A usage error: a bad flag, variable or profile name, a prompt declined or not allowed
(``onepin --help`` lists every exit status)."""
EXIT_AUTH = 4
"""Authentication required: no key found, or the key (or session token) was refused."""

INVALID_KEY = "Invalid API key. Generate one at https://app.onepin.ai/settings/api-keys"
"""The documented message for a key the API refuses."""


class CliError(Exception):
    """An expected failure: its message is printed as is, with ``exit_code``."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "ERROR",
        exit_code: int = EXIT_FAILURE,
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
    exit_code: int = EXIT_FAILURE


_SECRET = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9]*|sess_[A-Za-z0-9_-]*")
"""An API key or a session token, pasted where a URL goes."""


def safe_url(url: str) -> str:
    """``url`` as it may be shown: a ``user:password@`` part is left out.

    An API key or a session token in it (pasted where the URL goes) shows only
    as its masked preview.
    """
    from urllib.parse import urlsplit, urlunsplit

    if _SECRET.search(url):
        from onepin._secret import mask

        url = _SECRET.sub(lambda found: mask(found[0]), url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<the base URL>"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def unreachable(base_url: str) -> CliError:
    """The documented message for a server that cannot be reached."""
    message = f"Cannot reach {safe_url(base_url)} — check your connection"
    return CliError(message, code="UNREACHABLE")


def _rate_limited(exc: Any) -> Failure:
    wait = exc.retry_after
    hint = f"; retry in {wait:g}s" if wait is not None else ""
    return Failure(
        f"Rate limited{hint} ({exc.message})", exc.code or "RATE_LIMITED", exc.request_id
    )


def _status(exc: Any) -> Failure:
    return Failure(str(exc), exc.code or f"HTTP_{exc.status_code}", exc.request_id)


def _refused(exc: Any) -> Failure:
    return Failure(str(exc), exc.code or f"HTTP_{exc.status_code}", exc.request_id, EXIT_AUTH)


@functools.cache
def _table() -> dict[type[BaseException], Callable[[Any], Failure]]:
    import onepin as sdk
    from onepin.credentials import NoCredentialsError

    return {
        CliError: lambda e: Failure(e.message, e.code, e.request_id, e.exit_code),
        NoCredentialsError: lambda e: Failure(str(e), "NO_CREDENTIALS", exit_code=EXIT_AUTH),
        sdk.OnePinConfigurationError: lambda e: Failure(str(e), "CONFIGURATION_ERROR"),
        sdk.APITimeoutError: lambda e: Failure(str(e), "TIMEOUT"),
        sdk.APIConnectionError: lambda e: Failure(str(e), "CONNECTION_ERROR"),
        sdk.RateLimitError: _rate_limited,
        sdk.AuthenticationError: _refused,
        sdk.SessionRequiredError: _refused,
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
