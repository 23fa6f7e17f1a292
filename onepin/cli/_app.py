"""The commands. The SDK is imported inside them, never at module import."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin._constants import DEFAULT_BASE_URL, KEY_PREFIX
from onepin._version import __version__
from onepin.cli._output import Output

if TYPE_CHECKING:
    import onepin_sync
    from onepin._models import ApiKey, CreatedApiKey, WhoAmI
    from onepin.credentials import Credentials

__all__ = ["cli", "run"]

F = TypeVar("F", bound=Callable[..., Any])

INVALID_KEY = "Invalid API key. Generate one at https://app.onepin.ai/settings/api-keys"


class CliError(Exception):
    """An expected failure: its message is printed as is, with ``exit_code``."""

    def __init__(self, message: str, *, code: str = "ERROR", exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.exit_code = exit_code


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
    target: str | None = None  # the base URL in use, for "Cannot reach" messages
    log_handler: logging.Handler | None = None


def _settings() -> Settings:
    obj = click.get_current_context().find_root().obj
    assert isinstance(obj, Settings)
    return obj


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or value is False:
        return
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    assert param.name is not None
    setattr(settings, param.name, value)
    settings.out.json_mode = settings.json
    settings.out.no_color = settings.no_color


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


# -- plumbing -----------------------------------------------------------------------


@contextlib.contextmanager
def _client(
    api_key: str | None = None, base_url: str | None = None
) -> Iterator[onepin_sync.OnePinClient]:
    """A sync client from the resolution order (or from ``api_key``/``base_url`` given)."""
    import onepin_sync

    if api_key is None:
        creds = _credentials()
        key, url = creds.api_key, base_url or creds.base_url
    else:
        key, url = api_key, base_url or DEFAULT_BASE_URL
    settings = _settings()
    settings.target = url
    if settings.verbose and settings.log_handler is None:
        settings.log_handler = logging.StreamHandler(sys.stderr)
        settings.log_handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("onepin")
        logger.addHandler(settings.log_handler)
        logger.setLevel(logging.DEBUG)
    with onepin_sync.OnePinClient(key, base_url=url, workspace_id=settings.workspace) as client:
        yield client


def _credentials() -> Credentials:
    from onepin import credentials

    settings = _settings()
    return credentials.resolve(settings.api_key, settings.base_url)


def _to_builtins(obj: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(obj)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or "-"
    if hasattr(value, "isoformat"):
        return str(value.isoformat(timespec="seconds")).replace("+00:00", "Z")
    return str(value)


def _status(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return "revoked"
    return "active" if key.active else "inactive"


def _show_key(key: ApiKey) -> None:
    out = _settings().out
    if out.json_mode:
        out.json(_to_builtins(key))
        return
    fields = [
        ("ID", key.id),
        ("Name", key.name),
        ("Preview", key.preview),
        ("Status", _status(key)),
        ("Scopes", key.scopes),
        ("Rate limit", f"{key.rate_limit_per_min}/min" if key.rate_limit_per_min else "unlimited"),
        ("Workspace", key.workspace_id),
        ("Created", key.created_at),
        ("Updated", key.updated_at),
        ("Last used", key.last_used_at),
        ("Revoked", key.revoked_at),
    ]
    width = max(len(name) for name, _ in fields) + 1
    for name, value in fields:
        out.result(f"{(name + ':').ljust(width)} {_fmt(value)}")


def _show_secret(key: CreatedApiKey, action: str, saved_to: str | None = None) -> None:
    out = _settings().out
    if out.json_mode:
        out.json(_to_builtins(key))
        return
    out.success(f'{action} API key "{key.name}" ({key.id})')
    out.result(f"API key: {key.api_key}")
    if saved_to is None:
        out.warning("Save this key now: it cannot be shown again.")
    else:
        out.success(f"Saved the new key to {saved_to}")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _find_key(client: onepin_sync.OnePinClient, ref: str) -> ApiKey:
    """A key by id, or by its unique name (active keys first, then revoked ones)."""
    if _is_uuid(ref):
        return client.api_keys.get(ref)
    for status in ("active", "all"):
        matches = [k for k in client.api_keys.list(status=status) if k.name == ref]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            listing = "\n".join(
                f"  {k.id}  {k.preview or '-'}  {_status(k)}  created {_fmt(k.created_at)}"
                for k in matches
            )
            raise CliError(
                f'The name "{ref}" matches {len(matches)} keys; name one by id:\n{listing}',
                code="AMBIGUOUS_NAME",
            )
    raise CliError(f'No API key with id or name "{ref}"', code="NOT_FOUND")


def _whoami_lines(me: WhoAmI) -> None:
    out = _settings().out
    out.result(f"User: {_fmt(me.email)}")
    out.result(f"User ID: {me.user_id}")
    out.result(f"Workspace: {_fmt(me.workspace_id)}")
    out.result(f"Key name: {_fmt(me.key_name)}")
    out.result(f"Scopes: {_fmt(me.scopes)}")


# -- the commands ----------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="onepin", message="%(prog)s %(version)s")
@global_options
def cli() -> None:
    """OnePin command line: log in and manage the workspace's API keys.

    Results go to stdout, messages and errors to stderr. Exit codes: 0 ok,
    1 API or runtime error, 2 usage error, 130 interrupted.
    """


@cli.command()
@click.option(
    "--key", metavar="KEY", help="The API key (else a hidden prompt, or stdin when piped)."
)
@global_options
def login(key: str | None) -> None:
    """Check an API key with the API and save it to ~/.onepin/credentials."""
    from onepin import APIConnectionError, AuthenticationError, PermissionDeniedError
    from onepin.credentials import BASE_URL_ENV, display_path, save_profile

    settings = _settings()
    out = settings.out
    key = key or settings.api_key
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
    base_url = settings.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        with _client(key, base_url) as client:
            me = client.auth.whoami()
    except (AuthenticationError, PermissionDeniedError):
        raise CliError(INVALID_KEY, code="INVALID_API_KEY") from None
    except APIConnectionError:
        raise CliError(
            f"Cannot reach {base_url} — check your connection", code="UNREACHABLE"
        ) from None
    path = save_profile(key, base_url)
    if out.json_mode:
        out.json(
            {
                "user_id": me.user_id,
                "workspace_id": me.workspace_id,
                "scopes": list(me.scopes),
                "key_name": me.key_name,
            }
        )
        return
    out.success("Logged in.")
    out.result(f"Workspace: {_fmt(me.workspace_id)}")
    out.result(f"Scopes: {_fmt(me.scopes)}")
    out.result(f"Saved to: {display_path(path)}")


@cli.command()
@global_options
def logout() -> None:
    """Remove the saved credentials (the key itself is not revoked)."""
    from onepin.credentials import credentials_path, display_path, remove_profile

    out = _settings().out
    path = credentials_path()
    removed = remove_profile(path)
    if out.json_mode:
        out.json({"removed": removed, "path": str(path)})
    elif removed:
        out.success(f"Credentials removed from {display_path(path)}")
    else:
        out.message(f"No saved credentials in {display_path(path)}")


@cli.command()
@global_options
def whoami() -> None:
    """Show who the current credentials belong to (changes nothing)."""
    from onepin.credentials import API_KEY_ENV, display_path, load_profile

    settings = _settings()
    out = settings.out
    creds = _credentials()
    with _client() as client:
        me = client.auth.whoami()
    if out.json_mode:
        out.json(
            {
                "user_id": me.user_id,
                "workspace_id": me.workspace_id,
                "key_name": me.key_name,
                "scopes": list(me.scopes),
            }
        )
        return
    _whoami_lines(me)
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


@cli.group("api-keys")
@global_options
def api_keys() -> None:
    """List, create, show, update, revoke and rotate API keys (KEY: an id or a unique name)."""


@api_keys.command("list")
@click.option(
    "--status",
    type=click.Choice(["active", "revoked", "all"]),
    default="active",
    show_default=True,
    help="Which keys.",
)
@click.option("--search", metavar="TEXT", help="Only keys whose name contains TEXT (any case).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most N keys [default: 50]."
)
@click.option("--all", "all_", is_flag=True, help="Every key, page after page.")
@global_options
def list_keys(status: str, search: str | None, limit: int | None, all_: bool) -> None:
    """List keys, newest last."""
    if all_ and limit is not None:
        raise click.UsageError("--limit and --all cannot be used together")
    out = _settings().out
    wanted = None if all_ else (limit or 50)
    needle = search.casefold() if search else None
    keys: list[ApiKey] = []
    page_size = 100 if wanted is None or needle else min(wanted, 100)
    with _client() as client:
        stream = client.api_keys.list(status=status, page_size=page_size)
        seen = 0
        for key in stream:
            seen += 1
            if all_ and seen % page_size == 0:
                out.progress(seen, stream.total)
            if needle is not None and needle not in key.name.casefold():
                continue
            keys.append(key)
            if wanted is not None and len(keys) >= wanted:
                break
        if all_:
            out.progress_done()
    if out.json_mode:
        out.json([_to_builtins(k) for k in keys])
        return
    headers = ["ID", "NAME", "PREVIEW", "STATUS", "SCOPES", "RATE LIMIT", "LAST USED", "CREATED"]
    rows = [
        [
            k.id,
            k.name,
            k.preview or "-",
            _status(k),
            _fmt(k.scopes),
            str(k.rate_limit_per_min) if k.rate_limit_per_min else "-",
            _fmt(k.last_used_at),
            _fmt(k.created_at),
        ]
        for k in keys
    ]
    out.table(headers, rows)
    if not keys:
        out.message("No API keys match.")


@api_keys.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    help="Grant SCOPE (repeat). Default: your own scopes.",
)
@click.option("--rate-limit", type=click.IntRange(min=1), default=None, help="Requests per minute.")
@global_options
def create_key(name: str, scopes: tuple[str, ...], rate_limit: int | None) -> None:
    """Create a key named NAME and print its secret, once."""
    with _client() as client:
        created = client.api_keys.create(
            name=name, scopes=list(scopes) if scopes else None, rate_limit_per_min=rate_limit
        )
    _show_secret(created, "Created")


@api_keys.command("get")
@click.argument("key")
@global_options
def get_key(key: str) -> None:
    """Show one key."""
    with _client() as client:
        _show_key(_find_key(client, key))


def _rate_limit(value: str | None) -> int | None:
    if value is None or value.lower() in ("none", "unlimited"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise click.BadParameter("a positive whole number, or 'none'") from None
    if number < 1:
        raise click.BadParameter("a positive whole number, or 'none'")
    return number


@api_keys.command("update")
@click.argument("key")
@click.option("--name", metavar="NAME", help="New name.")
@click.option(
    "--scope", "scopes", multiple=True, metavar="SCOPE", help="Replace the scopes (repeat)."
)
@click.option(
    "--rate-limit", metavar="N|none", help="Requests per minute, or 'none' to remove the limit."
)
@click.option("--activate/--deactivate", "active", default=None, help="Enable or disable the key.")
@global_options
def update_key(
    key: str, name: str | None, scopes: tuple[str, ...], rate_limit: str | None, active: bool | None
) -> None:
    """Change a key's name, scopes, rate limit or state."""
    from onepin import NOT_GIVEN

    limit = _rate_limit(rate_limit) if rate_limit is not None else NOT_GIVEN
    if name is None and not scopes and rate_limit is None and active is None:
        raise click.UsageError(
            "nothing to change: give --name, --scope, --rate-limit or --activate/--deactivate"
        )
    with _client() as client:
        target = _find_key(client, key)
        updated = client.api_keys.update(
            target.id,
            name=name if name is not None else NOT_GIVEN,
            scopes=list(scopes) if scopes else NOT_GIVEN,
            rate_limit_per_min=limit,
            active=active if active is not None else NOT_GIVEN,
        )
    _show_key(updated)


