"""How the SDK's models read: values, a key's card, a new secret, an identity, JSON fields."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin.cli._context import settings
from onepin.cli._output import Output, escape

if TYPE_CHECKING:
    from onepin._models import ApiKey, CreatedApiKey, WhoAmI

__all__ = [
    "ago",
    "all_fields",
    "audit_fields",
    "fmt",
    "json_fields",
    "key_fields",
    "key_status",
    "logout_fields",
    "secret_fields",
    "show_key",
    "show_secret",
    "show_whoami",
    "status_fields",
    "to_builtins",
    "whoami_fields",
]

F = TypeVar("F", bound=Callable[..., Any])


def _model_fields(name: str) -> Callable[[], tuple[str, ...]]:
    def names() -> tuple[str, ...]:
        import msgspec

        from onepin import _models

        model: Any = getattr(_models, name)
        return tuple(f.name for f in msgspec.structs.fields(model))

    return names


key_fields = _model_fields("ApiKey")
secret_fields = _model_fields("CreatedApiKey")
whoami_fields = _model_fields("WhoAmI")


def logout_fields() -> tuple[str, ...]:
    """The fields of ``logout --json``."""
    return ("removed", "path", "profile")


def audit_fields() -> tuple[str, ...]:
    """The fields of ``api-keys audit --json``."""
    return ("keys", "summary", "in_use")


def status_fields() -> tuple[str, ...]:
    """The fields of ``auth status --json``."""
    return ("path", "active", "profiles", "env_override")


def all_fields() -> set[str]:
    """Every field any command's ``--json FIELDS`` can name."""
    return {*secret_fields(), *whoami_fields(), *logout_fields(), *audit_fields(), *status_fields()}


def json_fields(available: Callable[[], Iterable[str]]) -> Callable[[F], F]:
    """Check ``--json FIELDS`` against ``available()`` before the command does anything."""

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            wanted = settings().out.fields
            if wanted:
                names = tuple(available())
                unknown = [name for name in wanted if name not in names]
                if unknown:
                    import difflib

                    close = difflib.get_close_matches(unknown[0], names, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise click.UsageError(
                        f"Unknown JSON field {unknown[0]!r}{hint}; this command's fields: "
                        + ", ".join(names)
                    )
            return f(*args, **kwargs)

        checked.json_fields = available  # type: ignore[attr-defined]  # read by completion
        return checked  # type: ignore[return-value]

    return decorate


def to_builtins(obj: Any) -> Any:
    """A model as JSON-ready builtins."""
    import msgspec

    return msgspec.to_builtins(obj)


def fmt(value: object) -> str:
    """One value as one line of text: ``-`` for nothing, lists joined, datetimes in ISO form.

    Control characters (a newline or an ESC in a name) are written as escapes.
    """
    if value is None:
        return "-"
    if isinstance(value, tuple | list):
        return escape(", ".join(str(v) for v in value)) or "-"
    if hasattr(value, "isoformat"):
        return str(value.isoformat(timespec="seconds")).replace("+00:00", "Z")
    return escape(str(value))


def ago(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``5 min ago``, ``3 h ago``, ``2 days ago``; the date past a month; ``never`` for none."""
    if when is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h ago"
    days = int(seconds // 86400)
    if days < 31:
        return "1 day ago" if days == 1 else f"{days} days ago"
    return when.date().isoformat()


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
        ("Last used", key.last_used_at or "never"),
        ("Revoked", key.revoked_at),
    ]
    width = max(len(name) for name, _ in fields) + 1
    for name, value in fields:
        out.result(f"{(name + ':').ljust(width)} {fmt(value)}")


def show_secret(
    out: Output,
    key: CreatedApiKey,
    action: str,
    saved_to: str | None = None,
    *,
    quiet: bool = False,
    reveal: bool = False,
) -> None:
    """A new key and its secret, with the advice to save it (or where it was saved).

    Once saved (``saved_to``), only its preview is shown, unless ``reveal``
    (``--show-secret``): as gh and stripe mask tokens. ``quiet``: the secret
    (or, once saved, the preview) alone on stdout, for scripts; under
    ``--json`` a saved key's ``api_key`` is null.
    """
    masked = saved_to is not None and not reveal
    secret = (key.preview or "-") if masked else key.api_key
    if quiet:
        out.result(secret)
        return
    if out.json_mode:
        body = to_builtins(key)
        if masked:
            body["api_key"] = None
        out.json(body)
        return
    out.success(f'{action} API key "{escape(key.name)}" ({key.id})')
    out.result(f"API key: {secret}" + ("…  (saved; --show-secret prints it)" if masked else ""))
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
