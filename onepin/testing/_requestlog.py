"""The request log: every API request the emulator saw, secrets redacted, and its effects.

The ASGI layer puts an :class:`Effects` in each request's scope; the routes note
there the keys a request created or revoked, so a test can count side effects
per endpoint (a retried create that made two keys shows as two).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from onepin._constants import KEY_PREFIX
from onepin.testing._endpoints import Endpoint

__all__ = ["Effects", "LoggedRequest", "RequestLog", "RequestTally", "effects_of"]

_EFFECTS = "onepin.effects"

_LOGGED_HEADERS = (
    "authorization",
    "x-workspace-id",
    "idempotency-key",
    "x-onepin-retry-count",
    "user-agent",
    "content-type",
)


def _redact_authorization(value: str) -> str:
    scheme, _, token = value.partition(" ")
    kind = "api_key" if token.startswith(KEY_PREFIX) else "session" if token else "none"
    return f"{scheme} [redacted {kind}]"


@dataclass
class Effects:
    """The ids of the keys one request created and revoked."""

    created: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)


def effects_of(scope: MutableMapping[str, Any]) -> Effects:
    """The :class:`Effects` of the request in ``scope`` (attached on first use)."""
    effects = scope.get(_EFFECTS)
    if not isinstance(effects, Effects):
        effects = scope[_EFFECTS] = Effects()
    return effects


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it, secrets redacted.

    ``status`` is None when the connection was dropped; ``endpoint`` is the
    :class:`Endpoint` it reached (None for an unknown path); ``created`` and
    ``revoked`` are the ids of the keys it created and revoked, answered or not.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    headers: dict[str, str]
    fault: str | None
    endpoint: str | None = None
    created: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()
    at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_scope(
        cls, scope: MutableMapping[str, Any], status: int | None, fault: str | None
    ) -> LoggedRequest:
        """The entry for an ASGI HTTP ``scope`` answered with ``status`` (None: dropped)."""
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in _LOGGED_HEADERS:
                value = raw_value.decode("latin-1")
                headers[name] = _redact_authorization(value) if name == "authorization" else value
        query = dict(
            pair.split("=", 1) if "=" in pair else (pair, "")
            for pair in scope["query_string"].decode("latin-1").split("&")
            if pair
        )
        method, path = scope["method"], scope["path"]
        effects = effects_of(scope)
        return cls(
            method,
            path,
            query,
            status,
            headers,
            fault,
            Endpoint.of(method, path),
            tuple(effects.created),
            tuple(effects.revoked),
        )

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> LoggedRequest:
        """An entry back from the admin API's JSON."""
        return msgspec.convert(entry, cls)

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API's JSON."""
        return dataclasses.asdict(self)


class RequestLog:
    """An append-only, thread-safe list of :class:`LoggedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        """Record ``entry``."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        """A snapshot of every entry, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class RequestTally:
    """Counts over a request log, by endpoint: index them with :class:`Endpoint` members.

    ``attempts`` counts requests (dropped ones included), ``created`` and
    ``revoked`` the keys they created and revoked, ``faults`` the requests each
    fault kind hit. Requests to unknown paths count under ``"METHOD /path"``.
    """

    attempts: Counter[str]
    created: Counter[str]
    revoked: Counter[str]
    faults: Counter[str]

    @classmethod
    def of(cls, entries: Iterable[LoggedRequest]) -> RequestTally:
        """The tally of ``entries`` (``emulator.requests`` or ``server.requests()``)."""
        tally = cls(Counter(), Counter(), Counter(), Counter())
        for entry in entries:
            where = entry.endpoint or f"{entry.method} {entry.path}"
            tally.attempts[where] += 1
            if entry.created:
                tally.created[where] += len(entry.created)
            if entry.revoked:
                tally.revoked[where] += len(entry.revoked)
            if entry.fault is not None:
                tally.faults[entry.fault] += 1
        return tally