def _guard_own_key(
    client: onepin_sync.OnePinClient, target: ApiKey, force: bool, verb: str
) -> None:
    me = client.auth.whoami()
    if me.api_key_id == target.id and not force:
        raise CliError(
            f'"{target.name}" is the key this command is using; pass --force to {verb} it anyway',
            code="KEY_IN_USE",
        )


@api_keys.command("delete")
@click.argument("key")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Allow revoking the key the CLI itself is using.")
@global_options
def delete_key(key: str, yes: bool, force: bool) -> None:
    """Revoke a key (it stops working at once; the row is kept)."""
    out = _settings().out
    with _client() as client:
        target = _find_key(client, key)
        _guard_own_key(client, target, force, "revoke")
        if not yes:
            if not sys.stdin.isatty():
                raise click.UsageError("refusing to revoke without confirmation: pass --yes")
            if not click.confirm(f'Revoke API key "{target.name}" ({target.id})?', err=True):
                raise CliError("Cancelled; nothing was revoked.", code="CANCELLED")
        revoked = client.api_keys.delete(target.id)
    if out.json_mode:
        out.json(_to_builtins(revoked))
    else:
        out.success(f'Revoked API key "{revoked.name}" ({revoked.id})')


@api_keys.command("rotate")
@click.argument("key")
@click.option("--save", is_flag=True, help="Check the new key, then replace the saved one with it.")
@click.option("--force", is_flag=True, help="Allow rotating the key the CLI itself is using.")
@global_options
def rotate_key(key: str, save: bool, force: bool) -> None:
    """Revoke a key and create its successor (same name, scopes, limit); print the new secret."""
    from onepin.credentials import display_path, load_profile, save_profile

    creds = _credentials()
    with _client() as client:
        target = _find_key(client, key)
        if save:
            saved = load_profile(creds.path)
            saved_id = None
            if saved.get("api_key"):
                with _client(
                    saved["api_key"], saved.get("base_url", creds.base_url)
                ) as saved_client:
                    saved_id = saved_client.auth.whoami().api_key_id
            if saved_id != target.id:
                raise CliError(
                    f'--save: "{target.name}" is not the key saved in {display_path(creds.path)}',
                    code="NOT_SAVED_KEY",
                )
        else:
            _guard_own_key(client, target, force, "rotate")
        rotated = client.api_keys.rotate(target.id)
    new = rotated.new_key
    if save:
        try:
            base_url = load_profile(creds.path).get("base_url", creds.base_url)
            with _client(new.api_key, base_url) as check:
                check.auth.whoami()
            save_profile(new.api_key, base_url, creds.path)
        except BaseException:
            # The old key is revoked already: never lose the only copy of the new one.
            _show_secret(new, "Rotated (not saved); new")
            raise
    _show_secret(new, "Rotated; new", display_path(creds.path) if save else None)


