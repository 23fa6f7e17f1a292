"""Who manages keys: a session token (the documented rule) or, where allowed, the CLI's API key.

The ``/api/v1/api-keys`` endpoints take a browser-session token; a server may
refuse an API key there (403 ``SESSION_TOKEN_REQUIRED``). The ``api-keys``
commands therefore call them with ``ONEPIN_SESSION_TOKEN`` or the token that
``--session-token`` reads from stdin or a hidden prompt (never from the
command line, which others can read), else with the CLI's API key. The API key
the CLI runs with (``--api-key``, ``ONEPIN_API_KEY``, the profile) stays the
"own key" that the guards protect, whichever token makes the calls.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from onepin.cli._client import current_credentials, open_client, session_credentials
from onepin.cli._context import settings
from onepin.cli._errors import EXIT_AUTH, CliError

if TYPE_CHECKING:
    import onepin_sync
    from onepin.credentials import Credentials

__all__ = [
    "SESSION_TOKEN_ENV",
    "KeyCalls",
    "Manager",
    "key_calls",
    "manager",
    "session_option",
]

SESSION_TOKEN_ENV = "ONEPIN_SESSION_TOKEN"  # noqa: S105 - a variable's name, not a secret
"""The environment variable holding a session token for key management."""

SIGN_IN = "https://app.onepin.ai"
_ASKED = "onepin.session_token_flag"
_MANAGER = "onepin.manager"


def _flagged(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta[_ASKED] = True


session_option = click.option(
    "--session-token",
    is_flag=True,
    expose_value=False,
    callback=_flagged,
    help=f"Manage keys with a session token read from stdin (else a hidden prompt); "
    f"or set {SESSION_TOKEN_ENV}. Needed where API keys may not manage keys.",
)
"""``--session-token``: a flag, so the token itself never appears on the command line."""


def needs_session(base_url: str) -> str:
    """What to do when ``base_url`` refuses to let an API key manage keys."""
    return (
        f"{base_url} lets only a session token manage API keys, and this command used an "
        f"API key (SESSION_TOKEN_REQUIRED). Sign in at {SIGN_IN}, then give the session "
        f"token with --session-token (read from stdin or a prompt) or {SESSION_TOKEN_ENV}"
    )


@dataclass(frozen=True)
class Manager:
    """The credentials a command manages keys with, and the API key the CLI itself runs with.

    ``creds``: for the ``/api-keys`` calls (a session token, or the own key);
    ``own``: the CLI's API key, or ``None`` when only a session token is given;
    ``session_from``: where the session token came from (``None``: none is used).
    Both ``Credentials`` hide their token in ``repr()``.
    """

    creds: Credentials
    own: Credentials | None
    session_from: str | None


def _read_token() -> tuple[str, str] | None:
    """The session token and where it came from, or ``None``."""
    root = click.get_current_context().find_root()
    if root.meta.get(_ASKED) and not root.resilient_parsing:  # never read stdin to complete
        if sys.stdin.isatty():
            text = click.prompt("OnePin session token", hide_input=True, err=True, default="")
        else:
            text = sys.stdin.readline()
        if not text.strip():
            raise CliError(
                "No session token given (--session-token reads it from stdin or a prompt)",
                code="NO_SESSION_TOKEN",
                exit_code=EXIT_AUTH,
            )
        return text.strip(), "--session-token"
    text = os.environ.get(SESSION_TOKEN_ENV, "").strip()
    return (text, SESSION_TOKEN_ENV) if text else None


def _own_credentials() -> Credentials | None:
    """The key the CLI would use on its own, which the own-key guard protects; if any.

    Managing keys with a session token needs none: no key saved, or no home
    directory, only means there is no own key to guard. (A credentials file
    that cannot be read is still an error: it is left to be fixed.)
    """
    from onepin._profiles import NoHomeError
    from onepin.credentials import NoCredentialsError

    try:
        return current_credentials()
    except (NoCredentialsError, NoHomeError):
        return None


def manager() -> Manager:
    """The running command's ``Manager``, resolved once (the token is read once)."""
    meta = click.get_current_context().find_root().meta
    found = meta.get(_MANAGER)
    if isinstance(found, Manager):
        return found
    session = _read_token()
    if session is None:
        creds = current_credentials()
        result = Manager(creds, creds, None)
    else:
        result = Manager(session_credentials(session[0]), _own_credentials(), session[1])
    del session  # no local of ours keeps the token past here
    meta[_MANAGER] = result
    return result


@dataclass
class KeyCalls:
    """An open client for the ``/api-keys`` calls, and the id of the CLI's own key."""

    client: onepin_sync.OnePinClient
    manager: Manager
    _own_id: list[str | None] = field(default_factory=list, repr=False)

    @property
    def names_cache(self) -> Path | None:
        """The file of the short-lived key-name cache for this server (see ``_namecache``)."""
        return names_cache(self.manager)

    def own_key_id(self) -> str | None:
        """The id of the API key the CLI runs with (asked once), ``None`` when there is none.

        With a session token the own key is asked separately; a key the server
        refuses (revoked, unknown) is no key in use.
        """
        if not self._own_id:
            self._own_id.append(self._ask_own_id())
        return self._own_id[0]

    def _ask_own_id(self) -> str | None:
        from onepin import AuthenticationError

        own = self.manager.own
        if own is None:
            return None
        if self.manager.session_from is None:
            return self.client.auth.whoami().api_key_id
        with open_client(own) as client:
            try:
                return client.auth.whoami().api_key_id
            except AuthenticationError:
                return None


def names_cache(found: Manager) -> Path | None:
    """The key-name cache file for ``found``'s server, workspace and profile."""
    from onepin.cli._namecache import cache_file

    return cache_file(found.creds.base_url, settings().workspace, found.creds.profile)


@contextlib.contextmanager
def key_calls(*, writes: bool = False) -> Iterator[KeyCalls]:
    """A ``KeyCalls`` for this command; a refused token gets advice for where it came from.

    ``writes``: the command changes keys, so the cached key names are dropped.
    """
    from onepin import AuthenticationError, SessionRequiredError
    from onepin.cli._namecache import drop

    found = manager()
    if writes:
        drop(names_cache(found))
    with open_client(found.creds) as client:
        try:
            yield KeyCalls(client, found)
        except SessionRequiredError as exc:
            raise CliError(
                needs_session(found.creds.base_url),
                code=exc.code or SessionRequiredError.CODE,
                request_id=exc.request_id,
                exit_code=EXIT_AUTH,
            ) from None
        except AuthenticationError as exc:
            if found.session_from is None:
                raise
            raise CliError(
                f"{exc}; the session token comes from {found.session_from}: sign in at "
                f"{SIGN_IN} again and give a fresh one",
                code=exc.code or "INVALID_SESSION_TOKEN",
                request_id=exc.request_id,
                exit_code=EXIT_AUTH,
            ) from None
