"""``onepin auth status`` and ``onepin auth switch``: the saved profiles, as gh shows accounts.

The active profile (the one used when no ``--profile`` or ``ONEPIN_PROFILE``
names one) is stored in the credentials file itself, as the top-level
``active_profile = "NAME"``; ``auth switch default`` removes that line. No
command here calls the API or shows a key in full.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from onepin.cli._client import check_environment
from onepin.cli._context import COMMON, checked_profile, complete_profiles, options, settings
from onepin.cli._errors import EXIT_AUTH, CliError, safe_url
from onepin.cli._render import json_fields, status_fields

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["auth"]


def _status() -> dict[str, Any]:
    """Every profile, its server, a masked key, which is active and what overrides it."""
    from onepin._constants import DEFAULT_BASE_URL
    from onepin._exceptions import OnePinConfigurationError
    from onepin._secret import mask
    from onepin.credentials import (
        API_KEY_ENV,
        BASE_URL_ENV,
        credentials_path,
        display_path,
        list_profiles,
        profile_name,
    )

    check_environment()
    try:
        path: Path | None = credentials_path()
    except OnePinConfigurationError:  # no home directory: no file, an env key may still be set
        path = None
    chosen = profile_name(settings().profile, path=path)
    env_url = os.environ.get(BASE_URL_ENV)
    profiles = [
        {
            "name": name,
            "server": safe_url(env_url or saved.get("base_url") or DEFAULT_BASE_URL),
            "key_preview": mask(saved["api_key"]),
            "active": name == chosen,
        }
        for name, saved in (list_profiles(path) if path is not None else [])
    ]
    override = None
    if os.environ.get(API_KEY_ENV):
        override = {
            "variable": API_KEY_ENV,
            "key_preview": mask(os.environ[API_KEY_ENV].strip()),
            "server": safe_url(env_url or DEFAULT_BASE_URL),
        }
    return {
        "path": display_path(path),
        "active": chosen,
        "profiles": profiles,
        "env_override": override,
    }


@click.command(short_help="Show every saved profile, its server and which one is active.")
@options(COMMON)
@json_fields(status_fields)
def status() -> None:
    """Show every profile of ~/.onepin/credentials: its server, a masked key, the active one.

    The active profile is the one commands use: --profile, else ONEPIN_PROFILE,
    else the one `onepin auth switch` chose, else default. ONEPIN_API_KEY, when
    set, overrides them all; this says so. No API call is made. Exit 4 when no
    key is saved or set.

    \b
    Examples:
      onepin auth status
      onepin auth status --json profiles
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    out = settings().out
    report = _status()
    if out.json_mode:
        out.json(report)
    else:
        for entry in report["profiles"]:
            mark = " (active)" if entry["active"] else ""
            out.result(f"{entry['name']}{mark}")
            out.result(f"  Server: {entry['server']}")
            out.result(f"  Key: {entry['key_preview']}")
        override = report["env_override"]
        if override is not None:
            out.warning(
                f"{override['variable']} is set ({override['key_preview']}, server "
                f"{override['server']}): commands use it, not the active profile"
            )
    if not report["profiles"] and report["env_override"] is None:
        raise CliError(
            f"Not logged in: no profile in {report['path']} and ONEPIN_API_KEY is not set; "
            "run `onepin login`",
            code="NO_CREDENTIALS",
            exit_code=EXIT_AUTH,
        )


@click.command(short_help="Make a saved profile the one used when none is named.")
@click.argument(
    "name",
    metavar="PROFILE",
    callback=lambda ctx, param, value: checked_profile(value),
    shell_complete=lambda ctx, param, incomplete: complete_profiles(incomplete),
)
@options(COMMON)
def switch(name: str) -> None:
    """Make PROFILE the active profile: the one used when no --profile or ONEPIN_PROFILE names one.

    It is stored in ~/.onepin/credentials as `active_profile = "PROFILE"`;
    `onepin auth switch default` goes back to [default].

    \b
    Examples:
      onepin auth switch staging
      onepin auth switch default
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.credentials import PROFILE_ENV, credentials_path, set_active_profile

    out = settings().out
    set_active_profile(name, credentials_path())  # a file it cannot rewrite is refused
    out.success(f"Active profile: {name}")
    if os.environ.get(PROFILE_ENV) and os.environ[PROFILE_ENV] != name:
        out.warning(f"Warning: {PROFILE_ENV}={os.environ[PROFILE_ENV]} still wins in this shell")


@click.group(short_help="See and switch the saved profiles (auth status, auth switch).")
def auth() -> None:
    """The saved profiles of ~/.onepin/credentials, as `gh auth` shows accounts."""


auth.add_command(status)
auth.add_command(switch)
