"""The global flags: their definitions, their checks, and the ``Settings`` they fill.

Every command takes the flags of the groups it uses, before or after its name:
``COMMON`` (all commands), ``CONNECTION`` (commands that talk to the API) and
``AUTH`` (commands that use the saved or given key; ``WORKSPACE`` is part of it).
Nothing here imports the SDK.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from onepin.cli._output import Output

__all__ = [
    "AUTH",
    "COMMON",
    "CONNECTION",
    "DEFAULT_TIMEOUT",
    "WORKSPACE",
    "Settings",
    "checked_profile",
    "complete_profiles",
    "global_options",
    "needs_input",
    "options",
    "prepare_args",
    "settings",
    "url_problem",
]

F = TypeVar("F", bound=Callable[..., Any])


def complete_profiles(incomplete: str) -> list[str]:
    """The saved profile names starting with ``incomplete`` (shell completion of a profile).

    None when the credentials file cannot be read (or there is no home).
    """
    from onepin._exceptions import OnePinConfigurationError
    from onepin.credentials import credentials_path, list_profiles

    try:
        saved = list_profiles(credentials_path())
    except OnePinConfigurationError:
        return []
    return [name for name, _ in saved if name.startswith(incomplete)]


Flag = tuple[tuple[str, ...], dict[str, Any]]

DEFAULT_TIMEOUT = 15.0
"""Seconds an API call of the CLI may take in all, retries included."""

_FIELD_LIST = re.compile(r"[a-z_]+(,[a-z_]+)*")


@dataclass
class Settings:
    """The global flags, wherever on the command line they were given.

    ``api_key`` is held as a ``Secret`` (set through ``_store``): ``repr``,
    ``vars()`` and ``rich.inspect`` show it masked.
    """

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    workspace: str | None = None
    profile: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    verbose: bool = False
    no_input: bool = False
    out: Output = field(default_factory=Output)


def needs_input(what: str) -> None:
    """Refuse a prompt under ``--no-input``: a usage error (exit 2) that says what was needed."""
    if settings().no_input:
        raise click.UsageError(f"--no-input is set, and {what} would have to be asked for")


def settings(ctx: click.Context | None = None) -> Settings:
    """The ``Settings`` of the running command line (or of ``ctx``)."""
    obj = (ctx or click.get_current_context()).find_root().obj
    assert isinstance(obj, Settings)
    return obj


@contextlib.contextmanager
def request_log() -> Iterator[None]:
    """While open, the SDK's request log (one line per attempt) goes to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("onepin")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def url_problem(text: str) -> str | None:
    """What is wrong with a base URL, never quoting a ``user:password@`` part; else ``None``."""
    from onepin.cli._errors import safe_url

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"{safe_url(text)!r} is not a URL ({exc})"
    if parts.username is not None or parts.password is not None:
        return (
            f"{safe_url(text)!r} holds a user name or password: OnePin authenticates with "
            "the API key only, so give the URL without them"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            f"{safe_url(text)!r} is not an http(s) URL: give one like https://api.onepin.ai "
            "or http://localhost:8000"
        )
    return None


def _base_url(text: str) -> str:
    problem = url_problem(text)
    if problem is not None:
        raise click.BadParameter(problem)
    return text


def checked_profile(text: str) -> str:
    """A profile name given on the command line, checked: a bad one is a usage error."""
    from onepin._exceptions import OnePinConfigurationError
    from onepin.credentials import check_profile

    try:
        return check_profile(text)
    except OnePinConfigurationError as exc:
        raise click.BadParameter(str(exc)) from None


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or value is False:
        return
    current = settings(ctx)
    name = param.name
    if name == "base_url":
        current.base_url = _base_url(value)
    elif name == "api_key":
        from onepin._secret import Secret

        current.api_key = Secret(value)
    elif name == "profile":
        current.profile = checked_profile(value)
    elif name == "timeout":
        if not value > 0:
            raise click.BadParameter("a number of seconds above 0")
        current.timeout = value
    elif name == "json":
        current.out.json_mode = True
        if value:
            current.out.fields = tuple(value.split(","))
    elif name == "no_color":
        current.out.no_color = True
    elif name == "verbose":
        if not current.verbose:
            ctx.find_root().with_resource(request_log())  # removed when the command line ends
        current.verbose = True
    else:
        assert name is not None
        setattr(current, name, value)