# -- running ---------------------------------------------------------------------------


def _describe(exc: Exception, settings: Settings) -> tuple[str, str, str | None]:
    """(message, code, request_id) for an SDK error."""
    from onepin import (
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        OnePinConfigurationError,
        RateLimitError,
    )

    if isinstance(exc, OnePinConfigurationError):
        return str(exc), "CONFIGURATION_ERROR", None
    if isinstance(exc, APITimeoutError):
        return str(exc), "TIMEOUT", None
    if isinstance(exc, APIConnectionError):
        if not exc.request_sent:
            target = settings.target or settings.base_url or DEFAULT_BASE_URL
            return f"Cannot reach {target} — check your connection", "UNREACHABLE", None
        return str(exc), "CONNECTION_ERROR", None
    if isinstance(exc, RateLimitError):
        wait = exc.retry_after
        hint = f"; retry in {wait:g}s" if wait is not None else ""
        return f"Rate limited{hint} ({exc.message})", exc.code or "RATE_LIMITED", exc.request_id
    if isinstance(exc, AuthenticationError):
        hint = "; run `onepin login` with a valid key (generate one at https://app.onepin.ai/settings/api-keys)"
        return str(exc) + hint, exc.code or "INVALID_API_KEY", exc.request_id
    if isinstance(exc, APIStatusError):
        return str(exc), exc.code or f"HTTP_{exc.status_code}", exc.request_id
    if isinstance(exc, APIResponseValidationError):
        return str(exc), "BAD_RESPONSE", exc.request_id
    return str(exc), "ERROR", None


