"""The credentials a command runs with, and the one place that opens a client for it.

``open_client`` gives the SDK's sync client a short connect timeout and a
deadline per call (``--timeout``), shows a status line while a request is slow,
and reports what only it knows: which URL could not be reached, and how to fix
a key that the API refuses, depending on where that key came from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from onepin._constants import KEY_PREFIX
from onepin.cli._context import settings, url_problem
from onepin.cli._errors import EXIT_AUTH, CliError, safe_url, unreachable

if TYPE_CHECKING:
    import onepin_sync
    from onepin.credentials import Credentials

__all__ = [
    "api_client",
    "check_environment",
    "current_credentials",
    "key_fix",
    "key_problem",
    "login_command",
    "open_client",
    "session_credentials",
    "with_key",
]

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a connection, within ``--timeout``."""

_KEY = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9]{32}")


def key_problem(key: str) -> str | None:
    """What is wrong with the form of an API key (``op_live_`` + 32 base62), or ``None``."""
    if not key.startswith(KEY_PREFIX):
        return f"Key must start with {KEY_PREFIX}"
    if not _KEY.fullmatch(key):
        rest = key[len(KEY_PREFIX) :]
        return (
            f"Key must be {KEY_PREFIX} followed by 32 letters and digits "
            f"(this one has {len(rest)} characters after {KEY_PREFIX}"
            + ("" if rest.isascii() and rest.isalnum() else ", some of them not letters or digits")
            + ")"
        )
    return None


def login_command(profile: str) -> str:
    """``onepin login``, naming ``profile`` unless it is the default one."""
    from onepin.credentials import PROFILE

    return "onepin login" if profile == PROFILE else f"onepin login --profile {profile}"


def key_fix(creds: Credentials) -> str:
    """How to fix the key of ``creds``, by where it came from."""
    from onepin.credentials import API_KEY_ENV, display_path

    if creds.api_key_source == "env":
        return f"the key comes from {API_KEY_ENV}: fix or unset {API_KEY_ENV}"
    if creds.api_key_source == "explicit":
        return "the key comes from --api-key: check it"
    return (
        f"the key comes from {display_path(creds.path)}: run `{login_command(creds.profile)}` "
        "with a valid key (generate one at https://app.onepin.ai/settings/api-keys)"
    )


def check_environment() -> None:
    """``ONEPIN_BASE_URL`` and ``ONEPIN_PROFILE``, checked: a bad one is a usage error naming it."""
    import os

    import click

    from onepin._exceptions import OnePinConfigurationError
    from onepin.credentials import BASE_URL_ENV, PROFILE_ENV, check_profile

    url = os.environ.get(BASE_URL_ENV)
    problem = url_problem(url) if url else None
    if problem is not None:
        raise click.UsageError(f"{BASE_URL_ENV}: {problem}")
    profile = os.environ.get(PROFILE_ENV)
    if profile and settings().profile is None:
        try:
            check_profile(profile)
        except OnePinConfigurationError as exc:
            raise click.UsageError(f"{PROFILE_ENV}: {exc}") from None


def current_credentials() -> Credentials:
    """The key and base URL from the resolution order; a malformed key fails here."""
    from onepin import credentials

    check_environment()
    current = settings()
    creds = credentials.resolve(current.api_key, current.base_url, profile=current.profile)
    bad_url = url_problem(creds.base_url) if creds.base_url_source == "file" else None
    if bad_url is not None:
        from onepin.credentials import display_path

        raise CliError(f"The base_url saved in {display_path(creds.path)}: {bad_url}")
    problem = key_problem(creds.api_key)
    if problem is not None:
        message = f"Not a OnePin API key ({problem}); {key_fix(creds)}"
        raise CliError(message, code="BAD_KEY_FORMAT")
    return creds


def session_credentials(token: str) -> Credentials:
    """Credentials for a browser-session token (``--session-token``, ``ONEPIN_SESSION_TOKEN``).

    Its server is ``--base-url``, else ``ONEPIN_BASE_URL``, else the default
    URL: never a profile's saved URL (the token did not come from the file),
    and no file or home directory is needed. The token is held masked.
    """
    from onepin import credentials

    check_environment()
    current = settings()
    return credentials.resolve(token, current.base_url, profile=current.profile)


def with_key(creds: Credentials, api_key: str) -> Credentials:
    """``creds`` with another key, given explicitly (a new or rotated one)."""
    return dataclasses.replace(creds, api_key=api_key, api_key_source="explicit")


@contextlib.contextmanager
def open_client(
    creds: Credentials, *, refused: str | None = None
) -> Iterator[onepin_sync.OnePinClient]:
    """A sync client for ``creds``; failures only the caller's context explains are reported.

    A 401 names the server and the fix for the key's source (exit 4), or is
    ``refused`` when given: ``login`` reports the documented message instead.
    A 403 always shows the server's reason. No message shows a
    ``user:password@`` part of the URL.
    """
    import httpx

    import onepin_sync
    from onepin import (
        APIConnectionError,
        APITimeoutError,
        AuthenticationError,
        PermissionDeniedError,
    )
    from onepin._transport import Transport
    from onepin.cli._deadline import CommandTimeout, command_clock

    current = settings()
    timeout = current.timeout
    shown = safe_url(creds.base_url)
    clock = command_clock(timeout)  # one deadline for all the command's calls
    url = httpx.URL(creds.base_url)
    transport = Transport(https=url.scheme == "https")  # socket reads bounded by the deadline
    status = current.out.status_line(f"Waiting for {url.host}")
    hooks = {
        "request": [clock.check, lambda _: status.begin()],
        "response": [lambda _: status.end()],
    }
    try:
        with (
            httpx.Client(event_hooks=hooks, transport=transport) as http,
            onepin_sync.OnePinClient(
                creds.api_key,
                base_url=creds.base_url,
                workspace_id=current.workspace,
                timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
                deadline=max(clock.remaining(), 0.001),
                http_client=http,
            ) as client,
        ):
            yield client
    except CommandTimeout:
        message = f"{shown} did not answer within {timeout:g}s (--timeout)."
        raise CliError(message, code="TIMEOUT") from None
    except APITimeoutError as exc:
        unknown = " It may or may not have been applied." if exc.outcome_unknown else ""
        message = f"{shown} did not answer within {timeout:g}s (--timeout).{unknown}"
        raise CliError(message, code="TIMEOUT") from None
    except APIConnectionError as exc:
        if exc.request_sent:
            raise
        raise unreachable(creds.base_url) from None
    except AuthenticationError as exc:
        if refused is not None:
            raise CliError(refused, code="INVALID_API_KEY") from None
        code = exc.code or "INVALID_API_KEY"
        message = f"{exc} (server {shown}); {key_fix(creds)}"
        raise CliError(message, code=code, exit_code=EXIT_AUTH, request_id=exc.request_id) from None
    except PermissionDeniedError as exc:
        if refused is None:
            raise
        message = f"{exc} (server {shown})"
        code = exc.code or "PERMISSION_DENIED"
        raise CliError(message, code=code, exit_code=EXIT_AUTH, request_id=exc.request_id) from None
    finally:
        status.close()


@contextlib.contextmanager
def api_client() -> Iterator[onepin_sync.OnePinClient]:
    """A client with the current credentials."""
    with open_client(current_credentials()) as client:
        yield client
