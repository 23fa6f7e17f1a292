"""``onepin api-keys rotate``: replace a key, at once or with an overlap.

At once (the API's rotate): the old key stops working as the new one is made;
a terminal is asked first, a script passes ``--yes``. With ``--overlap`` (the
documents' rotation): a successor with the same name, scopes and rate limit is
created, checked with ``whoami``, saved with ``--save``, and only then is the
old key revoked, or, with ``--grace``, left working with the command to revoke
it later. Whatever fails after a new key exists, its secret is printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from onepin.cli._client import open_client, with_key
from onepin.cli._context import global_options, settings
from onepin.cli._errors import CliError
from onepin.cli._guard import confirm, gone_credentials_note, guard_own_key
from onepin.cli._lookup import find_key, key_argument
from onepin.cli._manage import key_calls, manager, session_option
from onepin.cli._output import Output
from onepin.cli._render import json_fields, secret_fields, show_secret

if TYPE_CHECKING:
    import onepin_sync
    from onepin._models import ApiKey, CreatedApiKey
    from onepin.credentials import Credentials

__all__ = ["rotate_key"]

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and _DURATION.fullmatch(value) is None:
        raise click.BadParameter("a number and a unit, like 90s, 30m, 24h, 7d or 2w")
    return value


def _saved(creds: Credentials) -> Credentials:
    """The saved profile's key and base URL, for ``--save``."""
    from onepin.credentials import display_path, load_profile

    saved = load_profile(creds.path, creds.profile)
    if not saved.get("api_key"):
        raise CliError(
            f"--save: no key is saved in {display_path(creds.path)}", code="NOT_SAVED_KEY"
        )
    return dataclasses.replace(
        creds,
        api_key=saved["api_key"],
        api_key_source="file",
        base_url=saved.get("base_url", creds.base_url),
    )


def _check_saved(saved: Credentials, target: ApiKey) -> None:
    from onepin.credentials import display_path

    with open_client(saved) as client:
        if client.auth.whoami().api_key_id != target.id:
            raise CliError(
                f'--save: "{target.name}" is not the key saved in {display_path(saved.path)}',
                code="NOT_SAVED_KEY",
            )


@contextlib.contextmanager
def _keeping(out: Output, new: CreatedApiKey, action: str, quiet: bool) -> Iterator[None]:
    """If anything fails in the block, print the new secret before the error."""
    try:
        yield
    except BaseException:
        show_secret(out, new, action, quiet=quiet)
        raise


def _verify(creds: Credentials, new: CreatedApiKey, save: bool) -> None:
    """Check ``new`` with ``whoami`` at ``creds.base_url``; with ``save``, save it there too."""
    from onepin.credentials import save_profile

    with open_client(with_key(creds, new.api_key)) as check:
        if check.auth.whoami().api_key_id != new.id:
            raise CliError("The new key answers as another key; it was not saved", code="MISMATCH")
    if save:
        save_profile(new.api_key, creds.base_url, creds.path, profile=creds.profile)


def _revoke_later(out: Output, target: ApiKey, grace: str, creds: Credentials) -> None:
    match = _DURATION.fullmatch(grace)
    assert match is not None
    delta = dt.timedelta(**{_UNIT[match[2]]: int(match[1])})
    when = (dt.datetime.now(dt.UTC) + delta).isoformat(timespec="minutes").replace("+00:00", "Z")
    profile = "" if creds.profile == "default" else f" --profile {creds.profile}"
    out.message(
        f'The old key "{target.name}" ({target.id}) still works. After {grace} ({when}), '
        f"revoke it with:\n  onepin api-keys delete {target.id} --yes --force{profile}"
    )


def _overlap(
    client: onepin_sync.OnePinClient,
    target: ApiKey,
    creds: Credentials,
    save: bool,
    grace: str | None,
    quiet: bool,
) -> CreatedApiKey:
    out = settings().out
    new = client.api_keys.create(
        name=target.name, scopes=list(target.scopes), rate_limit_per_min=target.rate_limit_per_min
    )
    with _keeping(out, new, "Created (the old key still works); new", quiet):
        _verify(creds, new, save)
    if grace is not None:
        _revoke_later(out, target, grace, creds)
    else:
        with _keeping(out, new, "Created and checked (the old key still works); new", quiet):
            client.api_keys.delete(target.id)
        out.message(f'Revoked the old key "{target.name}" ({target.id})')
    return new


@click.command("rotate", short_help="Replace a key by a new one with the same name and scopes.")
@key_argument
@click.option(
    "--overlap",
    is_flag=True,
    help="Create the successor first, check it (and --save it), then revoke the old key.",
)
@click.option(
    "--grace",
    metavar="DURATION",
    callback=_duration,
    help="With --overlap: leave the old key working and print the command to revoke it "
    "after DURATION (90s, 30m, 24h, 7d, 2w).",
)
@click.option("--save", is_flag=True, help="Check the new key, then replace the saved one with it.")
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask (needed when piped, without --overlap)."
)
@click.option("--force", is_flag=True, help="Allow rotating the key the CLI itself is using.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the new secret (for scripts).")
@session_option
@global_options
@json_fields(secret_fields)
def rotate_key(
    key: str,
    overlap: bool,
    grace: str | None,
    save: bool,
    yes: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Replace a key by a new one with the same name, scopes and rate limit.

    Without --overlap the old key stops working at once (you are asked first;
    scripts pass --yes). With --overlap the new key is created and checked
    first, and the old one revoked after, or left working for --grace.

    \b
    Examples:
      onepin api-keys rotate ci-deploy --overlap --save
      onepin api-keys rotate ci-deploy --overlap --grace 24h --quiet
      onepin api-keys rotate 3fa85f64-5717-4562-b3fc-2c963f66afa6 --yes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.credentials import display_path

    out = settings().out
    if grace is not None and not overlap:
        raise click.UsageError("--grace goes with --overlap")
    if quiet and out.json_mode:
        raise click.UsageError("--quiet and --json cannot be used together")
    found = manager()
    creds = found.own or found.creds
    saved = _saved(creds) if save else creds
    with key_calls() as calls:
        client = calls.client
        target = find_key(client, key)
        in_use = False
        if save:
            _check_saved(saved, target)
        elif grace is None:  # the old key is revoked now: is it the one in use?
            in_use = guard_own_key(calls, target, force, "rotate")
        if overlap:
            new = _overlap(client, target, saved, save, grace, quiet)
        else:
            confirm(
                f'Rotate API key "{target.name}" ({target.id})? The old key stops working at once.',
                yes,
                "rotate",
            )
            new = client.api_keys.rotate(target.id).new_key
            with _keeping(out, new, "Rotated (not saved); new", quiet):
                if save:
                    _verify(saved, new, save)
    show_secret(out, new, "Rotated; new", display_path(creds.path) if save else None, quiet=quiet)
    if in_use and not quiet:
        out.warning(gone_credentials_note(creds))
