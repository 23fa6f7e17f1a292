"""``onepin login``: check a key (or make one from a session token) and save it to a profile.

The credentials file is checked before any network call, the key's form is
checked locally, and the documented messages are kept word for word.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from onepin.cli._client import check_environment, key_problem, open_client, with_key
from onepin.cli._context import COMMON, CONNECTION, WORKSPACE, needs_input, options, settings
from onepin.cli._errors import INVALID_KEY, CliError, safe_url
from onepin.cli._guard import confirm
from onepin.cli._output import Output, escape
from onepin.cli._render import fmt, json_fields, show_secret, to_builtins, whoami_fields
from onepin.cli._scopes import choose_scopes, granted, scope_options

if TYPE_CHECKING:
    from pathlib import Path

    from onepin._models import CreatedApiKey
    from onepin.credentials import Credentials

__all__ = ["login"]

LOGIN_JSON = ("user_id", "workspace_id", "scopes", "key_name")
"""The documented fields of ``login --json``."""


def _read_secret(given: str | None, what: str) -> str:
    """The secret given, else stdin when piped, else a hidden prompt (also with --with-token)."""
    secret = given
    if secret is None:
        if not sys.stdin.isatty():
            secret = sys.stdin.readline()
        else:  # a terminal: never echo what is pasted, --with-token or not
            needs_input(f"the {what} (pipe it to stdin)")
            secret = click.prompt(f"OnePin {what}", hide_input=True, err=True)
    secret = (secret or "").strip()
    if not secret:
        raise CliError(f"No {what} given", code="NO_KEY")
    return secret


def _preflight(out: Output, profile: str | None, force: bool) -> tuple[str, Path, bool]:
    """The profile and file to write, checked (and made private) before the network is used.

    Also whether the file is to be set aside (``_set_aside``) once the new key
    is saved: it is not valid TOML in UTF-8, and ``force`` was given.
    """
    from onepin._tomlfile import InvalidFileError
    from onepin.credentials import check_rewritable, credentials_path, display_path, profile_name

    path = credentials_path()
    try:
        loose = check_rewritable(path, repair=True)
    except InvalidFileError:
        if not force:
            raise
        return profile_name(profile), path, True  # no active profile can be read from it
    if loose is not None:
        out.warning(
            f"Fixed the permissions of {display_path(path)}: it was readable by others "
            f"(mode {loose:04o}); it is now 0600"
        )
    return profile_name(profile, path=path), path, False


def _set_aside(out: Output, path: Path) -> None:
    """Move the invalid file aside (never over an earlier backup), saying where."""
    from onepin._tomlfile import set_aside
    from onepin.credentials import display_path

    backup = set_aside(path)
    out.warning(f"Moved the invalid {display_path(path)} to {backup}; starting a new file")


def _saved_url(out: Output, path: Path, profile: str) -> str | None:
    """The profile's saved base URL, said aloud when login reuses it."""
    from onepin.credentials import BASE_URL_ENV, load_profile

    url = load_profile(path, profile).get("base_url")
    if url and not os.environ.get(BASE_URL_ENV):
        shown = safe_url(url)
        out.message(f"Using the server saved in the profile: {shown} (--base-url to change)")
        return url
    return None


def _confirm_replace(path: Path, profile: str, new_key: str, force: bool) -> None:
    """Replacing a profile's other key needs --force, or a yes on a terminal."""
    from onepin._secret import mask
    from onepin.credentials import load_profile

    if force:
        return
    old = load_profile(path, profile).get("api_key")
    if old and old != new_key:
        question = f"Replace the key saved in profile {profile} ({mask(old)})?"
        confirm(question, False, "replace", flag="--force")


def _key_from_session(
    out: Output, base: Credentials, name: str, scopes: list[str] | None
) -> CreatedApiKey:
    """A new API key created with a browser session token (``base.api_key``)."""
    with open_client(base, refused="Invalid session token") as client:  # a 403 says why
        created = client.api_keys.create(name=name, scopes=granted(client, scopes))
    if not out.json_mode:
        out.message(f'Created API key "{escape(created.name)}" ({created.id}) for this login')
    return created


