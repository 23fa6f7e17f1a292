"""``login``, ``logout`` and ``whoami``, with the documents' exact wording."""

from __future__ import annotations

import contextlib
import sys

import click

from onepin._constants import KEY_PREFIX
from onepin.cli._context import current_credentials, global_options, open_client, settings
from onepin.cli._errors import INVALID_KEY, CliError
from onepin.cli._render import fmt, pick, show_whoami

__all__ = ["login", "logout", "whoami"]


def _read_key(given: str | None) -> str:
    """The key from the flag, else a hidden prompt on a terminal, else a line of stdin."""
    key = given
    if key is None:
        if sys.stdin.isatty():
            key = click.prompt("OnePin API key", hide_input=True, err=True)
        else:
            key = sys.stdin.readline()
    key = (key or "").strip()
    if not key:
        raise CliError("No API key given", code="NO_KEY")
    if not key.startswith(KEY_PREFIX):
        raise CliError(f"Key must start with {KEY_PREFIX}", code="BAD_KEY_PREFIX")
    return key


@click.command()
@click.option(
    "--key", metavar="KEY", help="The API key (else a hidden prompt, or stdin when piped)."
)
@global_options
def login(key: str | None) -> None:
    """Check an API key with the API and save it to ~/.onepin/credentials."""
    from onepin import AuthenticationError, PermissionDeniedError
    from onepin.credentials import display_path, resolve, save_profile

    current = settings()
    out = current.out
    creds = resolve(_read_key(key or current.api_key), current.base_url)
    try:
        with open_client(creds.api_key, creds.base_url) as client:
            me = client.auth.whoami()
    except (AuthenticationError, PermissionDeniedError):
        raise CliError(INVALID_KEY, code="INVALID_API_KEY") from None
    path = save_profile(creds.api_key, creds.base_url, creds.path)
    if out.json_mode:
        out.json(pick(me, "user_id", "workspace_id", "scopes", "key_name"))
        return
    out.success("Logged in.")
    out.result(f"Workspace: {fmt(me.workspace_id)}")
    out.result(f"Scopes: {fmt(me.scopes)}")
    out.result(f"Saved to: {display_path(path)}")


@click.command()
@global_options
def logout() -> None:
    """Remove the saved credentials (the key itself is not revoked)."""
    from onepin.credentials import credentials_path, display_path, remove_profile

    out = settings().out
    path = credentials_path()
    removed = remove_profile(path)
    if out.json_mode:
        out.json({"removed": removed, "path": str(path)})
    elif removed:
        out.success(f"Credentials removed from {display_path(path)}")
    else:
        out.message(f"No saved credentials in {display_path(path)}")


@click.command()
@global_options
def whoami() -> None:
    """Show who the current credentials belong to (changes nothing)."""
    from onepin.credentials import API_KEY_ENV, display_path, load_profile

    out = settings().out
    creds = current_credentials()
    with open_client(creds.api_key, creds.base_url) as client:
        me = client.auth.whoami()
    if out.json_mode:
        out.json(pick(me, "user_id", "workspace_id", "key_name", "scopes"))
        return
    show_whoami(out, me)
    where = {
        "explicit": "the --api-key flag",
        "env": API_KEY_ENV,
        "file": display_path(creds.path),
    }[creds.api_key_source]
    out.message(f"(key from {where})")
    if creds.api_key_source == "env":
        with contextlib.suppress(Exception):
            if load_profile(creds.path).get("api_key"):
                out.warning(
                    f"Warning: {API_KEY_ENV} overrides the key saved in {display_path(creds.path)}"
                )
