"""The in-process runner answers as the installed command does: same exit code, same output."""

from __future__ import annotations

import re

import pytest

from tests.cli.harness import Cli


def same_but_ids(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same text but for request ids (UUIDs)."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    return uuid.sub("<id>", a) == uuid.sub("<id>", b)


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
        assert inside.stdout == outside.stdout
        assert inside.stderr == outside.stderr


def test_the_environment_reaches_the_command(cli: Cli) -> None:
    cli.login()
    env = {"ONEPIN_API_KEY": "op_live_" + "x" * 32}
    inside = cli("whoami", env=env)
    outside = cli("whoami", env=env, process=True)
    assert inside.returncode == outside.returncode == 1
    assert same_but_ids(inside.stderr, outside.stderr), (inside.stderr, outside.stderr)
    assert "ONEPIN_API_KEY" in inside.stderr
