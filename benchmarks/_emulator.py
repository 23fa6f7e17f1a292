"""The emulator the listing and load rows talk to, in a process of its own.

``onepin.testing.EmulatorProcess`` serves it over loopback from a child
process, so the client's CPU clock counts the client alone. Clients run in
other fresh interpreters and get only a picklable ``Server``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from onepin.testing import EmulatorProcess, KeyManagement, LoggedRequest


@dataclass(frozen=True)
class Server:
    """Where a client reaches the emulator, with which key (picklable)."""

    url: str
    api_key: str
    """The bootstrap API key (``whoami``)."""
    api_key_id: str
    token: str
    """What lists and manages keys: the bootstrap session token (an emulator in its
    key-management mode refuses API keys on the API-key endpoints, as the API does)."""


class LiveEmulator:
    """A running emulator: the ``Server`` for clients, its request log, its CPU clock."""

    def __init__(self, process: EmulatorProcess, latency: float) -> None:
        self._process = process
        self.latency = latency
        """Seconds the emulator adds to every API request."""
        boot = process.bootstrap
        self.server = Server(process.base_url, boot.api_key, boot.api_key_id, boot.session_token)

    def request_log(self) -> list[LoggedRequest]:
        """Every API request since the log was last cleared."""
        return self._process.requests()

    def clear_log(self) -> None:
        """Empty the request log."""
        self._process.admin("DELETE", "requests")

    def new_key(self, *, rate_limit_per_min: int | None = None) -> str:
        """A new key of the bootstrap workspace; its secret."""
        body = {"name": "bench", "rate_limit_per_min": rate_limit_per_min}
        secret: str = self._process.admin("POST", "keys", body)["api_key"]
        return secret

    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used so far (Linux; 0.0 elsewhere)."""
        try:
            with open(f"/proc/{self._process.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def emulator(
    *,
    keys: int,
    latency: float,
    rate_limit_window: float = 60.0,
    seed: int | None = None,
    key_management: KeyManagement = "session",
) -> Iterator[LiveEmulator]:
    """An emulator holding ``keys`` keys in all (its bootstrap key included).

    Without ``seed`` they are all alike and active; with it, realistic (ages,
    use, scopes, limits, a few revoked), the same for the same ``seed``.
    ``key_management``: the emulator's (``"any"`` lets an API key list keys).
    """
    with EmulatorProcess(
        seed_keys=max(0, keys - 1),
        seed=seed,
        latency=latency,
        rate_limit_window=rate_limit_window,
        key_management=key_management,
        startup_timeout=30 + keys / 10_000,  # seeding a million keys takes a while
    ) as process:
        yield LiveEmulator(process, latency)
