"""Before a key is disabled: is it the one in use, does the person agree, what breaks after."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from onepin.cli._client import key_fix
from onepin.cli._context import needs_input
from onepin.cli._errors import EXIT_USAGE, CliError
from onepin.cli._output import Output, escape

if TYPE_CHECKING:
    from onepin._models import ApiKey
    from onepin.cli._manage import KeyCalls
    from onepin.credentials import Credentials

__all__ = [
    "confirm",
    "gone_credentials_note",
    "guard_own_key",
    "is_key_in_use",
    "profiles_using",
    "warn_profiles_using",
]


def is_key_in_use(calls: KeyCalls, target: ApiKey) -> bool:
    """Whether ``target`` is the API key this command runs with (whoever makes the calls)."""
    return calls.own_key_id() == target.id


def guard_own_key(calls: KeyCalls, target: ApiKey, force: bool, verb: str) -> bool:
    """Refuse to ``verb`` the key this command runs with, unless ``force``; say if it is."""
    in_use = is_key_in_use(calls, target)
    if in_use and not force:
        raise CliError(
            f'"{escape(target.name)}" is the key this command is using; '
            f"pass --force to {verb} it anyway",
            code="KEY_IN_USE",
        )
    return in_use


def confirm(question: str, yes: bool, verb: str, *, flag: str = "--yes") -> None:
    """Ask ``question`` on a terminal unless ``yes``; when piped, ``flag`` is required.

    The time spent answering does not count against ``--timeout``; a no is exit 2.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"refusing to {verb} without confirmation: pass {flag}")
    needs_input(f"a confirmation to {verb} (pass {flag})")
    from onepin.cli._context import settings
    from onepin.cli._deadline import command_clock

    with command_clock(settings().timeout).paused():
        agreed = click.confirm(question, err=True)
    if not agreed:
        raise CliError(f"Cancelled; nothing was {verb}d.", code="CANCELLED", exit_code=EXIT_USAGE)


def gone_credentials_note(creds: Credentials) -> str:
    """What to do once the key of ``creds`` is revoked."""
    return f"The key this command used is revoked now and no longer works; {key_fix(creds)}"


def _could_be(secret: str, target: ApiKey) -> bool:
    """Whether ``secret`` may be ``target``, from its preview (the prefix and 8 characters)."""
    from onepin._constants import KEY_PREFIX

    preview = target.preview or ""
    part = preview[len(KEY_PREFIX) :]
    return bool(part) and (secret.startswith(preview) or secret.endswith(part))


def profiles_using(calls: KeyCalls, target: ApiKey) -> list[str]:
    """The other saved profiles (same server) whose key is ``target``, each checked with whoami."""
    from onepin import AuthenticationError
    from onepin._constants import DEFAULT_BASE_URL
    from onepin.cli._client import open_client, with_key
    from onepin.credentials import list_profiles

    base = calls.manager.creds
    if base.path is None:  # no home: no saved profiles
        return []
    own = calls.manager.own
    skip = own.profile if own is not None and own.api_key_source == "file" else None
    found: list[str] = []
    for name, section in list_profiles(base.path):
        if name == skip:
            continue
        secret, url = section.get("api_key"), section.get("base_url", DEFAULT_BASE_URL)
        if not isinstance(secret, str) or url != base.base_url or not _could_be(secret, target):
            continue
        with open_client(with_key(base, secret)) as client:
            try:
                if client.auth.whoami().api_key_id == target.id:
                    found.append(name)
            except AuthenticationError:
                continue
    return found


def warn_profiles_using(out: Output, calls: KeyCalls, target: ApiKey) -> None:
    """Warn, before ``target`` is revoked, about each other saved profile that uses it."""
    from onepin.credentials import display_path

    for name in profiles_using(calls, target):
        out.warning(
            f'Warning: profile "{name}" in {display_path(calls.manager.creds.path)} uses this '
            f"key; it stops working there too (then run `onepin login --profile {name}`)"
        )
