"""Long output on a terminal goes through a pager; never when piped or with --no-pager."""

from __future__ import annotations

import pexpect

from tests.cli.harness import ONEPIN, Cli
from tests.cli.test_output import ANSI

PAGER = "sed s/^/PAGED:/"


def _terminal(cli: Cli, *args: str, env: dict[str, str]) -> str:
    full = {k: v for k, v in cli.env.items() if k not in ("ONEPIN_PAGER", "PAGER")}
    child = pexpect.spawn(
        ONEPIN, list(args), env={**full, **env}, encoding="utf-8", timeout=60,
        dimensions=(40, 160),
    )  # fmt: skip
    child.expect(pexpect.EOF)
    text = ANSI.sub("", (child.before or "").replace("\r\n", "\n"))
    child.close()
    assert child.exitstatus in (0, 3), text
    return text


def test_list_and_audit_are_paged_on_a_terminal(cli: Cli) -> None:
    cli.login()
    cli.emulator.seed_keys(5)
    listing = _terminal(cli, "api-keys", "list", env={"ONEPIN_PAGER": PAGER})
    rows = [line for line in listing.split("\n") if line.strip()]
    assert rows and all(line.startswith("PAGED:") for line in rows), rows
    assert "PAGED:ID" in listing  # the terminal's table, not TSV
    audit = _terminal(cli, "api-keys", "audit", env={"ONEPIN_PAGER": PAGER})
    assert "PAGED:" in audit
    direct = _terminal(cli, "api-keys", "list", "--no-pager", env={"ONEPIN_PAGER": PAGER})
    assert "PAGED:" not in direct
    assert "PAGED:" not in _terminal(cli, "api-keys", "list", env={"ONEPIN_PAGER": ""})
    via_pager_env = _terminal(cli, "api-keys", "list", env={"PAGER": PAGER})
    assert "PAGED:ID" in via_pager_env


def test_never_paged_when_piped(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "list", env={"ONEPIN_PAGER": PAGER})
    assert "PAGED:" not in result.stdout
    assert result.stdout.count("\t") == 7