@click.command(short_help="Save an API key (checked with the API) for the other commands.")
@click.option(
    "--key",
    "--api-key",
    "key",
    metavar="KEY",
    help="The API key. Others can read command lines: prefer the prompt or --with-token.",
)
@click.option(
    "--with-token",
    is_flag=True,
    help="Read the key (or session token) from stdin (on a terminal: a hidden prompt).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the profile's saved key without asking (needed off a terminal); "
    "set an invalid credentials file aside as .bak.",
)
@click.option(
    "--session-token",
    is_flag=True,
    help="No key in hand: give a dashboard session token (stdin, else a hidden prompt) "
    "and a new key is created with it.",
)
@click.option(
    "--key-name",
    default="cli-generated",
    show_default=True,
    metavar="NAME",
    help="With --session-token: the new key's name.",
)
@scope_options
@options(WORKSPACE, CONNECTION, COMMON)
@json_fields(whoami_fields)
def login(
    key: str | None,
    with_token: bool,
    session_token: bool,
    key_name: str,
    force: bool,
    scopes: tuple[str, ...],
    all_scopes: bool,
) -> None:
    """Check an API key with the API and save it to ~/.onepin/credentials.

    The key comes from --key, --with-token (stdin), else a hidden prompt (or
    stdin when piped); it is op_live_ and 32 letters and digits. With
    --profile NAME it is saved as the [NAME] profile. The profile's base URL
    is kept (and said so) unless --base-url or ONEPIN_BASE_URL says otherwise.
    Replacing the profile's key asks first (--force: does not ask).

    \b
    Examples:
      onepin login
      echo "$ONEPIN_API_KEY" | onepin login --with-token
      onepin login --profile staging --base-url https://staging.onepin.ai
      onepin login --session-token --key-name laptop --scope workflows:read
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.credentials import API_KEY_ENV, PROFILE, display_path, resolve, save_profile

    check_environment()
    current = settings()
    out = current.out
    if sum((key is not None, with_token and not session_token, session_token)) > 1:
        raise click.UsageError("give only one of --key, --with-token and --session-token")
    if current.workspace and not session_token:
        raise click.UsageError("--workspace goes with --session-token (a key knows its workspace)")
    if not session_token and (scopes or all_scopes or key_name != "cli-generated"):
        raise click.UsageError("--scope, --all-scopes and --key-name go with --session-token")
    profile, path, invalid = _preflight(out, current.profile, force)
    if os.environ.get(API_KEY_ENV):
        out.message(f"Note: {API_KEY_ENV} is set; login ignores it and saves the key given here")
    base_url = current.base_url or (None if invalid else _saved_url(out, path, profile))
    created = None
    if session_token:
        chosen = choose_scopes(out, scopes, all_scopes)
        _confirm_replace(path, profile, "", force)
        token = _read_secret(None, "session token")
        base = resolve(token, base_url, profile=profile, path=path)
        del token
        created = _key_from_session(out, base, key_name, chosen)
        creds = with_key(base, created.api_key)
    else:
        secret = _read_secret(key or current.api_key, "API key")
        problem = key_problem(secret)
        if problem is not None:
            code = "BAD_KEY_PREFIX" if problem.startswith("Key must start") else "BAD_KEY_FORMAT"
            raise CliError(problem, code=code)
        creds = resolve(secret, base_url, profile=profile, path=path)
        del secret
    try:
        with open_client(creds, refused=INVALID_KEY) as client:
            me = client.auth.whoami()
        if created is None:
            _confirm_replace(path, profile, creds.api_key, force)
        if invalid:
            _set_aside(out, path)
        save_profile(creds.api_key, creds.base_url, path, profile=profile)
    except BaseException:
        if created is not None:  # never lose the only copy of a new key
            show_secret(out, created, "Created (not saved)")
        raise
    if out.json_mode:
        out.json(to_builtins(me), default=LOGIN_JSON)
        return
    out.success("Logged in.")
    out.result(f"Workspace: {fmt(me.workspace_id)}")
    out.result(f"Scopes: {fmt(me.scopes)}")
    named = "" if profile == PROFILE else f" (profile {profile})"
    out.result(f"Saved to: {display_path(path)}{named}")
