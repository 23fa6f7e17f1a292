"""Shell completion: ``onepin completion bash|zsh|fish`` and the ``_ONEPIN_COMPLETE`` protocol.

The scripts are click's; they call ``onepin`` back with ``_ONEPIN_COMPLETE``
set, which the runner hands to ``complete()``. KEY arguments complete to the
workspace's key names (see ``_lookup.complete_key``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from onepin.cli._context import Settings

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

__all__ = ["COMPLETE_VAR", "complete", "complete_json_fields", "completion"]

COMPLETE_VAR = "_ONEPIN_COMPLETE"
"""The environment variable of click's completion protocol for ``onepin``."""


@click.command(short_help="Print the shell completion script (bash, zsh or fish).")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; load it from your shell's startup file.

    Commands, flags, scopes and the names of your keys complete.

    \b
    Examples:
      eval "$(onepin completion bash)"                        # in ~/.bashrc
      onepin completion zsh > "${fpath[1]}/_onepin"           # then restart zsh
      onepin completion fish > ~/.config/fish/completions/onepin.fish
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root().command
    shell_class = get_completion_class(shell)
    assert shell_class is not None
    click.echo(shell_class(root, {}, "onepin", COMPLETE_VAR).source(), nl=False)


def complete(cli: click.Command, instruction: str) -> int:
    """Answer the shell's completion request ``instruction`` (e.g. ``bash_complete``)."""
    from click.shell_completion import shell_complete

    return shell_complete(cli, {"obj": Settings()}, "onepin", COMPLETE_VAR, instruction)


def complete_json_fields(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Complete ``--json FIELDS``: the command's fields, after any already given (``id,na``)."""
    from click.shell_completion import CompletionItem

    available = getattr(ctx.command.callback, "json_fields", None)
    if available is None:
        return []
    done, _, partial = incomplete.rpartition(",")
    head = f"{done}," if done else ""
    taken = set(done.split(","))
    return [
        CompletionItem(head + name)
        for name in available()
        if name.startswith(partial) and name not in taken
    ]
