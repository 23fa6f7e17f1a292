"""What the rows send and decode: canned pages, and the competitors' models of them.

The competitors model the same envelope field for field, built from the SDK's
own structs so they cannot drift from what is measured: a bare msgspec struct
with the SDK's struct options (``frozen``, ``gc=False``...: like with like),
and a pydantic v2 model as generated SDKs write them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
import pydantic

KEY_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
LIST_PATH = "/api/v1/api-keys"

# Every StructConfig option that ``msgspec.defstruct`` also takes.
_OPTIONS = (
    "array_like",
    "cache_hash",
    "dict",
    "eq",
    "forbid_unknown_fields",
    "frozen",
    "gc",
    "omit_defaults",
    "order",
    "repr_omit_defaults",
    "tag",
    "tag_field",
    "weakref",
)


def key_json(n: int | str) -> dict[str, Any]:
    """The JSON of the key at position ``n``, every field filled as a real server fills it.

    Its id ends with ``n`` on 12 digits (or with ``n`` itself when a string).
    """
    digits = n if isinstance(n, str) else f"{n:012d}"
    return {
        "id": f"3fa85f64-5717-4562-b3fc-{digits}",
        "workspace_id": "7b9e1d2a-4f3c-4d2a-9f1e-8a2b3c4d5e6f",
        "created_by": "usr_01HZX3Q4ZB8N0E4S5J6K7M8P9Q",
        "name": f"key-{digits}",
        "key_type": "live",
        "key_prefix": "op_live_",
        "key_suffix": "9f8e7d6c",
        "scopes": ["workflows:read", "voices:read", "workspace:read"],
        "active": True,
        "last_used_at": "2024-04-20T14:22:00Z",
        "rate_limit_per_min": 1000,
        "revoked_at": None,
        "created_at": "2023-11-01T08:00:00Z",
        "updated_at": "2024-04-15T10:00:00Z",
        "preview": "op_live_9f8e7d6c",
    }


_HUNDREDS = b"@" * 10


@cache
def _keys_template(count: int) -> bytes:
    """``count`` (at most 100) keys whose ids end in 10 placeholder bytes and 2 digits."""
    return msgspec.json.encode([key_json(f"{'@' * 10}{i:02d}") for i in range(count)])


def page_bytes(offset: int, limit: int, total: int) -> bytes:
    """A page of the list of ``total`` keys, as the server sends it (about 45 KB for 100).

    The key at position ``p`` always has the same id, whatever page it is on;
    pages of at most 100 at offsets that are multiples of 100 are made fast.
    """
    count = max(0, min(limit, total - offset))
    if offset % 100 == 0 and count <= 100:
        items = _keys_template(count).replace(_HUNDREDS, b"%010d" % (offset // 100))
    else:
        items = msgspec.json.encode([key_json(offset + i) for i in range(count)])
    end = offset + limit
    link = f'"https://api.onepin.ai{LIST_PATH}?offset={end}&limit={limit}"'
    nxt = link if end < total else "null"
    return (
        b'{"data":' + items + b',"meta":{"request_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890",'
        b'"timestamp":"2024-04-21T12:00:00Z"},"pagination":{"limit":'
        + str(limit).encode()
        + b',"total":'
        + str(total).encode()
        + b',"next":'
        + nxt.encode()
        + b',"prev":null}}'
    )


def key_bytes() -> bytes:
    """A single-key envelope, as ``GET /api-keys/{id}`` answers."""
    return msgspec.json.encode({"data": key_json(1), "meta": {"request_id": "r"}})


class _Factory:
    """A field default made afresh for each instance."""

    def __init__(self, make: Any) -> None:
        self.make = make


def _fields(struct: type[msgspec.Struct], types: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(name, type, default)`` of each field; ``types`` replace some types.

    The default is ``...`` for a required field, a ``_Factory`` where one is
    needed, else the value; a replaced field with a default gets a fresh
    instance of its new type.
    """
    out: list[tuple[str, Any, Any]] = []
    for f in msgspec.structs.fields(struct):
        kind = types.get(f.name, f.type)
        if f.required:
            default: Any = ...
        elif f.name in types:
            default = _Factory(kind)
        elif f.default is not msgspec.NODEFAULT:
            default = f.default
        else:
            default = _Factory(f.default_factory)
        out.append((f.name, kind, default))
    return out


def _like(struct: type[msgspec.Struct], name: str, **types: Any) -> type[msgspec.Struct]:
    """A plain msgspec struct with ``struct``'s fields and options."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for field_name, kind, default in _fields(struct, types):
        if default is ...:
            fields.append((field_name, kind))
        elif isinstance(default, _Factory):
            fields.append((field_name, kind, msgspec.field(default_factory=default.make)))
        else:
            fields.append((field_name, kind, default))
    config = struct.__struct_config__
    options = {option: getattr(config, option) for option in _OPTIONS}
    return msgspec.defstruct(name, fields, kw_only=True, **options)


def _pydantic(struct: type[msgspec.Struct], name: str, **types: Any) -> type[pydantic.BaseModel]:
    """A frozen pydantic v2 model with ``struct``'s fields, as generated SDKs write them."""
    fields: dict[str, Any] = {}
    for field_name, kind, default in _fields(struct, types):
        if isinstance(default, _Factory):
            default = pydantic.Field(default_factory=default.make)
        fields[field_name] = (kind, default)
    config = pydantic.ConfigDict(frozen=True, extra="ignore")
    return pydantic.create_model(name, __config__=config, **fields)


def _envelope(make: Any, prefix: str, *, listing: bool) -> Any:
    """The SDK's envelope of keys (a list of them, or one) rebuilt by ``make``."""
    from onepin import ApiKey
    from onepin._wire import Envelope, ListEnvelope, Meta, Pagination

    key = make(ApiKey, f"{prefix}Key")
    meta = make(Meta, f"{prefix}Meta")
    if not listing:
        return make(Envelope, f"{prefix}Envelope", data=key, meta=meta)
    pagination = make(Pagination, f"{prefix}Pagination")
    return make(
        ListEnvelope,
        f"{prefix}ListEnvelope",
        data=list[key],  # type: ignore[valid-type]
        meta=meta,
        pagination=pagination,
    )


@cache
def bare_envelope(*, listing: bool) -> type[msgspec.Struct]:
    """The SDK's envelope of keys (``listing``: a page) as msgspec structs with its options."""
    envelope: type[msgspec.Struct] = _envelope(_like, "Bare", listing=listing)
    return envelope


@cache
def pydantic_envelope(*, listing: bool) -> type[pydantic.BaseModel]:
    """The SDK's envelope of keys (``listing``: a page) as pydantic v2 models."""
    envelope: type[pydantic.BaseModel] = _envelope(_pydantic, "P", listing=listing)
    return envelope
