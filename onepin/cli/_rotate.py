"""``onepin api-keys rotate``: replace a key, at once or with an overlap.

At once (the API's rotate): the old key stops working as the new one is made;
a terminal is asked first, a script passes ``--yes``. With ``--overlap`` (the
documents' rotation): a successor with the same name, scopes and rate limit is
created, checked with ``whoami``, saved with ``--save``, and only then is the
old key revoked, or, with ``--grace``, left working (renamed, so that the name
means the new key) with the command to revoke it later. The steps after the
new key exists are in ``_overlap``. A revoked key is never rotated.
"""

from __future__ import annotations

import datetime as dt

import click

from onepin.cli._context import global_options, settings
from onepin.cli._guard import confirm, gone_credentials_note, guard_own_key, warn_profiles_using
from onepin.cli._idempotency import idempotency_option, recoverable
from onepin.cli._lookup import find_key, key_argument
from onepin.cli._manage import key_calls, manager, session_option
from onepin.cli._output import escape
from onepin.cli._overlap import Rotation, check_saved, saved_credentials
from onepin.cli._render import json_fields, secret_fields

__all__ = ["rotate_key"]


def _grace(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, dt.timedelta] | None:
    """``--grace``, read by the same rule as the audit's durations (``onepin.audit``)."""
    from onepin.audit import DurationError, parse_duration

    if value is None:
        return None
    try:
        return value.strip(), parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc)) from None


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
    callback=_grace,
    help="With --overlap: leave the old key working (renamed NAME.old-<time>) and print the "
    "command to revoke it after DURATION (12h, 7d, 2w).",
)
@click.option("--save", is_flag=True, help="Check the new key, then replace the saved one with it.")
@click.option(
    "--show-secret", is_flag=True, help="Print the new secret even once it is saved (--save)."
)
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask (needed when piped, without --overlap)."
)
@click.option("--force", is_flag=True, help="Allow rotating the key the CLI itself is using.")
@click.option(
    "--quiet", "-q", is_flag=True, help="Print only the new secret (its preview once saved)."
)
@idempotency_option
@session_option
@global_options
@json_fields(secret_fields)
def rotate_key(
    key: str,
    overlap: bool,
    grace: tuple[str, dt.timedelta] | None,
    save: bool,
    show_secret: bool,
    yes: bool,
    force: bool,
    quiet: bool,
    idempotency_key: str,
) -> None:
    """Replace a key by a new one with the same name, scopes and rate limit.

    Without --overlap the old key stops working at once (you are asked first;
    scripts pass --yes). With --overlap the new key is created and checked
    first, and the old one revoked after, or left working for --grace. Once
    saved (--save) the new secret is shown as its preview only.

    \b
    Examples:
      onepin api-keys rotate ci-deploy --overlap --save
      onepin api-keys rotate ci-deploy --overlap --grace 24h --quiet
      onepin api-keys rotate 3fa85f64-5717-4562-b3fc-2c963f66afa6 --yes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    out = settings().out
    if grace is not None and not overlap:
        raise click.UsageError("--grace goes with --overlap")
    if quiet and out.json_mode:
        raise click.UsageError("--quiet and --json cannot be used together")
    found = manager()
    creds = found.own or found.creds
    saved = saved_credentials(creds) if save else creds
    with key_calls(writes=True) as calls:
        target = find_key(calls.client, key, write=True)
        in_use = False
        if save:
            check_saved(saved, target)
        elif grace is None:  # the old key is revoked now: is it the one in use?
            in_use = guard_own_key(calls, target, force, "rotate")
        if grace is None:
            warn_profiles_using(out, calls, target)
        rotation = Rotation(calls, target, saved, save, quiet, show_secret, idempotency_key)
        if overlap:
            new = rotation.overlap(grace)
        else:
            confirm(
                f'Rotate API key "{escape(target.name)}" ({target.id})? '
                "The old key stops working at once.",
                yes,
                "rotate",
            )
            with recoverable(idempotency_key):
                rotated = calls.client.api_keys.rotate(target.id, idempotency_key=idempotency_key)
            new = rotated.new_key
            with rotation.keeping(new, "Rotated (not saved); new"):
                if save:
                    rotation.verify(new)
    rotation.show(new, "Rotated; new")
    if in_use and not quiet:
        out.warning(gone_credentials_note(creds))
