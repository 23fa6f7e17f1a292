"""Fault injection: what can go wrong, and the queue of what will go wrong next."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from onepin.testing._endpoints import path_matches

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "FaultPlan"]

FaultKind = Literal[
    "status", "latency", "drop", "commit_then_fail", "truncate", "html_502", "slow_drip"
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""Every kind of fault, in the order ``FaultKind`` lists them."""


@dataclass
class Fault:
    """One injected fault, applied to the next ``times`` requests that match.

    ``method`` (None: any) and ``path`` select requests: a glob such as
    ``/api/v1/api-keys/*`` (``*`` spans ``/``), or a template such as
    ``/api/v1/api-keys/{key_id}`` (one segment), so ``Endpoint.path`` aims at one
    endpoint. ``times=None`` keeps the fault forever; ``after`` lets that many
    matching requests through first. ``delay`` seconds are waited before anything
    else happens. Use the class-method constructors, or :meth:`of_kind`.
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
    interval: float = 0.0
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
        cls,
        seconds: float,
        *,
        method: str | None = None,
        path: str = "*",
        times: int | None = 1,
        after: int = 0,
    ) -> Fault:
        """Wait ``seconds``, then answer normally (``after``: that many requests first go fast)."""
        return cls("latency", method, path, times, seconds, after=after)

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

    @classmethod
    def slow_drip(
        cls, seconds: float, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """Answer normally, but send the body one byte every ``seconds``.

        The headers (with the full ``Content-Length``) leave at once, so a client's
        per-read timeout never fires: only an overall deadline ends the wait.
        """
        return cls("slow_drip", method, path, times, interval=seconds)

    @classmethod
    def of_kind(
        cls, kind: FaultKind, *, method: str | None = None, path: str = "*", times: int | None = 1
    ) -> Fault:
        """A representative fault of ``kind``, to run every kind in ``FAULT_KINDS`` alike.

        ``status`` answers 503 with ``Retry-After: 0``; ``latency`` waits 0.05 s;
        ``slow_drip`` sends a byte every 0.05 s; the others take no parameter.
        """
        if kind == "status":
            return cls.status_code(503, method=method, path=path, times=times, retry_after=0)
        if kind == "latency":
            return cls.latency(0.05, method=method, path=path, times=times)
        if kind == "slow_drip":
            return cls.slow_drip(0.05, method=method, path=path, times=times)
        if kind == "html_502":
            return cls.html_502(method=method, path=path, times=times)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        return cls(kind, method, path, times)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path_matches(self.path, path)

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
            "interval": self.interval,
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
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
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
