"""The emulator's state: workspaces, users, API keys, sessions, rate windows, idempotency.

Pure Python with no I/O, guarded by one lock, so the ASGI app, the in-process
transport and a server thread can share it. Every rule of the contract that
is about *data* lives here; the HTTP shapes live in ``_app``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec

from onepin._models import Scope

__all__ = [
    "ALL_SCOPES",
    "KEY_PREFIX",
    "KeyRow",
    "Principal",
    "Problem",
    "Store",
    "ValidationProblem",
]

KEY_PREFIX = "op_live_"
ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


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


class KeyRow(msgspec.Struct, kw_only=True):
    """One API-key row, exactly the public ``ApiKey`` shape (no secret material)."""

    id: str
    workspace_id: str
    created_by: str | None
    name: str
    key_type: str
    key_prefix: str
    key_suffix: str
    scopes: list[str]
    active: bool
    last_used_at: datetime | None
    rate_limit_per_min: int | None
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    preview: str | None


class CreatedKeyRow(KeyRow, kw_only=True):
    """A row plus its plaintext secret: the shape returned once, on create and rotate.

    ``repr()`` leaves the secret out, as the SDK's ``CreatedApiKey`` does.
    """

    api_key: str

    def __repr__(self) -> str:
        return f"CreatedKeyRow(id={self.id!r}, name={self.name!r}, preview={self.preview!r})"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key or a browser (``clerk``) session."""

    auth_kind: str
    user_id: str
    workspace_id: str
    scopes: tuple[str, ...]
    key_id: str | None = None


@dataclass
class _User:
    id: str
    email: str | None
    workspaces: set[str] = field(default_factory=set)


@dataclass
class _Window:
    start: float
    count: int = 0


@dataclass
class _Workspace:
    id: str
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


def new_secret() -> str:
    """A fresh ``op_live_`` key: the prefix and 32 base62 characters."""
    n = int.from_bytes(secrets.token_bytes(24), "big")
    chars = []
    for _ in range(32):
        n, r = divmod(n, 62)
        chars.append(_BASE62[r])
    return KEY_PREFIX + "".join(chars)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user_id() -> str:
    return "usr_01" + "".join(secrets.choice(_CROCKFORD) for _ in range(24))


