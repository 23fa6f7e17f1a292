"""``Idempotency-Key`` replay: the first answer to a key is the answer to every retry."""

from __future__ import annotations

import hashlib
import threading

from onepin.testing._problems import Problem
from onepin.testing._records import Principal

__all__ = ["IdempotencyCache", "fingerprint"]


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """What makes two requests "the same request" for one idempotency key."""
    return hashlib.sha256(method.encode() + path.encode() + body).digest()


class IdempotencyCache:
    """Stored answers by (caller, key). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[bytes, int, bytes]] = {}

    def replay(self, principal: Principal, key: str, print_: bytes) -> tuple[int, bytes] | None:
        """The stored ``(status, body)`` for ``key``, or None; 409 if the request differs."""
        with self._lock:
            stored = self._answers.get((_caller(principal), key))
        if stored is None:
            return None
        if stored[0] != print_:
            raise Problem(
                409,
                "IDEMPOTENCY_KEY_REUSED",
                "Idempotency-Key was already used with a different request",
            )
        return stored[1], stored[2]

    def store(
        self, principal: Principal, key: str, print_: bytes, status: int, body: bytes
    ) -> None:
        """Remember the answer sent for ``key``."""
        with self._lock:
            self._answers[(_caller(principal), key)] = (print_, status, body)


def _caller(principal: Principal) -> str:
    return principal.key_id or f"{principal.user_id}:{principal.workspace_id}"
