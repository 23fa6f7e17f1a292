"""``onepin api-keys``: list, create, get, update and delete the workspace's keys.

``rotate`` has a module of its own (``_rotate``). KEY is an id or a unique
name; the key the CLI itself runs with is guarded by ``--force``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin._types import NOT_GIVEN, NotGiven
from onepin.cli._context import global_options, settings
from onepin.cli._guard import (
    confirm,
    gone_credentials_note,
    guard_own_key,
    warn_profiles_using,
)
from onepin.cli._idempotency import idempotency_option, recoverable
from onepin.cli._lookup import find_key, key_argument, keys_named
from onepin.cli._manage import key_calls, manager, names_cache, session_option
from onepin.cli._namecache import load
from onepin.cli._output import escape
from onepin.cli._pager import no_pager_option, paged
from onepin.cli._render import (
    json_fields,
    key_fields,
    secret_fields,
    show_key,
    show_secret,
    to_builtins,
)
from onepin.cli._scopes import ScopeOption, choose_scopes, granted, scope_options
from onepin.cli._table import print_keys

if TYPE_CHECKING:
    from onepin._models import ApiKey

__all__ = ["api_keys"]

F = TypeVar("F", bound=Callable[..., Any])


@click.group("api-keys", short_help="List, create, show, update, revoke and rotate API keys.")
@session_option
@global_options
def api_keys() -> None:
    """List, create, show, update, revoke and rotate API keys (KEY: an id or a unique name).

    Keys are managed with a session token (sign in at https://app.onepin.ai):
    ONEPIN_SESSION_TOKEN, or --session-token to read it from stdin or a
    prompt. Without one the CLI's API key is used, where the server allows it.

    \b
    Examples:
      onepin api-keys list --search ci
      onepin api-keys create ci-deploy --scope workflows:run
      onepin api-keys rotate ci-deploy --overlap --save
    """  # noqa: D301 - \b keeps click from rewrapping the examples


def _listing_note(shown: int, total: int | None, filtered: bool) -> str:
    if filtered:
        return f"Showing the first {shown:,} matching keys; use --all or --limit for more"
    return f"Showing {shown:,} of {total:,} keys; use --all or --limit"


@api_keys.command("list", short_help="List keys (a table on a terminal, TSV when piped).")
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
@no_pager_option
@session_option
@global_options
@json_fields(key_fields)
def list_keys(
    status: str, search: str | None, limit: int | None, all_: bool, no_pager: bool
) -> None:
    """List keys in the server's order: a table fitted to a terminal, TSV when piped.

    Piped, one line per key, tab-separated, no header, in this order: id,
    name, preview, status, scopes (comma-separated), rate_limit_per_min,
    last_used_at, created_at; "-" for none, times in UTC ISO 8601, control
    characters written as backslash escapes. --json gives every field.

    \b
    Examples:
      onepin api-keys list --status all --search deploy
      onepin api-keys list --all --json id,name,last_used_at
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    if all_ and limit is not None:
        raise click.UsageError("--limit and --all cannot be used together")
    out = settings().out
    wanted = None if all_ else (limit or 50)
    needle = search.casefold() if search else None
    keys: list[ApiKey] = []
    page_size = 100 if wanted is None or needle else min(wanted, 100)
    more = False
    total: int | None = None
    scan = wanted is None or needle is not None  # a full pass: keep pages in flight
    with key_calls() as calls:
        stream = calls.client.api_keys.list(status=status, page_size=page_size)
        with stream if scan else contextlib.nullcontext(stream) as it, out.progressing():
            for seen, key in enumerate(it, 1):
                if all_ and seen % page_size == 0:
                    of = f"/{it.total:,}" if it.total is not None else ""
                    out.progress(f"Fetched {seen:,}{of} keys")
                if needle is not None and needle not in key.name.casefold():
                    continue
                if wanted is not None and len(keys) >= wanted:
                    more = True  # one match past the limit
                    break
                keys.append(key)
                if len(keys) == wanted and needle is None:
                    # The stream's total counts every status: ask for this one's.
                    total = calls.client.api_keys.list_page(limit=1, status=status).total
                    more = total is not None and total > seen
                    break
    with paged(not no_pager and len(keys) > 0):
        if out.json_mode:
            out.json([to_builtins(k) for k in keys])
        elif keys or not sys.stdout.isatty():  # a terminal gets no bare header
            print_keys(out, keys)
    if not out.json_mode and not keys:
        out.message("No API keys match.")
    if more:
        out.message(_listing_note(len(keys), total, needle is not None))


def _rate_limit(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    """``--rate-limit``: a number, ``none`` (no limit: ``None``), or left out (``NOT_GIVEN``)."""
    if value is None:
        return NOT_GIVEN
    if value.lower() in ("none", "unlimited"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise click.BadParameter("a positive whole number, or 'none'") from None
    if number < 1:
        raise click.BadParameter("a positive whole number, or 'none'")
    return number


def rate_limit_option(help_text: str) -> Callable[[F], F]:
    """The ``--rate-limit N|none`` option of create and update, checked before any call."""
    return click.option("--rate-limit", metavar="N|none", callback=_rate_limit, help=help_text)


@api_keys.command("create", short_help="Create a key and print its secret, once.")
@click.argument("name")
@scope_options
@rate_limit_option("Requests per minute, or 'none' for no limit (left out: the server's default).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the secret (for scripts).")
@idempotency_option
@session_option
@global_options
@json_fields(secret_fields)
def create_key(
    name: str,
    scopes: tuple[str, ...],
    all_scopes: bool,
    rate_limit: int | NotGiven | None,
    quiet: bool,
    idempotency_key: str,
) -> None:
    """Create a key named NAME and print its secret, once.

    Give its scopes with --scope (repeat) or --all-scopes; on a terminal you
    are asked. A name already in use is allowed, with a warning: keys are
    found by name.

    \b
    Examples:
      onepin api-keys create ci-deploy --scope workflows:read --scope workflows:run
      export ONEPIN_API_KEY=$(onepin api-keys create ci --scope voices:read --quiet)
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    out = settings().out
    if quiet and out.json_mode:
        raise click.UsageError("--quiet and --json cannot be used together")
    chosen = choose_scopes(out, scopes, all_scopes)
    cached = load(names_cache(manager()))  # recent names: no listing needed
    with key_calls(writes=True) as calls:
        client = calls.client
        if cached is not None:
            same = cached.get(name, [])
        else:
            same = [k.id for k in keys_named(client, name, status="active", enough=1)]
        if same:
            out.warning(
                f'Warning: a key named "{escape(name)}" exists already ({same[0]}); '
                "names are how keys are found, so consider another"
            )
        with recoverable(idempotency_key):
            created = client.api_keys.create(
                name=name,
                scopes=granted(client, chosen),
                rate_limit_per_min=rate_limit,
                idempotency_key=idempotency_key,
            )
    show_secret(out, created, "Created", quiet=quiet)


@api_keys.command("get", short_help="Show one key.")
@key_argument
@session_option
@global_options
@json_fields(key_fields)
def get_key(key: str) -> None:
    """Show one key, by id or by its unique name.

    \b
    Examples:
      onepin api-keys get ci-deploy
      onepin api-keys get 3fa85f64-5717-4562-b3fc-2c963f66afa6 --json scopes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    with key_calls() as calls:
        show_key(settings().out, find_key(calls.client, key))


@api_keys.command("update", short_help="Change a key's name, scopes, rate limit or state.")
@key_argument
@click.option("--name", metavar="NAME", help="New name.")
@click.option(
    "--scope",
    "scopes",
    cls=ScopeOption,
    multiple=True,
    metavar="SCOPE",
    help="Replace the scopes (repeat).",
)
@rate_limit_option("Requests per minute, or 'none' to remove the limit.")
@click.option("--activate/--deactivate", "active", default=None, help="Enable or disable the key.")
@click.option("--force", is_flag=True, help="Allow deactivating the key the CLI itself is using.")
@session_option
@global_options
@json_fields(key_fields)
def update_key(
    key: str,
    name: str | None,
    scopes: tuple[str, ...],
    rate_limit: int | NotGiven | None,
    active: bool | None,
    force: bool,
) -> None:
    """Change a key's name, scopes, rate limit or state.

    \b
    Examples:
      onepin api-keys update ci-deploy --scope workflows:read --rate-limit 600
      onepin api-keys update old-laptop --deactivate
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    if name is None and not scopes and rate_limit is NOT_GIVEN and active is None:
        raise click.UsageError(
            "nothing to change: give --name, --scope, --rate-limit or --activate/--deactivate"
        )
    with key_calls(writes=True) as calls:
        target = find_key(calls.client, key, write=True)
        if active is False:
            guard_own_key(calls, target, force, "deactivate")
        updated = calls.client.api_keys.update(
            target.id,
            name=name if name is not None else NOT_GIVEN,
            scopes=list(scopes) if scopes else NOT_GIVEN,
            rate_limit_per_min=rate_limit,
            active=active if active is not None else NOT_GIVEN,
        )
    show_key(settings().out, updated)


@api_keys.command("delete", short_help="Revoke a key.")
@key_argument
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Allow revoking the key the CLI itself is using.")
@session_option
@global_options
@json_fields(key_fields)
def delete_key(key: str, yes: bool, force: bool) -> None:
    """Revoke a key: it stops working at once; the row is kept.

    \b
    Examples:
      onepin api-keys delete old-laptop
      onepin api-keys delete 3fa85f64-5717-4562-b3fc-2c963f66afa6 --yes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    out = settings().out
    with key_calls(writes=True) as calls:
        target = find_key(calls.client, key, write=True)
        in_use = guard_own_key(calls, target, force, "revoke")
        warn_profiles_using(out, calls, target)
        confirm(f'Revoke API key "{escape(target.name)}" ({target.id})?', yes, "revoke")
        revoked = calls.client.api_keys.delete(target.id)
    if out.json_mode:
        out.json(to_builtins(revoked))
    else:
        out.success(f'Revoked API key "{escape(revoked.name)}" ({revoked.id})')
    own = calls.manager.own
    if in_use and own is not None:
        out.warning(gone_credentials_note(own))
