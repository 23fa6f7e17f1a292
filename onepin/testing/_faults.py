"""Fault injection: what can go wrong, and the queue of what will go wrong next."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "FaultPlan"]

FaultKind = Literal["status", "latency", "drop", "commit_then_fail", "truncate", "html_502"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""Every kind of fault, in the order ``FaultKind`` lists them."""


@dataclass
class Fault:
    """One injected fault, applied to the next ``times`` requests that match.

    ``method`` (None: any) and ``path`` (a glob such as ``/api/v1/api-keys/*``)
    select requests. ``times=None`` keeps the fault forever; ``after`` lets that
    many matching requests through first. ``delay`` seconds are waited before
    anything else happens. Use the class-method constructors.
    """

    kind: FaultKind
    method: str | None = None
    path: str = "*"
    times: int | None = 1
    delay: float = 0.0
    status: int = 500
    body: Any = None
    retry_after: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0
    hits: int = field(default=0, compare=False)

    @classmethod
    def status_code(
        cls,
        status: int,
        *,
        method: str | None = None,
        path: str = "*",
        times: int | None = 1,
        body: Any = None,
        retry_after: float | str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        after: int = 0,
    ) -> Fault:
        """Answer ``status`` without touching state.

        ``body`` is JSON (dict or list), text or bytes; None gives the error
        envelope. ``retry_after`` becomes ``Retry-After``; ``headers`` are added.
        """
        ra = None if retry_after is None else str(retry_after)
        return cls(
            "status", method, path, times, delay, status, body, ra, dict(headers or {}), after
        )

    @classmethod
    def latency(
        cls, seconds: float, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """Wait ``seconds``, then answer normally."""
        return cls("latency", method, path, times, seconds)

    @classmethod
    def drop(cls, *, method: str | None = None, path: str = "*", times: int | None = 1) -> Fault:
        """Close the connection before sending any response; nothing is applied."""
        return cls("drop", method, path, times)

    @classmethod
    def commit_then_fail(
        cls, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """Apply the request, then answer 500 as if it had failed."""
        return cls("commit_then_fail", method, path, times)

    @classmethod
    def truncate(
        cls, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """Answer normally but cut the JSON body in half."""
        return cls("truncate", method, path, times)

    @classmethod
    def html_502(
        cls, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """Answer 502 with a proxy's HTML page, as a load balancer would."""
        return cls("html_502", method, path, times, status=502)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API's JSON."""
        return {
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "delay": self.delay,
            "status": self.status,
            "body": self.body if not isinstance(self.body, bytes) else self.body.decode(),
            "retry_after": self.retry_after,
            "headers": self.headers,
            "after": self.after,
            "hits": self.hits,
        }


class FaultPlan:
    """The queue of pending faults, consumed in insertion order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue ``fault``."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """The faults still pending."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
            return None
