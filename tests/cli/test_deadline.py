"""``--timeout`` is a deadline for the whole command: a dripping body cannot outlast it."""

from __future__ import annotations

import time

from onepin.testing import Fault
from tests.cli.harness import Cli, assert_no_traceback


def test_timeout_bounds_a_dripping_body(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="slow")
    cli.emulator.inject(Fault.slow_drip(0.25, path=f"/api/v1/api-keys/{key.id}", times=None))
    started = time.monotonic()
    result = cli("api-keys", "get", key.id, "--timeout", "2")
    took = time.monotonic() - started
    assert result.returncode == 1, result.stdout
    assert took < 8, took  # the body alone would take minutes
    assert "did not answer within 2s" in result.stderr
    assert_no_traceback(result)


def test_timeout_bounds_the_whole_command_not_each_call(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="ci")
    cli.emulator.inject(Fault.latency(0.8, times=None))  # each call well within 2 s
    started = time.monotonic()
    # whoami (own key), get, create, whoami (new key), delete: 5 calls, 4 s in all
    result = cli("api-keys", "rotate", key.id, "--overlap", "--timeout", "2")
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert took < 5, took
    assert "did not answer within 2s" in result.stderr
    # the command stopped at its deadline: the last call (the revoke) never left
    assert [r for r in cli.emulator.requests if r.method == "DELETE"] == []
