"""OnePin: the async-first Python SDK of the OnePin API (placeholder until the client lands)."""

from onepin._version import __version__

__all__ = ["__version__"]
