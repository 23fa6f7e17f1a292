"""Typed models of the OnePin API, as frozen msgspec structs.

Every model ignores unknown fields (the server may add some) and keeps scope
lists as plain strings, so a scope this version does not know never breaks
decoding; compare them with :class:`Scope` members, which are strings too.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

__all__ = ["ApiKey", "CreatedApiKey", "KeyStatus", "RotatedApiKey", "Scope", "WhoAmI"]


class Scope(enum.StrEnum):
    """The scopes OnePin knows today. Fields hold plain strings; members compare equal."""

    WORKFLOWS_READ = "workflows:read"
    WORKFLOWS_WRITE = "workflows:write"
    WORKFLOWS_RUN = "workflows:run"
    VOICES_READ = "voices:read"
    VOICES_WRITE = "voices:write"
    DICTIONARY_READ = "dictionary:read"
    DICTIONARY_WRITE = "dictionary:write"
    UPLOADS_WRITE = "uploads:write"
    WORKSPACE_READ = "workspace:read"
    TEMPLATES_READ = "templates:read"
    CATALOG_READ = "catalog:read"


class KeyStatus(enum.StrEnum):
    """The ``status`` filter of a key listing."""

    ACTIVE = "active"
    REVOKED = "revoked"
    ALL = "all"


class ApiKey(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An API key's metadata. The secret itself is never part of it."""

    id: str
    workspace_id: str
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    key_type: str = "live"
    key_prefix: str = "op_live_"
    key_suffix: str = ""
    scopes: tuple[str, ...] = ()
    last_used_at: datetime | None = None
    rate_limit_per_min: int | None = None
    revoked_at: datetime | None = None
    preview: str | None = None


class CreatedApiKey(ApiKey, frozen=True, kw_only=True, gc=False):
    """A new key with its plaintext secret in ``api_key``: shown once, store it now.

    The secret is left out of ``repr()`` and of rich's pretty printing, so that
    logging or printing the object leaks nothing.
    """

    api_key: str

    def __repr__(self) -> str:
        return f"CreatedApiKey(id={self.id!r}, name={self.name!r}, preview={self.preview!r})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # rich prints msgspec structs field by field: every field but the secret.
        return [(f, getattr(self, f)) for f in self.__struct_fields__ if f != "api_key"]


class RotatedApiKey(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The result of a rotation: the revoked old row and its new successor."""

    old_key: ApiKey
    new_key: CreatedApiKey


class WhoAmI(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The identity behind a token."""

    auth_kind: str
    user_id: str
    email: str | None = None
    workspace_id: str | None = None
    api_key_id: str | None = None
    key_name: str | None = None
    scopes: tuple[str, ...] = ()
