"""The global flags (``Settings``), the credentials they resolve, and the client factory.

The SDK is imported inside the functions that need it, so that importing the
commands (and ``onepin --help``) loads neither httpx nor the client.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin.cli._errors import unreachable
from onepin.cli._output import Output

if TYPE_CHECKING:
    import onepin_sync
    from onepin.credentials import Credentials

__all__ = [
    "Settings",
    "api_client",
    "current_credentials",
    "global_options",
    "open_client",
    "request_log",
    "settings",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """The global flags, wherever on the command line they were given."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    workspace: str | None = None
    json: bool = False
    no_color: bool = False
    verbose: bool = False
    out: Output = field(default_factory=Output)


def settings() -> Settings:
    """The ``Settings`` of the running command line."""
    obj = click.get_current_context().find_root().obj
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


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or value is False:
        return
    root = ctx.find_root()
    current = root.obj
    assert isinstance(current, Settings)
    assert param.name is not None
    if param.name == "verbose" and not current.verbose:
        root.with_resource(request_log())  # removed when the command line ends
    setattr(current, param.name, value)
    current.out.json_mode = current.json
    current.out.no_color = current.no_color


def global_options(f: F) -> F:
    """The flags every command takes, before or after its name; stored on ``Settings``."""
    flags: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("--api-key",), {"metavar": "KEY", "help": "API key (else ONEPIN_API_KEY, else saved)."}),
        (("--base-url",), {"metavar": "URL", "help": "API base URL [https://api.onepin.ai]."}),
        (("--workspace",), {"metavar": "ID", "help": "Send X-Workspace-Id: ID."}),
        (("--json",), {"is_flag": True, "help": "Machine-readable output on stdout."}),
        (("--no-color",), {"is_flag": True, "help": "No colors (also NO_COLOR=1)."}),
        (("-v", "--verbose"), {"is_flag": True, "help": "Log each request to stderr."}),
    ]
    for decls, attrs in reversed(flags):
        f = click.option(*decls, expose_value=False, callback=_store, **attrs)(f)
    return f


def current_credentials() -> Credentials:
    """The key and base URL from the resolution order (flag, environment, file)."""
    from onepin import credentials

    current = settings()
    return credentials.resolve(current.api_key, current.base_url)


@contextlib.contextmanager
def open_client(api_key: str, base_url: str) -> Iterator[onepin_sync.OnePinClient]:
    """A sync client for ``api_key`` at ``base_url``; a server never reached is reported."""
    import onepin_sync
    from onepin import APIConnectionError, APITimeoutError

    try:
        with onepin_sync.OnePinClient(
            api_key, base_url=base_url, workspace_id=settings().workspace
        ) as client:
            yield client
    except APIConnectionError as exc:
        if exc.request_sent or isinstance(exc, APITimeoutError):
            raise
        raise unreachable(base_url) from None


@contextlib.contextmanager
def api_client() -> Iterator[onepin_sync.OnePinClient]:
    """A client with the current credentials."""
    creds = current_credentials()
    with open_client(creds.api_key, creds.base_url) as client:
        yield client
