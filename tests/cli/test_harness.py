"""The in-process runner answers as the installed command does: same exit code, same output."""

from __future__ import annotations

import re

import pytest

from tests.cli.harness import Cli

REQUEST_ID = re.compile(r"request_id=[0-9a-f-]{36}")
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def masked(text: str) -> str:
    """``text`` without what differs from one run to the next: request ids and moments.

    (A request has an id of its own, and a call marks its key as used now.)
    """
    return MOMENT.sub("<t>", REQUEST_ID.sub("<id>", text))


def same_but_ids(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same text but for request ids and moments."""
    return masked(a) == masked(b)


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["whoami"],  # not logged in: a message and exit code 1
        ["api-keys", "list", "--status", "bogus"],  # a usage error: exit code 2
    ],
)
def test_in_process_and_process_agree(cli: Cli, args: list[str]) -> None:
    inside = cli(*args)
    outside = cli(*args, process=True)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        outside.returncode,
        outside.stdout,
        outside.stderr,
    )


def test_logged_in_output_agrees(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="piped")
    for args in (["whoami"], ["api-keys", "list"], ["api-keys", "get", "piped", "--json"]):
        inside = cli(*args)
        outside = cli(*args, process=True)
        assert inside.returncode == outside.returncode == 0, outside.stderr
        assert same_but_ids(inside.stdout, outside.stdout), (inside.stdout, outside.stdout)
        assert same_but_ids(inside.stderr, outside.stderr), (inside.stderr, outside.stderr)


def test_the_environment_reaches_the_command(cli: Cli) -> None:
    cli.login()
    env = {"ONEPIN_API_KEY": "op_live_" + "x" * 32}
    inside = cli("whoami", env=env)
    outside = cli("whoami", env=env, process=True)
    assert inside.returncode == outside.returncode == 4  # authentication required
    assert same_but_ids(inside.stderr, outside.stderr), (inside.stderr, outside.stderr)
    assert "ONEPIN_API_KEY" in inside.stderr
