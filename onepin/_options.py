"""The client's options: the one list of them, every value checked once, when they are made.

A bad value of any option is a ``OnePinConfigurationError`` naming the option,
raised by ``OnePinClient(...)``, ``OnePinClient.from_env(...)`` or
``client.with_options(...)`` before any request is sent.
"""

from __future__ import annotations

import math
from typing import NoReturn, TypedDict, Unpack
from urllib.parse import urlsplit

import httpx
import msgspec

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinConfigurationError

__all__ = [
    "MAX_SECONDS",
    "ClientOptions",
    "OptionChanges",
    "as_timeout",
    "checked_concurrency",
    "checked_deadline",
    "checked_token",
]

MAX_SECONDS = 3_600_000.0
"""The longest timeout, deadline or wait accepted (1,000 hours): every clock, lock and
socket takes it, on every platform (``threading.TIMEOUT_MAX`` is about 49 days on
Windows); a larger or infinite value is refused rather than failing at the first call.
"""

_SECONDS = f"number of seconds up to {MAX_SECONDS:.0f}"


class ClientOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a client is configured with except its token and its connection pool.

    Attributes:
        base_url: the API root (an http or https URL), without a trailing slash.
        workspace_id: sent as ``X-Workspace-Id`` on every request when set.
        timeout: the connect/read/write/pool timeouts of each attempt.
        max_retries: retries after the first attempt (0 disables retrying).
        deadline: seconds for a whole call, every attempt and wait included.
        max_retry_wait: the longest server-requested wait honoured; longer raises at once.
        trust_idempotency_keys: retry create/rotate after a 5xx or a read error,
            relying on the server to deduplicate by ``Idempotency-Key``.
        max_concurrency: the most pages a listing fetches side by side (its
            window adapts below this cap).
    """

    base_url: str = DEFAULT_BASE_URL
    workspace_id: str | None = None
    timeout: httpx.Timeout = httpx.Timeout(30.0)
    max_retries: int = 2
    deadline: float | None = None
    max_retry_wait: float = 60.0
    trust_idempotency_keys: bool = False
    max_concurrency: int = 32

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url) if isinstance(self.base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            _bad(
                f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, got {self.base_url!r}"
            )
        msgspec.structs.force_setattr(self, "base_url", self.base_url.rstrip("/"))
        if self.workspace_id is not None and not (
            isinstance(self.workspace_id, str) and _visible_ascii(self.workspace_id)
        ):
            _bad("workspace_id must be None or a string of visible ASCII characters")
        if not isinstance(self.timeout, httpx.Timeout):
            _bad("timeout must be a number of seconds or an httpx.Timeout")
        for part in ("connect", "read", "write", "pool"):
            value = getattr(self.timeout, part)
            if value is not None and not _number(value, low=0.0, strict=True):
                _bad(f"timeout ({part}) must be None or a positive {_SECONDS}, got {value!r}")
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            _bad("max_retries must be an integer >= 0")
        checked_deadline(self.deadline)
        if not _number(self.max_retry_wait, low=0.0, strict=False):
            _bad(f"max_retry_wait must be a {_SECONDS}, >= 0, got {self.max_retry_wait!r}")
        if not isinstance(self.trust_idempotency_keys, bool):
            _bad("trust_idempotency_keys must be True or False")
        checked_concurrency(self.max_concurrency)

    def replace(self, **changes: Unpack[OptionChanges]) -> ClientOptions:
        """A checked copy with ``changes`` applied (any option but ``base_url``)."""
        unknown = changes.keys() - OptionChanges.__annotations__.keys()
        if unknown:
            known = ", ".join(OptionChanges.__annotations__)
            raise TypeError(f"unknown client options {sorted(unknown)}; known: {known}")
        if "timeout" in changes:
            changes["timeout"] = as_timeout(changes["timeout"])
        return msgspec.structs.replace(self, **changes)


class OptionChanges(TypedDict, total=False):
    """The options ``with_options()`` and ``from_env()`` take: those left out stay as they are.

    The same names, types and meaning as ``ClientOptions``' fields.
    """

    workspace_id: str | None
    timeout: float | httpx.Timeout
    max_retries: int
    deadline: float | None
    max_retry_wait: float
    trust_idempotency_keys: bool
    max_concurrency: int


def checked_token(token: object) -> str:
    """The token, stripped; a clear error (that never echoes it) if it cannot be sent."""
    problem = _token_problem(token)
    if problem is not None:
        del token  # the traceback keeps this frame: it must not keep the token
        raise OnePinConfigurationError(problem)
    assert isinstance(token, str)
    return str.strip(token)


def _token_problem(token: object) -> str | None:
    if not isinstance(token, str) or not token.strip():
        return "token must be a non-empty string"
    if not _visible_ascii(token.strip()):
        # httpx would reject it later with an error quoting the whole header.
        return "token may only contain visible ASCII characters (no spaces or line breaks)"
    return None


def checked_concurrency(value: object) -> int:
    """``value`` if it is a valid ``max_concurrency`` (an integer >= 1), else a clear error.

    The one check of this option, for the client's and for a listing's own.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _bad(f"max_concurrency must be an integer >= 1, got {value!r}")
    return value


def checked_deadline(value: object) -> float | None:
    """``value`` if it is a valid deadline (None, or positive seconds), else a clear error.

    The one check of a deadline, for the client's (each call) and for a listing's own.
    """
    if value is not None and not _number(value, low=0.0, strict=True):
        _bad(f"deadline must be None or a positive {_SECONDS}, got {value!r}")
    return value  # type: ignore[return-value]


def as_timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    """``value`` as an ``httpx.Timeout`` (a number is every phase's limit)."""
    if isinstance(value, httpx.Timeout):
        return value
    if not _number(value, low=0.0, strict=True):
        _bad(f"timeout must be a positive {_SECONDS} or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(value)


def _number(value: object, *, low: float, strict: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return False
    if not value <= MAX_SECONDS:  # infinity included
        return False
    return value > low if strict else value >= low


def _visible_ascii(text: str) -> bool:
    return all("!" <= c <= "~" for c in text)


def _bad(message: str) -> NoReturn:
    raise OnePinConfigurationError(message)