def _complete_json(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from onepin.cli._completion import complete_json_fields  # imported late: it imports us

    return complete_json_fields(ctx, param, incomplete)


def _flag(*decls: str, **attrs: Any) -> Flag:
    return decls, attrs


WORKSPACE: tuple[Flag, ...] = (
    _flag("--workspace", metavar="ID", help="Send X-Workspace-Id: ID (the key's workspace)."),
)
AUTH: tuple[Flag, ...] = (
    _flag(
        "--api-key",
        metavar="KEY",
        help="API key for this command. Others can read command lines: prefer "
        "ONEPIN_API_KEY or `onepin login`.",
    ),
    *WORKSPACE,
)
CONNECTION: tuple[Flag, ...] = (
    _flag(
        "--base-url",
        metavar="URL",
        help="API base URL (else ONEPIN_BASE_URL, else the profile's for a saved key, else "
        "https://api.onepin.ai; a key given by flag or ONEPIN_API_KEY never goes to a "
        "profile's URL).",
    ),
    _flag(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="Give up on an API call after SECONDS, retries included "
        f"[default: {DEFAULT_TIMEOUT:g}].",
    ),
    _flag("-v", "--verbose", is_flag=True, help="Log each request to stderr (secrets redacted)."),
)
COMMON: tuple[Flag, ...] = (
    _flag(
        "--profile",
        metavar="NAME",
        help="Use the [NAME] profile of ~/.onepin/credentials (else ONEPIN_PROFILE, else "
        "the one `onepin auth switch` made active, else default).",
        shell_complete=lambda ctx, param, incomplete: complete_profiles(incomplete),
    ),
    _flag(
        "--json",
        is_flag=False,
        flag_value="",
        metavar="[FIELDS]",
        help="JSON on stdout; FIELDS (comma-separated) picks fields, e.g. --json id,name.",
        shell_complete=_complete_json,
    ),
    _flag("--no-color", is_flag=True, help="No colors (also NO_COLOR=1)."),
    _flag(
        "--no-input",
        is_flag=True,
        help="Never prompt: a question that would be needed is a usage error (exit 2).",
    ),
)


def options(*groups: tuple[Flag, ...]) -> Callable[[F], F]:
    """A decorator adding the flags of ``groups``; their values go to ``Settings``."""

    def decorate(f: F) -> F:
        flags = [flag for group in groups for flag in group]
        for decls, attrs in reversed(flags):
            f = click.option(*decls, expose_value=False, callback=_store, **attrs)(f)
        return f

    return decorate


global_options = options(AUTH, CONNECTION, COMMON)
"""Every global flag (the root group and the commands that use them all)."""


def _names_fields(text: str, known: set[str]) -> bool:
    """Whether ``text`` names fields: one of them is a field, or nearly one (a typo)."""
    import difflib

    names = text.split(",")
    return bool(set(names) & known) or any(
        difflib.get_close_matches(name, known, n=1, cutoff=0.75) for name in names
    )


def prepare_args(args: list[str], known_fields: Callable[[], set[str]]) -> tuple[list[str], bool]:
    """Make ``--json`` unambiguous for click, and say whether it was given.

    ``--json id,name`` becomes ``--json=id,name`` when a name in it is a known
    field, or nearly one (``known_fields()``, asked only then; the command
    checks them all and lists its fields for a typo);
    a bare ``--json`` becomes ``--json=`` so that it never takes the next argument.
    """
    out: list[str] = []
    wanted = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            return [*out, arg, *args[i:]], wanted
        if arg.startswith("--json="):
            wanted = True
        elif arg == "--json":
            wanted = True
            following = args[i] if i < len(args) else ""
            arg = "--json="
            if _FIELD_LIST.fullmatch(following) and _names_fields(following, known_fields()):
                arg += following
                i += 1
        out.append(arg)
    return out, wanted
