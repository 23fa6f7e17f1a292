"""Choosing a new key's scopes: ``--scope`` (repeat) or ``--all-scopes``, else asked on a terminal.

The documents advise the fewest scopes a key needs, so a new key never gets
every scope silently: a person at a terminal is asked, a script must say so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin.cli._context import needs_input
from onepin.cli._output import Output

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    import onepin_sync

__all__ = ["ScopeOption", "choose_scopes", "granted", "known_scopes", "scope_options"]

F = TypeVar("F", bound=Callable[..., Any])


def known_scopes() -> list[str]:
    """The scopes this SDK knows, in the documents' order."""
    from onepin._models import Scope

    return [str(scope) for scope in Scope]


def _unknown(scope: str) -> str:
    """Why ``scope`` is refused: the nearest known scope, and all of them."""
    import difflib

    valid = known_scopes()
    close = difflib.get_close_matches(scope, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown scope {scope!r}{hint}; known scopes: {', '.join(valid)}"


def _check(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    valid = set(known_scopes())
    for scope in value:
        if scope not in valid:
            raise click.BadParameter(_unknown(scope))
    return value


class ScopeOption(click.Option):
    """A ``--scope`` option, checked locally (a typo is a usage error, exit 2).

    Its help lists the valid scopes (read only when shown).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("callback", _check)
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The help line, with the scopes appended."""
        record = super().get_help_record(ctx)
        if record is None:
            return None
        return record[0], f"{record[1]} One of: {', '.join(known_scopes())}."

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete a scope name."""
        from click.shell_completion import CompletionItem

        return [CompletionItem(s) for s in known_scopes() if s.startswith(incomplete)]


def scope_options(f: F) -> F:
    """``--scope SCOPE`` (repeat) and ``--all-scopes``, for a new key."""
    f = click.option(
        "--all-scopes",
        is_flag=True,
        help="Grant every scope you have (the API's default; prefer --scope).",
    )(f)
    return click.option(
        "--scope",
        "scopes",
        cls=ScopeOption,
        multiple=True,
        metavar="SCOPE",
        help="Grant SCOPE (repeat).",
    )(f)


def _parse(text: str) -> list[str] | None:
    words = text.replace(",", " ").split()
    if words == ["all"]:
        return None
    valid = known_scopes()
    unknown = [w for w in words if w not in valid]
    if unknown or not words:
        raise click.BadParameter(_unknown(unknown[0]) if unknown else "no scope given")
    return words


def choose_scopes(out: Output, scopes: tuple[str, ...], all_scopes: bool) -> list[str] | None:
    """The scopes to grant (``None``: every scope of the caller)."""
    if scopes and all_scopes:
        raise click.UsageError("--scope and --all-scopes cannot be used together")
    if scopes:
        return list(scopes)
    if all_scopes:
        return None
    if not out.interactive():
        raise click.UsageError(
            "choose the new key's scopes: --scope SCOPE (repeat) or --all-scopes "
            "(every scope you have)"
        )
    needs_input("the new key's scopes (--scope or --all-scopes)")
    out.message("Scopes: " + ", ".join(known_scopes()))
    chosen: list[str] | None = click.prompt(
        "Scopes for the new key (comma-separated, or 'all')", err=True, value_proc=_parse
    )
    return chosen


def granted(client: onepin_sync.OnePinClient, chosen: list[str] | None) -> list[str]:
    """The scopes to send for ``chosen``: ``None`` (``--all-scopes``) is every scope the caller has.

    Sent as a list, never left out (the server would give its default scopes)
    nor ``null`` (no scopes at all).
    """
    return chosen if chosen is not None else list(client.auth.whoami().scopes)
