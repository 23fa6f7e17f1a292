"""The records the emulator hands out: key rows, accounts, callers, and fresh secrets."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from onepin import Scope
from onepin._constants import KEY_PREFIX

__all__ = [
    "ALL_SCOPES",
    "BASE62",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_SCOPES",
    "Account",
    "CreatedKeyRow",
    "KeyRow",
    "Principal",
    "key_row",
    "new_secret",
    "unique",
    "whole_seconds",
]

ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
"""Every scope the contract knows, in its order."""

DEFAULT_SCOPES: tuple[str, ...] = ("workflows:read", "workflows:run", "voices:read")
"""The scopes of a key created without a ``scopes`` field: the emulator's reading of
seed 002, whose name-only create answers these three. An explicit ``null`` grants none."""

DEFAULT_RATE_LIMIT = 1000
"""The ``rate_limit_per_min`` of a key created without that field (seed 002's name-only
create answers 1000). An explicit ``null`` means unlimited."""

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
"""The alphabet of a key's secret part."""

SECRET_LENGTH = 32
"""Base62 characters after the prefix in a key."""


def new_secret() -> str:
    """A fresh ``op_live_`` key: the prefix and 32 base62 characters."""
    n = int.from_bytes(secrets.token_bytes(24), "big")
    chars = []
    for _ in range(SECRET_LENGTH):
        n, r = divmod(n, 62)
        chars.append(BASE62[r])
    return KEY_PREFIX + "".join(chars)


class KeyRow(msgspec.Struct, kw_only=True, gc=False):
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


def key_row(
    *,
    id: str,
    workspace_id: str,
    name: str,
    suffix: str,
    created_at: datetime,
    scopes: list[str],
    rate_limit_per_min: int | None = None,
    created_by: str | None = None,
    last_used_at: datetime | None = None,
    revoked_at: datetime | None = None,
) -> KeyRow:
    """A live key row; it is active unless ``revoked_at`` is set, and last changed then.

    Times are cut to whole seconds, as the seeds show them.
    """
    created_at = whole_seconds(created_at)
    last_used_at = None if last_used_at is None else whole_seconds(last_used_at)
    revoked_at = None if revoked_at is None else whole_seconds(revoked_at)
    return KeyRow(
        id=id,
        workspace_id=workspace_id,
        created_by=created_by,
        name=name,
        key_type="live",
        key_prefix=KEY_PREFIX,
        key_suffix=suffix,
        scopes=scopes,
        active=revoked_at is None,
        last_used_at=last_used_at,
        rate_limit_per_min=rate_limit_per_min,
        revoked_at=revoked_at,
        created_at=created_at,
        updated_at=revoked_at or created_at,
        preview=KEY_PREFIX + suffix,
    )


def whole_seconds(moment: datetime) -> datetime:
    """``moment`` without its fraction of a second."""
    return moment.replace(microsecond=0)


def unique(scopes: Iterable[str]) -> list[str]:
    """``scopes`` without repeats, in the order given."""
    return list(dict.fromkeys(scopes))


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key or a browser (``clerk``) session."""

    auth_kind: str
    user_id: str
    workspace_id: str
    scopes: tuple[str, ...]
    key_id: str | None = None


@dataclass(frozen=True)
class Account:
    """A workspace with its owner, an all-scopes API key and a browser-session token.

    ``repr()`` leaves the secrets out.
    """

    workspace_id: str
    user_id: str
    email: str | None
    api_key: str
    api_key_id: str
    session_token: str

    def __repr__(self) -> str:
        return (
            f"Account(workspace_id={self.workspace_id!r}, user_id={self.user_id!r}, "
            f"email={self.email!r}, api_key_id={self.api_key_id!r})"
        )

    def to_json(self) -> dict[str, Any]:
        """Every field, secrets included (for the admin API and the startup banner)."""
        return dataclasses.asdict(self)