class Store:
    """All emulator state. Thread-safe: every public method takes the lock."""

    def __init__(
        self,
        *,
        rate_limit_window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self.rate_limit_window = rate_limit_window
        self.clock = clock
        self._workspaces: dict[str, _Workspace] = {}
        self._users: dict[str, _User] = {}
        self._keys: dict[str, KeyRow] = {}
        self._by_hash: dict[str, str] = {}
        self._sessions: dict[str, str] = {}
        self._windows: dict[str, _Window] = {}
        self._idempotency: dict[tuple[str, str], tuple[bytes, int, bytes]] = {}
        self._tick = datetime(2024, 1, 1, tzinfo=UTC)

    # -- time ---------------------------------------------------------------

    def now(self) -> datetime:
        """Wall-clock time, strictly increasing so creation order is stable."""
        now = datetime.now(UTC)
        if now <= self._tick:
            now = self._tick + timedelta(microseconds=1)
        self._tick = now
        return now

    # -- setup --------------------------------------------------------------

    def create_workspace(self, email: str | None = None) -> tuple[str, str]:
        """Create a workspace and its owner; return ``(workspace_id, user_id)``."""
        with self.lock:
            ws = _Workspace(id=str(uuid.uuid4()))
            self._workspaces[ws.id] = ws
            user = _User(id=_user_id(), email=email, workspaces={ws.id})
            self._users[user.id] = user
            return ws.id, user.id

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
        """Create a key with no authorization checks (setup and seeding)."""
        with self.lock:
            row, secret = self._insert(
                self._workspace(workspace_id),
                name=name,
                scopes=scopes,
                rate_limit_per_min=rate_limit_per_min,
                created_by=created_by,
            )
            return CreatedKeyRow(**msgspec.structs.asdict(row), api_key=secret)

    def _insert(
        self,
        ws: _Workspace,
        *,
        name: str,
        scopes: Iterable[str],
        rate_limit_per_min: int | None,
        created_by: str | None,
    ) -> tuple[KeyRow, str]:
        secret = new_secret()
        now = self.now()
        suffix = secret[len(KEY_PREFIX) : len(KEY_PREFIX) + 8]
        row = KeyRow(
            id=str(uuid.uuid4()),
            workspace_id=ws.id,
            created_by=created_by,
            name=name,
            key_type="live",
            key_prefix=KEY_PREFIX,
            key_suffix=suffix,
            scopes=sorted(set(scopes)),
            active=True,
            last_used_at=None,
            rate_limit_per_min=rate_limit_per_min,
            revoked_at=None,
            created_at=now,
            updated_at=now,
            preview=KEY_PREFIX + suffix,
        )
        ws.rows.append(row)
        ws.version += 1
        self._keys[row.id] = row
        self._by_hash[_hash(secret)] = row.id
        return row, secret

    def seed_keys(self, workspace_id: str, count: int, *, name_prefix: str = "seed") -> None:
        """Add ``count`` keys named ``{name_prefix}-{n}`` (their secrets are discarded)."""
        with self.lock:
            ws = self._workspace(workspace_id)
            width = max(1, len(str(count)))
            for n in range(count):
                self._insert(
                    ws,
                    name=f"{name_prefix}-{n:0{width}d}",
                    scopes=(),
                    rate_limit_per_min=None,
                    created_by=None,
                )

    def get_row(self, key_id: str) -> KeyRow | None:
        """A key row by id, any workspace (for tests)."""
        with self.lock:
            return self._keys.get(key_id)

    def workspace_ids(self) -> list[str]:
        """Every workspace id."""
        with self.lock:
            return list(self._workspaces)

    # -- auth ---------------------------------------------------------------

    def authenticate(self, authorization: str | None, workspace_header: str | None) -> Principal:
        """Resolve the bearer token and the optional ``X-Workspace-Id`` header."""
        with self.lock:
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
            if token.startswith(KEY_PREFIX):
                key_id = self._by_hash.get(_hash(token))
                row = self._keys.get(key_id) if key_id else None
                if row is None or not row.active or row.revoked_at is not None:
                    raise Problem(401, "INVALID_API_KEY", "Invalid or revoked API key")
                if workspace_header is not None and workspace_header != row.workspace_id:
                    raise Problem(
                        403, "WORKSPACE_MISMATCH", "X-Workspace-Id does not match the API key"
                    )
                row.last_used_at = self.now()
                return Principal(
                    auth_kind="api_key",
                    user_id=row.created_by or "",
                    workspace_id=row.workspace_id,
                    scopes=tuple(row.scopes),
                    key_id=row.id,
                )
            user_id = self._sessions.get(token)
            if user_id is None:
                raise Problem(401, "INVALID_API_KEY", "Invalid session token")
            user = self._users[user_id]
            if workspace_header is None:
                workspace_id = min(user.workspaces)
            elif workspace_header in user.workspaces:
                workspace_id = workspace_header
            else:
                raise Problem(403, "WORKSPACE_MISMATCH", "Not a member of that workspace")
            return Principal("clerk", user.id, workspace_id, ALL_SCOPES)

    def rate_limit(self, principal: Principal) -> dict[str, str]:
        """Count one request against the key's window; return ``X-RateLimit-*`` headers.

        Raises a 429 ``Problem`` (with ``Retry-After``) when the window is spent.
        """
        with self.lock:
            if principal.key_id is None:
                return {}
            limit_per_min = self._keys[principal.key_id].rate_limit_per_min
            if limit_per_min is None:
                return {}
            window = self.rate_limit_window
            limit = max(1, math.ceil(limit_per_min * window / 60.0))
            now = self.clock()
            state = self._windows.get(principal.key_id)
            if state is None or now - state.start >= window:
                state = self._windows[principal.key_id] = _Window(start=now)
            reset = max(0.0, state.start + window - now)
            headers = {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Reset": f"{reset:.3f}".rstrip("0").rstrip(".") or "0",
            }
            if state.count >= limit:
                headers["X-RateLimit-Remaining"] = "0"
                headers["Retry-After"] = str(max(1, math.ceil(reset)))
                raise Problem(429, "RATE_LIMITED", "Rate limit exceeded", headers=headers)
            state.count += 1
            headers["X-RateLimit-Remaining"] = str(limit - state.count)
            return headers

    # -- idempotency ----------------------------------------------------------

    def idempotent_replay(
        self, principal: Principal, key: str, fingerprint: bytes
    ) -> tuple[int, bytes] | None:
        """The stored response for ``key``, or None; 409 if the request differs."""
        with self.lock:
            stored = self._idempotency.get((self._principal_id(principal), key))
            if stored is None:
                return None
            if stored[0] != fingerprint:
                raise Problem(
                    409,
                    "IDEMPOTENCY_KEY_REUSED",
                    "Idempotency-Key was already used with a different request",
                )
            return stored[1], stored[2]

    def idempotent_store(
        self, principal: Principal, key: str, fingerprint: bytes, status: int, body: bytes
    ) -> None:
        """Remember the response sent for ``key``."""
        with self.lock:
            self._idempotency[(self._principal_id(principal), key)] = (fingerprint, status, body)

    @staticmethod
    def _principal_id(principal: Principal) -> str:
        return principal.key_id or f"{principal.user_id}:{principal.workspace_id}"

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
        scopes: list[str] | None,
        rate_limit_per_min: int | None,
        key_type: str,
    ) -> CreatedKeyRow:
        """Create a key; a caller may never grant a scope it does not hold."""
        with self.lock:
            if key_type != "live":
                raise Problem(
                    422,
                    "VALIDATION_ERROR",
                    "Only live keys are supported",
                    details=[{"field": "key_type", "message": f"'{key_type}' is reserved"}],
                )
            granted = list(principal.scopes) if scopes is None else scopes
            self._check_grant(principal, granted)
            return self.insert_key(
                principal.workspace_id,
                name=name,
                scopes=granted,
                rate_limit_per_min=rate_limit_per_min,
                created_by=principal.user_id or None,
            )

    def update_key(self, principal: Principal, key_id: str, changes: dict[str, object]) -> KeyRow:
        """Apply a PATCH body (already validated) to a key."""
        with self.lock:
            row = self.get_key(principal, key_id)
            if "scopes" in changes:
                scopes = changes["scopes"]
                assert isinstance(scopes, list)
                self._check_grant(principal, scopes)
                row.scopes = sorted(set(scopes))
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
            self._check_grant(principal, old.scopes)
            new = self.insert_key(
                old.workspace_id,
                name=old.name,
                scopes=old.scopes,
                rate_limit_per_min=old.rate_limit_per_min,
                created_by=principal.user_id or old.created_by,
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

    def _workspace(self, workspace_id: str) -> _Workspace:
        try:
            return self._workspaces[workspace_id]
        except KeyError:
            raise Problem(404, "NOT_FOUND", "Workspace not found") from None

    def _touch(self, row: KeyRow) -> None:
        self._workspaces[row.workspace_id].version += 1

    @staticmethod
    def _check_grant(principal: Principal, scopes: Iterable[str]) -> None:
        missing = sorted(set(scopes) - set(principal.scopes))
        if missing:
            raise Problem(
                403,
                "SCOPE_NOT_HELD",
                "Cannot grant scopes the caller does not hold: " + ", ".join(missing),
                details=[{"field": "scopes", "message": f"not held: {s}"} for s in missing],
            )
