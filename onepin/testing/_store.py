"""The emulator's state: workspaces, users, sessions and API keys, and the rules on them.

Pure Python with no I/O, guarded by one lock, so the ASGI app, the in-process
transport and a server thread can share it. Every rule of the contract that is
about *data* lives here; the HTTP shapes live in ``_routes``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import msgspec

from onepin._constants import KEY_PREFIX
from onepin.testing._options import ResetFormat
from onepin.testing._problems import Problem
from onepin.testing._ratelimit import RateLimiter
from onepin.testing._records import (
    ALL_SCOPES,
    Account,
    CreatedKeyRow,
    KeyRow,
    Principal,
    key_row,
    new_secret,
    unique,
    whole_seconds,
)
from onepin.testing._workspace import User, Workspace

__all__ = ["Store"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user_id() -> str:
    return "usr_01" + "".join(secrets.choice(_CROCKFORD) for _ in range(24))


class Store:
    """All emulator data. Thread-safe: every public method takes the lock."""

    def __init__(
        self,
        *,
        rate_limit_window: float = 60.0,
        rate_limit_reset: ResetFormat = "seconds",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self.limiter = RateLimiter(
            rate_limit_window, clock, reset_as_epoch=rate_limit_reset == "epoch"
        )
        self._workspaces: dict[str, Workspace] = {}
        self._users: dict[str, User] = {}
        self._user_by_uuid: dict[str, str] = {}
        self._keys: dict[str, KeyRow] = {}
        self._by_hash: dict[str, str] = {}
        self._sessions: dict[str, str] = {}
        self._tick = datetime(2024, 1, 1, tzinfo=UTC)

    # -- time ---------------------------------------------------------------

    def now(self) -> datetime:
        """Wall-clock time in whole seconds (as the seeds show times), never going back.

        Listings keep insertion order whatever the times say.
        """
        now = max(whole_seconds(datetime.now(UTC)), self._tick)
        self._tick = now
        return now

    # -- setup --------------------------------------------------------------

    def create_account(self, email: str | None = None) -> Account:
        """A new workspace, its owner, an all-scopes key and a session token."""
        with self.lock:
            workspace_id, user_id = self.create_workspace(email)
            key = self.insert_key(workspace_id, name="bootstrap")
            return Account(
                workspace_id=workspace_id,
                user_id=user_id,
                email=email,
                api_key=key.api_key,
                api_key_id=key.id,
                session_token=self.create_session(user_id),
            )

    def create_workspace(self, email: str | None = None) -> tuple[str, str]:
        """Create a workspace and its owner; return ``(workspace_id, user_id)``."""
        with self.lock:
            user = User(id=_user_id(), email=email, uuid=str(uuid.uuid4()))
            ws = Workspace(id=str(uuid.uuid4()), owner=user.uuid)
            user.workspaces.add(ws.id)
            self._workspaces[ws.id] = ws
            self._users[user.id] = user
            self._user_by_uuid[user.uuid] = user.id
            return ws.id, user.id

    def owner(self, workspace_id: str) -> str | None:
        """The UUID of the workspace's owner (the ``created_by`` of keys made in setup)."""
        with self.lock:
            return self._workspace(workspace_id).owner

    def _creator(self, principal: Principal) -> str | None:
        user = self._users.get(principal.user_id)
        return user.uuid if user else None

    def create_session(self, user_id: str) -> str:
        """A browser-session token (``auth_kind`` ``clerk``) for ``user_id``."""
        with self.lock:
            token = "sess_" + secrets.token_urlsafe(32)
            self._sessions[token] = user_id
            return token

    def insert_key(
        self,
        workspace_id: str,
        *,
        name: str,
        scopes: Iterable[str] = ALL_SCOPES,
        rate_limit_per_min: int | None = None,
        created_by: str | None = None,
    ) -> CreatedKeyRow:
        """Create a key with no authorization checks (setup and seeding).

        ``created_by`` is a user's UUID (default: the workspace's owner); scopes
        keep the order given.
        """
        secret = new_secret()
        with self.lock:
            row = key_row(
                id=str(uuid.uuid4()),
                workspace_id=workspace_id,
                name=name,
                suffix=secret[len(KEY_PREFIX) : len(KEY_PREFIX) + 8],
                created_at=self.now(),
                scopes=unique(scopes),
                rate_limit_per_min=rate_limit_per_min,
                created_by=created_by or self._workspace(workspace_id).owner,
            )
            self.add_rows(workspace_id, [row])
            self._by_hash[_hash(secret)] = row.id
            return CreatedKeyRow(**msgspec.structs.asdict(row), api_key=secret)

    def add_rows(self, workspace_id: str, rows: Iterable[KeyRow]) -> None:
        """Append ready-made rows (no secret can authenticate as them) to a workspace."""
        with self.lock:
            ws = self._workspace(workspace_id)
            before = len(ws.rows)
            ws.rows.extend(rows)
            self._keys.update((row.id, row) for row in ws.rows[before:])
            ws.version += 1

    def get_row(self, key_id: str) -> KeyRow | None:
        """A key row by id, any workspace (for tests)."""
        with self.lock:
            return self._keys.get(key_id)

    def workspace_ids(self) -> list[str]:
        """Every workspace id."""
        with self.lock:
            return list(self._workspaces)

    # -- who is calling -------------------------------------------------------

    def authenticate(self, authorization: str | None, workspace_header: str | None) -> Principal:
        """Resolve the bearer token and the optional ``X-Workspace-Id`` header."""
        if workspace_header is not None:
            try:
                uuid.UUID(workspace_header)
            except ValueError:
                raise Problem(
                    400, "INVALID_WORKSPACE_HEADER", "X-Workspace-Id must be a UUID"
                ) from None
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(401, "INVALID_API_KEY", "Missing bearer token")
        token = token.strip()
        with self.lock:
            if token.startswith(KEY_PREFIX):
                return self._key_principal(token, workspace_header)
            user = self._users.get(self._sessions.get(token, ""))
            if user is None:
                raise Problem(401, "INVALID_API_KEY", "Invalid session token")
            if workspace_header is None:
                workspace_id = min(user.workspaces)
            elif workspace_header in user.workspaces:
                workspace_id = workspace_header
            else:
                raise Problem(403, "WORKSPACE_MISMATCH", "Not a member of that workspace")
            return Principal("clerk", user.id, workspace_id, ALL_SCOPES)

    def _key_principal(self, token: str, workspace_header: str | None) -> Principal:
        key_id = self._by_hash.get(_hash(token))
        row = self._keys.get(key_id) if key_id else None
        if row is None or not row.active or row.revoked_at is not None:
            raise Problem(401, "INVALID_API_KEY", "Invalid or revoked API key")
        if workspace_header is not None and workspace_header != row.workspace_id:
            raise Problem(403, "WORKSPACE_MISMATCH", "X-Workspace-Id does not match the API key")
        row.last_used_at = self.now()
        return Principal(
            auth_kind="api_key",
            user_id=self._user_by_uuid.get(row.created_by or "", ""),
            workspace_id=row.workspace_id,
            scopes=tuple(row.scopes),
            key_id=row.id,
        )

    def rate_limit(self, principal: Principal) -> dict[str, str]:
        """Count one request against the caller's key; return ``X-RateLimit-*`` headers.

        Raises a 429 ``Problem`` (with ``Retry-After``) when the window is spent.
        """
        if principal.key_id is None:
            return {}
        with self.lock:
            limit = self._keys[principal.key_id].rate_limit_per_min
        return {} if limit is None else self.limiter.check(principal.key_id, limit)

    # -- API operations -------------------------------------------------------

    def list_keys(
        self, principal: Principal, *, offset: int, limit: int, status: str
    ) -> tuple[list[KeyRow], int]:
        """One page of keys and the total count for ``status``."""
        with self.lock:
            rows = self._workspace(principal.workspace_id).view(status)
            return rows[offset : offset + limit], len(rows)

    def get_key(self, principal: Principal, key_id: str) -> KeyRow:
        """A key of the caller's workspace, else 404."""
        with self.lock:
            row = self._keys.get(key_id)
            if row is None or row.workspace_id != principal.workspace_id:
                raise Problem(404, "NOT_FOUND", "API key not found")
            return row

    def create_key(
        self,
        principal: Principal,
        *,
        name: str,
        scopes: list[str],
        rate_limit_per_min: int | None,
    ) -> CreatedKeyRow:
        """Create a key; a caller may never grant a scope it does not hold."""
        _check_grant(principal, scopes)
        with self.lock:
            return self.insert_key(
                principal.workspace_id,
                name=name,
                scopes=scopes,
                rate_limit_per_min=rate_limit_per_min,
                created_by=self._creator(principal),
            )

    def update_key(self, principal: Principal, key_id: str, changes: dict[str, object]) -> KeyRow:
        """Apply a PATCH body (already validated) to a key."""
        with self.lock:
            row = self.get_key(principal, key_id)
            if "scopes" in changes:
                scopes = changes["scopes"]
                assert isinstance(scopes, list)
                _check_grant(principal, scopes)
                row.scopes = unique(scopes)
            if "name" in changes:
                row.name = str(changes["name"])
            if "rate_limit_per_min" in changes:
                value = changes["rate_limit_per_min"]
                row.rate_limit_per_min = value if isinstance(value, int) else None
            if "active" in changes:
                if changes["active"] and row.revoked_at is not None:
                    raise Problem(410, "KEY_REVOKED", "A revoked key cannot be reactivated")
                row.active = bool(changes["active"])
            row.updated_at = self.now()
            self._touch(row)
            return row

    def revoke_key(self, principal: Principal, key_id: str) -> KeyRow:
        """Soft-revoke a key (idempotent: revoking twice keeps the first time)."""
        with self.lock:
            row = self.get_key(principal, key_id)
            now = self.now()
            row.active = False
            if row.revoked_at is None:
                row.revoked_at = now
            row.updated_at = now
            self._touch(row)
            return row

    def rotate_key(self, principal: Principal, key_id: str) -> tuple[KeyRow, CreatedKeyRow]:
        """Revoke a key and create its successor with the same name, scopes and limit."""
        with self.lock:
            old = self.get_key(principal, key_id)
            if old.revoked_at is not None:
                raise Problem(410, "KEY_REVOKED", "A revoked key cannot be rotated")
            _check_grant(principal, old.scopes)
            new = self.insert_key(
                old.workspace_id,
                name=old.name,
                scopes=old.scopes,
                rate_limit_per_min=old.rate_limit_per_min,
                created_by=self._creator(principal) or old.created_by,
            )
            self.revoke_key(principal, old.id)
            return old, new

    def whoami(self, principal: Principal) -> dict[str, object]:
        """The ``WhoAmI`` object for the caller."""
        with self.lock:
            user = self._users.get(principal.user_id)
            key = self._keys.get(principal.key_id) if principal.key_id else None
            return {
                "auth_kind": principal.auth_kind,
                "user_id": principal.user_id,
                "email": user.email if user else None,
                "workspace_id": principal.workspace_id,
                "api_key_id": principal.key_id,
                "key_name": key.name if key else None,
                "scopes": sorted(set(principal.scopes)),
            }

    # -- helpers --------------------------------------------------------------

    def _workspace(self, workspace_id: str) -> Workspace:
        try:
            return self._workspaces[workspace_id]
        except KeyError:
            raise Problem(404, "NOT_FOUND", "Workspace not found") from None

    def _touch(self, row: KeyRow) -> None:
        self._workspaces[row.workspace_id].version += 1


def _check_grant(principal: Principal, scopes: Iterable[str]) -> None:
    missing = sorted(set(scopes) - set(principal.scopes))
    if missing:
        raise Problem(
            403,
            "SCOPE_NOT_HELD",
            "Cannot grant scopes the caller does not hold: " + ", ".join(missing),
            details=[{"field": "scopes", "message": f"not held: {s}"} for s in missing],
        )
