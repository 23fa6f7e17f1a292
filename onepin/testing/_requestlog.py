"""The request log: every API request the emulator saw, secrets redacted."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from onepin._constants import KEY_PREFIX

__all__ = ["LoggedRequest", "RequestLog"]

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


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it, secrets redacted."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    headers: dict[str, str]
    fault: str | None
    at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_scope(
        cls, scope: Mapping[str, Any], status: int | None, fault: str | None
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
        return cls(scope["method"], scope["path"], query, status, headers, fault)

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
