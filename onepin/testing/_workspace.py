"""A workspace's key rows, in creation order, with cached status views; and its users."""

from __future__ import annotations

from dataclasses import dataclass, field

from onepin.testing._records import KeyRow

__all__ = ["User", "Workspace"]


@dataclass
class User:
    """A person: an id, an email, the workspaces they belong to."""

    id: str
    email: str | None
    uuid: str = ""
    """The same person as a UUID: the ``created_by`` of the keys they make (seeds 002/003)."""
    workspaces: set[str] = field(default_factory=set)


@dataclass
class Workspace:
    """The rows of one workspace; ``version`` moves on every change, dropping cached views."""

    id: str
    owner: str | None = None
    """The UUID of the user who made it: ``created_by`` of keys made outside the API."""
    rows: list[KeyRow] = field(default_factory=list)
    version: int = 0
    views: dict[str, tuple[int, list[KeyRow]]] = field(default_factory=dict)

    def view(self, status: str) -> list[KeyRow]:
        """Rows matching ``status``, in creation order, cached until the next change."""
        if status == "all":
            return self.rows
        cached = self.views.get(status)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        if status == "active":
            rows = [r for r in self.rows if r.active and r.revoked_at is None]
        else:
            rows = [r for r in self.rows if not r.active or r.revoked_at is not None]
        self.views[status] = (self.version, rows)
        return rows
