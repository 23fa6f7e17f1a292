"""How the SDK's models read on a terminal: values, a key's card, a new secret, an identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from onepin.cli._output import Output

if TYPE_CHECKING:
    from onepin._models import ApiKey, CreatedApiKey, WhoAmI

__all__ = ["fmt", "key_status", "pick", "show_key", "show_secret", "show_whoami", "to_builtins"]


def to_builtins(obj: Any) -> Any:
    """A model as JSON-ready builtins."""
    import msgspec

    return msgspec.to_builtins(obj)


def pick(model: Any, *names: str) -> dict[str, Any]:
    """Some fields of a model, in the order given, as JSON-ready builtins."""
    return {name: to_builtins(getattr(model, name)) for name in names}


def fmt(value: object) -> str:
    """One value as text: ``-`` for nothing, lists joined, datetimes in ISO form."""
    if value is None:
        return "-"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or "-"
    if hasattr(value, "isoformat"):
        return str(value.isoformat(timespec="seconds")).replace("+00:00", "Z")
    return str(value)


def key_status(key: ApiKey) -> str:
    """``active``, ``inactive`` or ``revoked``."""
    if key.revoked_at is not None:
        return "revoked"
    return "active" if key.active else "inactive"


def show_key(out: Output, key: ApiKey) -> None:
    """One key: an object under ``--json``, else a card of aligned fields."""
    if out.json_mode:
        out.json(to_builtins(key))
        return
    fields = [
        ("ID", key.id),
        ("Name", key.name),
        ("Preview", key.preview),
        ("Status", key_status(key)),
        ("Scopes", key.scopes),
        ("Rate limit", f"{key.rate_limit_per_min}/min" if key.rate_limit_per_min else "unlimited"),
        ("Workspace", key.workspace_id),
        ("Created", key.created_at),
        ("Updated", key.updated_at),
        ("Last used", key.last_used_at),
        ("Revoked", key.revoked_at),
    ]
    width = max(len(name) for name, _ in fields) + 1
    for name, value in fields:
        out.result(f"{(name + ':').ljust(width)} {fmt(value)}")


def show_secret(out: Output, key: CreatedApiKey, action: str, saved_to: str | None = None) -> None:
    """A new key and its secret, with the advice to save it (or where it was saved)."""
    if out.json_mode:
        out.json(to_builtins(key))
        return
    out.success(f'{action} API key "{key.name}" ({key.id})')
    out.result(f"API key: {key.api_key}")
    if saved_to is None:
        out.warning("Save this key now: it cannot be shown again.")
    else:
        out.success(f"Saved the new key to {saved_to}")


def show_whoami(out: Output, me: WhoAmI) -> None:
    """The identity lines of ``whoami``, as documented."""
    out.result(f"User: {fmt(me.email)}")
    out.result(f"User ID: {me.user_id}")
    out.result(f"Workspace: {fmt(me.workspace_id)}")
    out.result(f"Key name: {fmt(me.key_name)}")
    out.result(f"Scopes: {fmt(me.scopes)}")
