"""A pager for long terminal output, as gh does: ``ONEPIN_PAGER``, else ``PAGER``, else less.

Only when stdout is a terminal and ``--no-pager`` was not given; an empty
``ONEPIN_PAGER`` (or ``PAGER``) or ``cat`` means no pager. The default is
``less`` with ``LESS=FRX`` unless ``LESS`` is set: it quits at once when the
output fits on one screen, keeps colours and leaves the text on the screen.
The command's data is fetched first; only its rendering goes through the pager,
so a prompt or an error never lands in it. The pager's pipe reports itself as
a terminal, so the output is the one a terminal gets (table, colours).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

__all__ = ["PAGER_ENV", "no_pager_option", "paged"]

PAGER_ENV = "ONEPIN_PAGER"
"""The environment variable naming the pager (before ``PAGER``)."""

F = TypeVar("F", bound=Callable[..., Any])


def no_pager_option(f: F) -> F:
    """``--no-pager``: write to the terminal directly."""
    return click.option(
        "--no-pager",
        is_flag=True,
        help=f"Do not page long output ({PAGER_ENV}, else PAGER, else less -FRX).",
    )(f)


class _PagerPipe(io.TextIOWrapper):
    """The pager's stdin: it shows what it gets on the terminal."""

    def isatty(self) -> bool:
        return True


def _command() -> str:
    for name in (PAGER_ENV, "PAGER"):
        if name in os.environ:
            return os.environ[name].strip()
    return "less"


@contextlib.contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """While open, stdout goes to the pager (when ``enabled`` and stdout is a terminal)."""
    command = _command()
    if not enabled or not sys.stdout.isatty() or command in ("", "cat"):
        yield
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)  # noqa: S602 - the person's own pager command, as PAGER is meant
    except OSError:
        yield
        return
    assert pager.stdin is not None
    stream = _PagerPipe(pager.stdin, encoding="utf-8", errors="replace")
    stdout, sys.stdout = sys.stdout, stream
    try:
        yield
    except BrokenPipeError:
        pass  # the person quit the pager early
    finally:
        sys.stdout = stdout
        with contextlib.suppress(OSError):
            stream.close()
        pager.wait()
