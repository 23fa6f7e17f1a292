"""Running ``onepin`` with a private HOME: in-process through click's runner, or as a process.

A command runs in-process by default (click's ``CliRunner`` isolation: its own
stdin, stdout, stderr and environment, none of them a terminal, as under pipes).
``process=True`` runs the installed ``onepin`` command instead, for what only a
real process shows (the entry point, a fresh interpreter); a terminal is
``answer`` or ``pexpect.spawn(ONEPIN, ...)`` with ``cli.env``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pexpect
from click.testing import CliRunner

from onepin.cli import main
from onepin.testing import Emulator, RunningEmulator

ONEPIN = str(Path(sys.executable).with_name("onepin"))
INVALID = "Invalid API key. Generate one at https://app.onepin.ai/settings/api-keys"

Result = subprocess.CompletedProcess[str]


def _dropped(name: str) -> bool:
    """Whether a variable of the test run's environment is kept from the command."""
    return name.startswith("ONEPIN_") or name == "NO_COLOR"


class Cli:
    """Runs ``onepin`` with a private HOME against one emulator."""

    def __init__(self, home: Path, server: RunningEmulator) -> None:
        self.home = home
        self.server = server
        self.emulator: Emulator = server.emulator
        self.env = {k: v for k, v in os.environ.items() if not _dropped(k)}
        self.env["HOME"] = str(home)
        # Key management takes a session token (the documented rule); ``no_session`` drops it.
        # A token from the environment goes to the environment's server, never a profile's.
        self.env["ONEPIN_SESSION_TOKEN"] = self.emulator.bootstrap.session_token
        self.env["ONEPIN_BASE_URL"] = server.base_url
        self.env["ONEPIN_PAGER"] = "cat"  # terminal tests read the output directly, unpaged

    no_session: ClassVar[dict[str, str | None]] = {"ONEPIN_SESSION_TOKEN": None}
    """``env=`` for a command that manages keys with the API key alone (no session token).

    In ``env=``, None unsets the variable.
    """

    @property
    def creds(self) -> Path:
        return self.home / ".onepin" / "credentials"

    def __call__(
        self,
        *args: str,
        stdin: str = "",
        env: Mapping[str, str | None] | None = None,
        process: bool = False,
    ) -> Result:
        """``onepin *args`` with ``stdin`` piped in; in-process unless ``process``.

        The command sees exactly ``self.env`` updated by ``env`` (where None
        unsets a variable).
        """
        merged = {k: v for k, v in {**self.env, **(env or {})}.items() if v is not None}
        if process:
            return subprocess.run(
                [ONEPIN, *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=merged,
                timeout=60,
                check=False,
            )
        overrides: dict[str, str | None] = {k: None for k in os.environ}
        overrides.update(merged)
        with CliRunner().isolation(input=stdin, env=overrides) as (stdout, stderr, _):
            try:
                code = main(list(args))
            except SystemExit as exc:  # what the process would have exited with
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            sys.stdout.flush()
            sys.stderr.flush()
            return subprocess.CompletedProcess(
                [ONEPIN, *args],
                code,
                stdout.getvalue().decode("utf-8", "replace"),
                stderr.getvalue().decode("utf-8", "replace"),
            )

    def answer(self, *args: str, question: str, reply: str) -> int:
        """Run ``onepin *args`` on a terminal, ``reply`` to ``question``; the exit status."""
        return self.converse(*args, question=question, reply=reply)[0]

    def converse(self, *args: str, question: str, reply: str) -> tuple[int, str]:
        """Like ``answer``; also what the terminal showed after the question."""
        child = pexpect.spawn(ONEPIN, list(args), env=self.env, encoding="utf-8", timeout=30)
        child.expect_exact(question)
        child.sendline(reply)
        child.expect(pexpect.EOF)
        transcript = child.before or ""
        child.close()
        return int(child.exitstatus), transcript

    def try_login(
        self, key: str | None = None, *args: str, env: Mapping[str, str | None] | None = None
    ) -> Result:
        """``onepin login --key KEY --base-url <emulator> *args`` (the bootstrap key by default)."""
        key = key or self.emulator.bootstrap.api_key
        return self("login", "--key", key, "--base-url", self.server.base_url, *args, env=env)

    def login(self, key: str | None = None, *args: str) -> Result:
        """``try_login``, which must succeed."""
        result = self.try_login(key, *args)
        assert result.returncode == 0, result.stderr
        return result


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
