"""What to say when the ``emulator`` extra (Starlette, uvicorn) is not installed."""

from __future__ import annotations

__all__ = ["INSTALL_HINT", "ExtraMissing"]

INSTALL_HINT = 'pip install -e ".[emulator]" in a checkout of the SDK'
"""How to get the extra. The SDK is not on the package index (a different project
holds its name there), so the hint installs from a checkout."""


class ExtraMissing(ModuleNotFoundError):
    """The emulator needs a module of its extra that is not installed."""

    @classmethod
    def from_error(cls, exc: ModuleNotFoundError) -> ExtraMissing:
        """The one-line error for the missing module of ``exc``."""
        package = (exc.name or "a module").partition(".")[0]
        return cls(
            f"onepin.testing needs the emulator extra ({package} is missing): {INSTALL_HINT}",
            name=package,
        )
