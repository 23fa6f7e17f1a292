"""The emulator as users meet it: its state plus the ways to serve it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from onepin.testing._extra import ExtraMissing
from onepin.testing._options import EmulatorOptions, KeyManagement, ResetFormat, WhoAmIShape
from onepin.testing._serve import ThreadServer
from onepin.testing._state import EmulatorState
from onepin.testing._store import Store
from onepin.testing._sync_transport import SyncEmulatorTransport
from onepin.testing._transport import EmulatorTransport

__all__ = ["Emulator", "RunningEmulator"]

IN_PROCESS_BASE_URL = "http://onepin.test"


class Emulator(EmulatorState):
    """The OnePin API in a box: state, faults, request log, and two ways to serve them.

    Args:
        seed_keys: keys to create in the bootstrap workspace at start.
        seed: with ``seed_keys``, make them realistic and reproducible from this
            number (see :meth:`seed_keys`); None: plain keys.
        latency: seconds added to every API request (a simulated round trip).
        rate_limit_window: length of a key's rate-limit window in seconds; a key
            with ``rate_limit_per_min=L`` gets ``ceil(L * window / 60)`` requests
            a window. Shorten it to test pacing without waiting minutes.
        admin_token: bearer token of the ``/_emulator/`` control API (random if None).
        count_total: whether list answers carry ``pagination.total`` (some OnePin
            list endpoints omit it; switch it off to test clients without it).
        key_management: who may call the ``/api/v1/api-keys`` endpoints:
            ``"session"`` (only a browser-session token, the documented rule: an
            API key gets 403 ``SESSION_TOKEN_REQUIRED``; the default) or ``"any"``
            (any token, for deployments known to let API keys manage keys).
        whoami_shape: ``"full"`` (the contract's ``WhoAmI``, the default) or
            ``"minimal"`` (the official SDK 0.7.1's schema: no ``email``, no
            ``key_name``), to test clients against a server that omits them.
        rate_limit_reset: ``X-RateLimit-Reset`` as ``"seconds"`` until the window
            resets (the contract, the default) or as the ``"epoch"`` time it
            resets at (what the official SDK 0.7.1 reads).

    ``options`` holds these arguments (an :class:`EmulatorOptions`), so that
    ``Emulator(**dataclasses.asdict(emu.options))`` builds a fresh one like it.
    """

    def __init__(
        self,
        *,
        seed_keys: int = 0,
        seed: int | None = None,
        latency: float = 0.0,
        rate_limit_window: float = 60.0,
        admin_token: str | None = None,
        count_total: bool = True,
        key_management: KeyManagement = "session",
        whoami_shape: WhoAmIShape = "full",
        rate_limit_reset: ResetFormat = "seconds",
    ) -> None:
        try:
            from onepin.testing._asgi import EmulatorASGI
        except ModuleNotFoundError as exc:
            raise ExtraMissing.from_error(exc) from None

        self.options = EmulatorOptions(
            seed_keys=seed_keys,
            seed=seed,
            latency=latency,
            rate_limit_window=rate_limit_window,
            admin_token=admin_token,
            count_total=count_total,
            key_management=key_management,
            whoami_shape=whoami_shape,
            rate_limit_reset=rate_limit_reset,
        )
        """The arguments this emulator was built with."""
        super().__init__(
            store=Store(rate_limit_window=rate_limit_window, rate_limit_reset=rate_limit_reset),
            admin_token=admin_token or "emu_admin_" + secrets.token_urlsafe(24),
            latency=latency,
            count_total=count_total,
            key_management=key_management,
            whoami_shape=whoami_shape,
        )
        if seed_keys:
            self.seed_keys(seed_keys, seed=seed)
        self.app = EmulatorASGI(self)

    @property
    def base_url(self) -> str:
        """The base URL of the in-process transport."""
        return IN_PROCESS_BASE_URL

    def transport(self) -> EmulatorTransport:
        """An in-process ``httpx`` async transport to this emulator (no socket)."""
        return EmulatorTransport(self)

    def sync_transport(self) -> SyncEmulatorTransport:
        """An in-process ``httpx`` sync transport to this emulator (no socket, no thread)."""
        return SyncEmulatorTransport(self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningEmulator]:
        """Serve over a real socket from a background thread until the block ends."""
        with RunningEmulator(self, host, port) as server:
            yield server


class RunningEmulator(ThreadServer):
    """An emulator served by uvicorn on a loopback port from a background thread."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(emulator.app, emulator.admin_token, host, port)
        self.emulator = emulator
