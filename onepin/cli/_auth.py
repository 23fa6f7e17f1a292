"""``logout`` and ``whoami``, with the documents' exact wording (``login`` has its own module)."""

from __future__ import annotations

import contextlib
import os

import click

from onepin.cli._client import current_credentials, open_client
from onepin.cli._context import AUTH, COMMON, CONNECTION, options, settings
from onepin.cli._errors import safe_url
from onepin.cli._render import json_fields, logout_fields, show_whoami, to_builtins, whoami_fields

__all__ = ["logout", "whoami"]

WHOAMI_JSON = ("user_id", "workspace_id", "key_name", "scopes")
"""The documented fields of ``whoami --json``."""


@click.command(short_help="Remove the saved credentials (the key is not revoked).")
@options(COMMON)
@json_fields(logout_fields)
def logout() -> None:
    """Remove a profile from ~/.onepin/credentials; the key itself is not revoked.

    Only the [default] section (or the --profile one) goes; comments and other
    sections stay. Revoke the key with `onepin api-keys delete` if needed.

    \b
    Examples:
      onepin logout
      onepin logout --profile staging
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.credentials import (
        API_KEY_ENV,
        PROFILE,
        check_rewritable,
        credentials_path,
        display_path,
        profile_name,
        remove_profile,
    )

    out = settings().out
    path = credentials_path()
    profile = profile_name(settings().profile, path=path)
    loose = check_rewritable(path)
    removed = remove_profile(path, profile=profile)  # allowed on a loose file: it gets safer
    if removed and loose is not None:
        out.warning(
            f"{display_path(path)} was readable by others (mode {loose:04o}); "
            "it is 0600 now, but rotate any key it held"
        )
    if os.environ.get(API_KEY_ENV):
        out.warning(f"Warning: {API_KEY_ENV} is set: commands still authenticate with it")
    named = "" if profile == PROFILE else f" (profile {profile})"
    if out.json_mode:
        out.json(
            {"removed": removed, "path": str(path), "profile": profile}, default=("removed", "path")
        )
    elif removed:
        out.success(f"Credentials removed from {display_path(path)}{named}")
    else:
        out.message(f"No saved credentials in {display_path(path)}{named}")


@click.command(short_help="Show who the current credentials belong to.")
@options(AUTH, CONNECTION, COMMON)
@json_fields(whoami_fields)
def whoami() -> None:
    """Show who the current credentials belong to (changes nothing).

    The key comes from --api-key, else ONEPIN_API_KEY, else the profile
    (--profile, else ONEPIN_PROFILE, else [default]) of ~/.onepin/credentials;
    stderr says which.

    \b
    Examples:
      onepin whoami
      onepin whoami --profile staging
      onepin whoami --json workspace_id,scopes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.credentials import API_KEY_ENV, PROFILE, display_path, load_profile

    out = settings().out
    creds = current_credentials()
    with open_client(creds) as client:
        me = client.auth.whoami()
    if out.json_mode:
        out.json(to_builtins(me), default=WHOAMI_JSON)
        return
    show_whoami(out, me)
    saved_in = display_path(creds.path)
    if creds.profile != PROFILE:
        saved_in = f'profile "{creds.profile}" in {saved_in}'
    where = {"explicit": "the --api-key flag", "env": API_KEY_ENV, "file": saved_in}
    out.message(f"(key from {where[creds.api_key_source]})")
    out.message(f"Server: {safe_url(creds.base_url)}")
    if creds.api_key_source == "env":
        with contextlib.suppress(Exception):
            if load_profile(creds.path, creds.profile).get("api_key"):
                out.warning(f"Warning: {API_KEY_ENV} overrides the key saved in {saved_in}")