def run(argv: list[str] | None) -> int:
    """Run ``cli`` and turn every expected failure into a message and an exit code."""
    settings = Settings()
    out = settings.out
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context("onepin", args, obj=settings) as ctx:
            cli.invoke(ctx)
        return 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        out.message("")
        return 130
    except KeyboardInterrupt:
        out.message("Interrupted.")
        return 130
    except click.ClickException as exc:
        if out.json_mode:
            out.error(exc.format_message(), "USAGE_ERROR")
        else:
            exc.show()
        return exc.exit_code
    except CliError as exc:
        out.error(exc.message, exc.code)
        return exc.exit_code
    except BrokenPipeError:
        return 1
    except Exception as exc:
        from onepin import OnePinError

        if isinstance(exc, OnePinError):
            message, code, request_id = _describe(exc, settings)
            out.error(message, code, request_id)
            return 1
        if isinstance(exc, OSError):
            out.error(f"{exc.strerror or exc}", "OS_ERROR")
            return 1
        out.error(f"Unexpected error: {type(exc).__name__}: {exc}", "INTERNAL_ERROR")
        if settings.verbose:
            traceback.print_exc()
        return 1
    finally:
        if settings.log_handler is not None:
            logging.getLogger("onepin").removeHandler(settings.log_handler)
