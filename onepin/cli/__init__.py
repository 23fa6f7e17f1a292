"""The ``onepin`` command line: ``login``, ``logout``, ``whoami`` and ``api-keys``.

Built on click over ``onepin_sync``; the SDK (and httpx) are imported only when
a command talks to the API, so ``onepin --help`` and ``--version`` stay fast.
It comes with the ``cli`` extra (``pip install 'onepin[cli]'``): without it,
the command says so.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_EXTRA = ("click", "rich")
_NO_EXTRA = (
    "onepin: the command-line tool needs the 'cli' extra (click and rich): "
    "pip install 'onepin[cli]'"
)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code (0 ok, 1 error, 2 usage, 130 interrupted).

    Without the ``cli`` extra installed it says how to install it, exit code 1.
    """
    # httpx imports its own command line whenever click, rich and pygments are
    # installed, as they are beside this one: about 50 ms of every command's start
    # for a module it never uses. A None entry makes that import fail, and httpx
    # falls back to its stub (no effect once httpx is loaded).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    try:
        from onepin.cli._app import run
    except ModuleNotFoundError as exc:
        if exc.name not in _EXTRA:
            raise
        code = _no_extra()
    else:
        code = run(argv) if _rich_installed() else _no_extra()
    if argv is None:
        sys.exit(code)
    return code


def _rich_installed() -> bool:
    """Whether rich is there too (it is imported only when a table is drawn)."""
    from importlib.util import find_spec

    return find_spec("rich") is not None


def _no_extra() -> int:
    print(_NO_EXTRA, file=sys.stderr)
    return 1
