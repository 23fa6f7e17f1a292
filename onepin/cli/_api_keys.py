"""``onepin api-keys``: list, create, get, update, delete and rotate the workspace's keys."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from onepin.cli._context import (
    api_client,
    current_credentials,
    global_options,
    open_client,
    settings,
)
from onepin.cli._errors import CliError
from onepin.cli._lookup import find_key, guard_own_key
from onepin.cli._render import fmt, key_status, show_key, show_secret, to_builtins

if TYPE_CHECKING:
    from onepin._models import ApiKey

__all__ = ["api_keys"]


@click.group("api-keys")
@global_options
def api_keys() -> None:
    """List, create, show, update, revoke and rotate API keys (KEY: an id or a unique name)."""


@api_keys.command("list")
@click.option(
    "--status",
    type=click.Choice(["active", "revoked", "all"]),
    default="active",
    show_default=True,
    help="Which keys.",
)
@click.option("--search", metavar="TEXT", help="Only keys whose name contains TEXT (any case).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most N keys [default: 50]."
)
@click.option("--all", "all_", is_flag=True, help="Every key, page after page.")
@global_options
def list_keys(status: str, search: str | None, limit: int | None, all_: bool) -> None:
    """List keys, newest last."""
    if all_ and limit is not None:
        raise click.UsageError("--limit and --all cannot be used together")
    out = settings().out
    wanted = None if all_ else (limit or 50)
    needle = search.casefold() if search else None
    keys: list[ApiKey] = []
    page_size = 100 if wanted is None or needle else min(wanted, 100)
    with api_client() as client:
        stream = client.api_keys.list(status=status, page_size=page_size)
        seen = 0
        for key in stream:
            seen += 1
            if all_ and seen % page_size == 0:
                out.progress(seen, stream.total)
            if needle is not None and needle not in key.name.casefold():
                continue
            keys.append(key)
            if wanted is not None and len(keys) >= wanted:
                break
        if all_:
            out.progress_done()
    if out.json_mode:
        out.json([to_builtins(k) for k in keys])
        return
    headers = ["ID", "NAME", "PREVIEW", "STATUS", "SCOPES", "RATE LIMIT", "LAST USED", "CREATED"]
    rows = [
        [
            k.id,
            k.name,
            k.preview or "-",
            key_status(k),
            fmt(k.scopes),
            str(k.rate_limit_per_min) if k.rate_limit_per_min else "-",
            fmt(k.last_used_at),
            fmt(k.created_at),
        ]
        for k in keys
    ]
    out.table(headers, rows)
    if not keys:
        out.message("No API keys match.")


@api_keys.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    help="Grant SCOPE (repeat). Default: your own scopes.",
)
@click.option("--rate-limit", type=click.IntRange(min=1), default=None, help="Requests per minute.")
@global_options
def create_key(name: str, scopes: tuple[str, ...], rate_limit: int | None) -> None:
    """Create a key named NAME and print its secret, once."""
    with api_client() as client:
        created = client.api_keys.create(
            name=name, scopes=list(scopes) if scopes else None, rate_limit_per_min=rate_limit
        )
    show_secret(settings().out, created, "Created")


@api_keys.command("get")
@click.argument("key")
@global_options
def get_key(key: str) -> None:
    """Show one key."""
    with api_client() as client:
        show_key(settings().out, find_key(client, key))


def _rate_limit(value: str | None) -> int | None:
    if value is None or value.lower() in ("none", "unlimited"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise click.BadParameter("a positive whole number, or 'none'") from None
    if number < 1:
        raise click.BadParameter("a positive whole number, or 'none'")
    return number


@api_keys.command("update")
@click.argument("key")
@click.option("--name", metavar="NAME", help="New name.")
@click.option(
    "--scope", "scopes", multiple=True, metavar="SCOPE", help="Replace the scopes (repeat)."
)
@click.option(
    "--rate-limit", metavar="N|none", help="Requests per minute, or 'none' to remove the limit."
)
@click.option("--activate/--deactivate", "active", default=None, help="Enable or disable the key.")
@global_options
def update_key(
    key: str, name: str | None, scopes: tuple[str, ...], rate_limit: str | None, active: bool | None
) -> None:
    """Change a key's name, scopes, rate limit or state."""
    from onepin import NOT_GIVEN

    limit = _rate_limit(rate_limit) if rate_limit is not None else NOT_GIVEN
    if name is None and not scopes and rate_limit is None and active is None:
        raise click.UsageError(
            "nothing to change: give --name, --scope, --rate-limit or --activate/--deactivate"
        )
    with api_client() as client:
        target = find_key(client, key)
        updated = client.api_keys.update(
            target.id,
            name=name if name is not None else NOT_GIVEN,
            scopes=list(scopes) if scopes else NOT_GIVEN,
            rate_limit_per_min=limit,
            active=active if active is not None else NOT_GIVEN,
        )
    show_key(settings().out, updated)


@api_keys.command("delete")
@click.argument("key")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Allow revoking the key the CLI itself is using.")
@global_options
def delete_key(key: str, yes: bool, force: bool) -> None:
    """Revoke a key (it stops working at once; the row is kept)."""
    out = settings().out
    with api_client() as client:
        target = find_key(client, key)
        guard_own_key(client, target, force, "revoke")
        if not yes:
            if not sys.stdin.isatty():
                raise click.UsageError("refusing to revoke without confirmation: pass --yes")
            if not click.confirm(f'Revoke API key "{target.name}" ({target.id})?', err=True):
                raise CliError("Cancelled; nothing was revoked.", code="CANCELLED")
        revoked = client.api_keys.delete(target.id)
    if out.json_mode:
        out.json(to_builtins(revoked))
    else:
        out.success(f'Revoked API key "{revoked.name}" ({revoked.id})')


@api_keys.command("rotate")
@click.argument("key")
@click.option("--save", is_flag=True, help="Check the new key, then replace the saved one with it.")
@click.option("--force", is_flag=True, help="Allow rotating the key the CLI itself is using.")
@global_options
def rotate_key(key: str, save: bool, force: bool) -> None:
    """Revoke a key and create its successor (same name, scopes, limit); print the new secret."""
    from onepin.credentials import display_path, load_profile, save_profile

    out = settings().out
    creds = current_credentials()
    with open_client(creds.api_key, creds.base_url) as client:
        target = find_key(client, key)
        if save:
            saved = load_profile(creds.path)
            saved_id = None
            if saved.get("api_key"):
                with open_client(
                    saved["api_key"], saved.get("base_url", creds.base_url)
                ) as saved_client:
                    saved_id = saved_client.auth.whoami().api_key_id
            if saved_id != target.id:
                raise CliError(
                    f'--save: "{target.name}" is not the key saved in {display_path(creds.path)}',
                    code="NOT_SAVED_KEY",
                )
        else:
            guard_own_key(client, target, force, "rotate")
        rotated = client.api_keys.rotate(target.id)
    new = rotated.new_key
    if save:
        try:
            base_url = load_profile(creds.path).get("base_url", creds.base_url)
            with open_client(new.api_key, base_url) as check:
                check.auth.whoami()
            save_profile(new.api_key, base_url, creds.path)
        except BaseException:
            # The old key is revoked already: never lose the only copy of the new one.
            show_secret(out, new, "Rotated (not saved); new")
            raise
    show_secret(out, new, "Rotated; new", display_path(creds.path) if save else None)
