"""Naming a key on the command line: by id or by its unique name, completed from the names.

A name is looked up in one pass over every key, newest pages fetched side by
side, with a progress line on a terminal; the pass stops as soon as the answer
is settled (two usable keys share the name). Nothing is cached.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import click

from onepin.cli._context import settings
from onepin.cli._errors import EXIT_USAGE, CliError
from onepin.cli._manage import key_calls, manager, names_cache
from onepin.cli._output import escape
from onepin.cli._render import fmt, key_status

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    import onepin_sync
    from onepin._models import ApiKey

__all__ = ["complete_key", "find_key", "key_argument", "keys_named"]

PAGE = 100
SCAN_WINDOW = 8
"""The most pages a lookup that may stop early keeps in flight (a hand-written gather's)."""
_ID_PREFIX = re.compile(r"[0-9a-f][0-9a-f-]{3,35}")
"""An id cut short (git-style): at least 4 characters of a uuid."""


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _scan(
    client: onepin_sync.OnePinClient,
    name: str,
    prefix: str | None,
    *,
    status: str = "all",
    enough: int = 2,
) -> tuple[list[ApiKey], list[ApiKey]]:
    """The keys called ``name`` and those whose id starts with ``prefix``.

    The pass stops once ``enough`` usable keys have the name (a name wins over an id prefix).
    """
    from onepin.cli._namecache import store

    out = settings().out
    found: list[ApiKey] = []
    by_id: list[ApiKey] = []
    names: dict[str, list[str]] = {}  # every usable key's name: the cache, once complete
    listing = client.api_keys.list(status=status, page_size=PAGE, max_concurrency=SCAN_WINDOW)
    with listing as keys, out.progressing():
        for seen, key in enumerate(keys, 1):
            if seen % PAGE == 0:
                total = f"/{keys.total:,}" if keys.total is not None else ""
                out.progress(f'Looking for "{escape(name)}": {seen:,}{total} keys')
            if key_status(key) == "active":
                names.setdefault(key.name, []).append(key.id)
            if key.name == name:
                found.append(key)
                if sum(key_status(k) == "active" for k in found) >= enough:
                    break
            elif prefix is not None and key.id.startswith(prefix):
                by_id.append(key)
        else:
            if status == "all":
                store(names_cache(manager()), names)
    return found, by_id


def _cached(client: onepin_sync.OnePinClient, name: str) -> ApiKey | None:
    """The one usable key called ``name`` by the fresh name cache, checked with one GET."""
    from onepin import NotFoundError
    from onepin.cli._namecache import load

    ids = (load(names_cache(manager())) or {}).get(name, [])
    if len(ids) != 1:
        return None
    try:
        key = client.api_keys.get(ids[0])
    except NotFoundError:
        return None
    return key if key.name == name and key_status(key) == "active" else None


def keys_named(
    client: onepin_sync.OnePinClient, name: str, *, status: str = "all", enough: int = 2
) -> list[ApiKey]:
    """The keys called ``name``, stopping once ``enough`` usable ones are found."""
    return _scan(client, name, None, status=status, enough=enough)[0]


def _listing(keys: list[ApiKey]) -> str:
    return "\n".join(
        f"  {k.id}  {escape(k.name)}  {k.preview or '-'}  {key_status(k)}  "
        f"created {fmt(k.created_at)}"
        for k in keys
    )


def _by_id_prefix(ref: str, keys: list[ApiKey], write: bool) -> ApiKey:
    """The one key whose id starts with ``ref`` (git-style); several are a usage error."""
    if len(keys) > 1:
        raise CliError(
            f'The id prefix "{ref}" matches {len(keys)} keys; give more of the id:\n'
            + _listing(keys),
            code="AMBIGUOUS_ID",
            exit_code=EXIT_USAGE,
        )
    if write and key_status(keys[0]) == "revoked":
        raise _revoked(keys[0])
    return keys[0]


def _revoked(key: ApiKey) -> CliError:
    return CliError(
        f'API key "{escape(key.name)}" ({key.id}) is revoked: it cannot be changed or rotated',
        code="KEY_REVOKED",
    )


def find_key(client: onepin_sync.OnePinClient, ref: str, *, write: bool = False) -> ApiKey:
    """A key by id, a unique id prefix (4+ characters), or its unique name.

    A name wins over an id prefix; among keys of that name an active one
    first, then an inactive one.

    A read may fall back to a revoked key of that name, and takes a name from
    the fresh name cache (one GET checks it); a ``write`` never picks a
    revoked key, by name or by id, and always reads the listing.
    """
    ref = ref.removesuffix("…")  # an id cut short in a table
    if _is_uuid(ref):
        key = client.api_keys.get(ref)
        if write and key_status(key) == "revoked":
            raise _revoked(key)
        return key
    cached = None if write else _cached(client, ref)  # a write checks the name afresh
    if cached is not None:
        return cached
    prefix = ref.lower() if _ID_PREFIX.fullmatch(ref.lower()) else None
    found, by_id = _scan(client, ref, prefix)
    if not found and by_id:
        return _by_id_prefix(ref, by_id, write)
    live = [k for k in found if key_status(k) != "revoked"]
    usable = [k for k in live if key_status(k) == "active"]
    matches = usable or live or ([] if write else found)
    if len(matches) == 1:
        return matches[0]
    if not matches and found:
        ids = ", ".join(k.id for k in found)
        raise CliError(
            f'No usable API key named "{escape(ref)}": only revoked keys have that name ({ids})',
            code="KEY_REVOKED",
        )
    if not matches:
        raise CliError(f'No API key with id or name "{escape(ref)}"', code="NOT_FOUND")
    listing = _listing(matches)
    more = " (or more)" if len(usable) > 1 else ""  # the pass stopped at the second
    raise CliError(
        f'The name "{escape(ref)}" matches {len(matches)} keys{more}; name one by id:\n{listing}',
        code="AMBIGUOUS_NAME",
    )


def complete_key(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of a KEY: usable keys' names (nothing when offline).

    A name that several usable keys share is offered as their ids instead,
    since it names none of them. Names come from a cache for a minute (see
    ``_namecache``), so a TAB after the first makes no request.
    """
    from click.shell_completion import CompletionItem

    from onepin.cli._namecache import load, store

    current = settings(ctx)
    current.timeout = min(current.timeout, 3.0)
    current.out.json_mode = True  # no status line or progress on the shell's terminal
    try:
        with ctx.scope(cleanup=False):
            path = names_cache(manager())
            names = load(path)
            if names is None:
                names = {}
                with key_calls() as calls:
                    for key in calls.client.api_keys.list(status="active", page_size=PAGE):
                        names.setdefault(key.name, []).append(key.id)
                store(path, names)
    except Exception:
        return []
    items: list[CompletionItem] = []
    for name, ids in sorted(names.items()):
        if len(ids) == 1 and name.startswith(incomplete):
            items.append(CompletionItem(name, help=ids[0]))
        elif len(ids) > 1:
            shared = f'one of {len(ids)} keys named "{escape(name)}"'
            items += [CompletionItem(i, help=shared) for i in ids if i.startswith(incomplete)]
    return items


key_argument = click.argument("key", shell_complete=complete_key)
"""The KEY argument: an id or a unique name, completed from the workspace's key names."""
