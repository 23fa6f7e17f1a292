"""An emulator's construction options, in one place (for ``Emulator``, its CLI and its child).

``Emulator(**options)``, ``EmulatorProcess(**options)`` and ``python -m onepin.testing``
take the same options; :class:`EmulatorOptions` holds them, so a fresh emulator
(a reset) can be built with the options of the old one, and a child process gets
them as command-line flags (:meth:`EmulatorOptions.argv`).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

__all__ = [
    "KEY_MANAGEMENT_MODES",
    "RESET_FORMATS",
    "WHOAMI_SHAPES",
    "EmulatorOptions",
    "KeyManagement",
    "ResetFormat",
    "WhoAmIShape",
]

KeyManagement = Literal["session", "any"]
"""Who may call the ``/api/v1/api-keys`` endpoints: a session token only, or any token."""
KEY_MANAGEMENT_MODES: tuple[KeyManagement, ...] = ("session", "any")
"""Every ``KeyManagement`` value."""

WhoAmIShape = Literal["full", "minimal"]
"""``whoami``'s shape: ``full`` (the contract's, with ``email`` and ``key_name``) or
``minimal`` (the official SDK 0.7.1's schema: neither field)."""
WHOAMI_SHAPES: tuple[WhoAmIShape, ...] = ("full", "minimal")
"""Every ``WhoAmIShape`` value."""

ResetFormat = Literal["seconds", "epoch"]
"""``X-RateLimit-Reset`` as the seconds until the window resets (the contract) or as the
epoch time it resets at (what the official SDK 0.7.1 reads)."""
RESET_FORMATS: tuple[ResetFormat, ...] = ("seconds", "epoch")
"""Every ``ResetFormat`` value."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmulatorOptions:
    """How an emulator is built; every field is an ``Emulator`` keyword argument.

    See :class:`~onepin.testing.Emulator` for each field's meaning. The default
    ``key_management`` is ``"session"``: the documented rule.
    """

    seed_keys: int = 0
    seed: int | None = None
    latency: float = 0.0
    rate_limit_window: float = 60.0
    admin_token: str | None = None
    count_total: bool = True
    key_management: KeyManagement = "session"
    whoami_shape: WhoAmIShape = "full"
    rate_limit_reset: ResetFormat = "seconds"

    def __post_init__(self) -> None:
        if self.key_management not in KEY_MANAGEMENT_MODES:
            raise ValueError(
                f"key_management must be 'session' or 'any', not {self.key_management!r}"
            )
        if self.whoami_shape not in WHOAMI_SHAPES:
            raise ValueError(f"whoami_shape must be 'full' or 'minimal', not {self.whoami_shape!r}")
        if self.rate_limit_reset not in RESET_FORMATS:
            raise ValueError(
                f"rate_limit_reset must be 'seconds' or 'epoch', not {self.rate_limit_reset!r}"
            )

    def argv(self) -> list[str]:
        """These options as ``python -m onepin.testing`` flags.

        The admin token is left out: a secret never goes on a command line.
        """
        return [
            f"--seed-keys={self.seed_keys}",
            *([] if self.seed is None else [f"--seed={self.seed}"]),
            f"--latency={self.latency}",
            f"--rate-limit-window={self.rate_limit_window}",
            *([] if self.count_total else ["--no-count-total"]),
            f"--key-management={self.key_management}",
            f"--whoami-shape={self.whoami_shape}",
            f"--rate-limit-reset={self.rate_limit_reset}",
        ]
