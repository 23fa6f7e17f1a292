"""``logout`` and ``whoami``, with the documents' exact wording (``login`` has its own module)."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import click

from onepin.cli._client import check_environment, current_credentials, open_client
from onepin.cli._context import AUTH, COMMON, CONNECTION, options, settings
from onepin.cli._errors import safe_url
from onepin.cli._render import json_fields, logout_fields, show_whoami, to_builtins, whoami_fields

if TYPE_CHECKING:
    import onepin_sync
    from onepin._models import WhoAmI

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

    check_environment()
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


def _key_name(client: onepin_sync.OnePinClient, me: WhoAmI) -> str | None:
    """The key's name from ``GET /api-keys/{api_key_id}``, for a whoami that leaves it out.

    ``None`` when the credentials may not read it (a server that lets only a
    session token manage keys refuses an API key) or the call fails.
    """
    from onepin import APIConnectionError, APIStatusError

    if me.api_key_id is None:
        return None
    try:
        return client.with_options(max_retries=0).api_keys.get(me.api_key_id).name
    except (APIStatusError, APIConnectionError):
        return None


@click.command(short_help="Show who the current credentials belong to.")
@options(AUTH, CONNECTION, COMMON)
@json_fields(whoami_fields)
def whoami() -> None:
    """Show who the current credentials belong to (changes nothing).

    The key comes from --api-key, else ONEPIN_API_KEY, else the profile
    (--profile, else ONEPIN_PROFILE, else the active one, else [default]) of
    ~/.onepin/credentials; stderr says which, and the server. A server that
    leaves out the email or the key name: the user id is shown "(no email)",
    and the key's name is read from the key "(from the key)" when allowed.

    \b
    Examples:
      onepin whoami
      onepin whoami --profile staging
      onepin whoami --json workspace_id,scopes
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    import msgspec

    from onepin.credentials import API_KEY_ENV, PROFILE, display_path, load_profile

    out = settings().out
    creds = current_credentials()
    with open_client(creds) as client:
        me = client.auth.whoami()
        key_name = me.key_name or _key_name(client, me)
    if out.json_mode:
        out.json({**to_builtins(me), "key_name": key_name}, default=WHOAMI_JSON)
        return
    shown = msgspec.structs.replace(
        me,
        email=me.email or f"{me.user_id} (no email)",
        key_name=me.key_name or (key_name and f"{key_name} (from the key)"),
    )
    show_whoami(out, shown)
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
