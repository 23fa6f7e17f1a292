"""The ``onepin`` command line: ``login``, ``logout``, ``whoami`` and ``api-keys``.

Built on click over ``onepin_sync``; the SDK (and httpx) are imported only when
a command talks to the API, so ``onepin --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code (0 ok, 1 error, 2 usage, 130 interrupted)."""
    from onepin.cli._app import run

    code = run(argv)
    if argv is None:
        sys.exit(code)
    return code
