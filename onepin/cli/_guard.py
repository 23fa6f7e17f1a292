"""Before a key is disabled: is it the one in use, does the person agree, what breaks after."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from onepin.cli._client import key_fix
from onepin.cli._errors import CliError

if TYPE_CHECKING:
    from onepin._models import ApiKey
    from onepin.cli._manage import KeyCalls
    from onepin.credentials import Credentials

__all__ = ["confirm", "gone_credentials_note", "guard_own_key", "is_key_in_use"]


def is_key_in_use(calls: KeyCalls, target: ApiKey) -> bool:
    """Whether ``target`` is the API key this command runs with (whoever makes the calls)."""
    return calls.own_key_id() == target.id


def guard_own_key(calls: KeyCalls, target: ApiKey, force: bool, verb: str) -> bool:
    """Refuse to ``verb`` the key this command runs with, unless ``force``; say if it is."""
    in_use = is_key_in_use(calls, target)
    if in_use and not force:
        raise CliError(
            f'"{target.name}" is the key this command is using; pass --force to {verb} it anyway',
            code="KEY_IN_USE",
        )
    return in_use


def confirm(question: str, yes: bool, verb: str) -> None:
    """Ask ``question`` on a terminal unless ``yes``; when piped, ``--yes`` is required."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"refusing to {verb} without confirmation: pass --yes")
    if not click.confirm(question, err=True):
        raise CliError(f"Cancelled; nothing was {verb}d.", code="CANCELLED")


def gone_credentials_note(creds: Credentials) -> str:
    """What to do once the key of ``creds`` is revoked."""
    return f"The key this command used is revoked now and no longer works; {key_fix(creds)}"
