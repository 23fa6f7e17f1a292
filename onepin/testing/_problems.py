"""How the emulator refuses a request (exceptions its routes turn into answers), or drops it."""

from __future__ import annotations

__all__ = ["ConnectionDropped", "Problem", "ValidationProblem"]


class Problem(Exception):
    """An API error in the ``{"error": {...}}`` envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationProblem(Exception):
    """A request-validation 422 in FastAPI's ``{"detail": [...]}`` shape."""

    def __init__(self, detail: list[dict[str, object]]) -> None:
        super().__init__("validation failed")
        self.detail = detail


class ConnectionDropped(Exception):
    """Raised in-process where a real server would close the socket."""
