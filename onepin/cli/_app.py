"""The ``onepin`` group, where each command is registered, and the runner that maps failures.

Commands live in their own modules; this module only assembles them and turns
every expected failure into a message (JSON under ``--json``, wherever it was
given) and an exit code.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from onepin._version import __version__
from onepin.cli._accounts import auth
from onepin.cli._api import api
from onepin.cli._api_keys import api_keys
from onepin.cli._audit import audit_keys
from onepin.cli._auth import logout, whoami
from onepin.cli._completion import COMPLETE_VAR, complete, completion
from onepin.cli._context import Settings, global_options, prepare_args
from onepin.cli._errors import describe
from onepin.cli._login import login
from onepin.cli._render import all_fields
from onepin.cli._rotate import rotate_key

__all__ = ["cli", "run"]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Environment: ONEPIN_API_KEY (the key, instead of --api-key), ONEPIN_BASE_URL, "
    "ONEPIN_PROFILE, NO_COLOR. Completion: onepin completion --help.",
)
@click.version_option(__version__, "--version", prog_name="onepin", message="%(prog)s %(version)s")
@global_options
def cli() -> None:
    """OnePin command line: log in and manage the workspace's API keys.

    Results go to stdout, messages and errors to stderr. Exit codes: 0 ok,
    1 failure, 2 usage error or cancelled, 3 audit findings, 4 authentication
    required (no key, or a key the API refuses), 130 interrupted.

    \b
    Examples:
      onepin login
      onepin api-keys list
      onepin api-keys create ci --scope workflows:read
    """  # noqa: D301 - \b keeps click from rewrapping the examples


# Every command is registered here, once. An ``api-keys`` subcommand written in
# its own module is added with ``api_keys.add_command(...)`` after ``rotate``.
cli.add_command(login)
cli.add_command(logout)
cli.add_command(whoami)
cli.add_command(auth)
cli.add_command(api_keys)
cli.add_command(completion)
cli.add_command(api)
api_keys.add_command(rotate_key)
api_keys.add_command(audit_keys)


def run(argv: list[str] | None) -> int:
    """Run ``cli`` and turn every expected failure into a message and an exit code."""
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:
        return complete(cli, instruction)
    settings = Settings()
    out = settings.out
    args, out.json_mode = prepare_args(list(sys.argv[1:] if argv is None else argv), all_fields)
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
    except BrokenPipeError:
        return 1
    except Exception as exc:
        failure = describe(exc)
        if failure is None:
            out.error(f"Unexpected error: {type(exc).__name__}: {exc}", "INTERNAL_ERROR")
            if settings.verbose:
                traceback.print_exc()
            return 1
        out.error(failure.message, failure.code, failure.request_id)
        return failure.exit_code
