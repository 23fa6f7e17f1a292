"""Reading output: the table on a real terminal, TSV when piped, ``--json FIELDS``, ``--help``."""

from __future__ import annotations

import datetime as dt
import json
import re

import pexpect
import pytest

from tests.cli.harness import ONEPIN, Cli

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def terminal(cli: Cli, *args: str, columns: int, color: bool = False) -> list[str]:
    """The lines ``onepin *args`` writes on a pty ``columns`` wide (escapes kept if ``color``)."""
    env = dict(cli.env)
    env.pop("COLUMNS", None)
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(
        ONEPIN, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(50, columns)
    )
    child.expect(pexpect.EOF)
    text = (child.before or "").replace("\r\n", "\n")
    child.close()
    assert child.exitstatus == 0, text
    return [line for line in text.split("\n") if line.strip()]


def test_the_table_fits_the_terminal(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="deploy-" + "x" * 80, scopes=["voices:read", "catalog:read"])
    cli.emulator.seed_keys(29, prefix="team")
    cli.emulator.create_key(name="gone")
    assert cli("api-keys", "delete", "gone", "--yes").returncode == 0
    for columns in (80, 120):
        lines = terminal(cli, "api-keys", "list", "--status", "all", columns=columns)
        plain = [ANSI.sub("", line) for line in lines]
        assert all(len(line) <= columns for line in plain), (columns, plain)
        header, *rows = plain
        assert header.split()[:2] == ["ID", "NAME"]
        assert len(rows) == 32  # one line per key: nothing wraps
        assert "\t" not in "".join(plain)
        assert any("…" in row for row in rows)  # the long name is cut with an ellipsis
        assert any("2 scopes" in row for row in rows)
        assert any("11 scopes" in row for row in rows)  # the bootstrap key
        assert any("just now" in row for row in rows)  # created
        assert any(" never " in f" {row} " for row in rows)  # last used
        assert any("revoked" in row for row in rows)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "never"), (5, "just now"), (300, "5 min ago"), (3 * 3600 + 9, "3 h ago"),
        (86400, "1 day ago"), (20 * 86400, "20 days ago"), (400 * 86400, "2023-02-24"),
    ],
)  # fmt: skip
def test_relative_times(seconds: int | None, text: str) -> None:
    from onepin.cli._render import ago

    now = dt.datetime(2024, 3, 30, 12, 0, tzinfo=dt.UTC)
    assert ago(None if seconds is None else now - dt.timedelta(seconds=seconds), now) == text


def test_the_table_dims_revoked_keys(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="gone")
    assert cli("api-keys", "delete", "gone", "--yes").returncode == 0
    lines = terminal(cli, "api-keys", "list", "--status", "all", columns=160, color=True)
    gone = next(line for line in lines if "gone" in line)
    live = next(line for line in lines if "bootstrap" in line)
    assert "\x1b[2m" in gone  # dim
    assert "\x1b[2m" not in live
    plain = terminal(cli, "api-keys", "list", "--status", "all", "--no-color", columns=160)
    assert not any(ANSI.search(line) for line in plain)


def test_piped_rows_are_complete(cli: Cli) -> None:
    cli.login()
    long_name = "deploy-" + "y" * 110
    cli.emulator.create_key(name=long_name, scopes=["voices:read", "catalog:read"])
    rows = [line.split("\t") for line in cli("api-keys", "list").stdout.splitlines()]
    row = next(r for r in rows if r[1] == long_name)
    assert row[4] == "voices:read, catalog:read"  # in the order the server keeps (as given)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[7])


def test_a_cut_listing_says_so(cli: Cli) -> None:
    cli.emulator.seed_keys(1209)
    cli.login()
    result = cli("api-keys", "list")
    assert len(result.stdout.splitlines()) == 50
    assert result.stderr.strip() == "Showing 50 of 1,210 keys; use --all or --limit"
    assert cli("api-keys", "list", "--limit", "1210").stderr == ""
    searched = cli("api-keys", "list", "--search", "seed-1", "--limit", "5")
    assert "Showing the first 5 matching keys" in searched.stderr
    assert cli("api-keys", "list", "--search", "bootstrap").stderr == ""


def test_json_fields(cli: Cli) -> None:
    cli.login()
    listed = json.loads(cli("api-keys", "list", "--json", "id,name").stdout)
    assert listed == [{"id": cli.emulator.bootstrap.api_key_id, "name": "bootstrap"}]
    me = json.loads(cli("--json", "key_name,email", "whoami").stdout)
    assert me == {"key_name": "bootstrap", "email": cli.emulator.bootstrap.email}
    assert list(json.loads(cli("--json", "whoami").stdout)) == [
        "user_id", "workspace_id", "key_name", "scopes",
    ]  # fmt: skip
    got = json.loads(cli("api-keys", "get", "--json=scopes", "bootstrap").stdout)
    assert list(got) == ["scopes"]
    # a bare --json before a positional does not swallow it
    assert json.loads(cli("api-keys", "get", "--json", "bootstrap").stdout)["name"] == "bootstrap"


def test_unknown_json_field_is_a_usage_error_before_any_change(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "create", "x", "--all-scopes", "--json", "id,secret")
    assert result.returncode == 2
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "USAGE_ERROR"
    assert "'secret'" in error["message"]
    assert "api_key" in error["message"]  # the fields this command has
    assert [r for r in cli.emulator.requests if r.method == "POST"] == []


COMMANDS = [
    ["login"], ["logout"], ["whoami"], ["completion"],
    ["api-keys"], ["api-keys", "list"], ["api-keys", "create"], ["api-keys", "get"],
    ["api-keys", "update"], ["api-keys", "delete"], ["api-keys", "rotate"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_has_examples(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0
    text = result.stdout
    assert "Examples:" in text
    examples = text.split("Examples:")[1].split("Options:")[0]
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert lines and all(
        line.startswith(("onepin ", "eval ", "echo ", "export ")) for line in lines
    )


def test_help_names_scopes_env_vars_and_no_useless_flags(cli: Cli) -> None:
    create = cli("api-keys", "create", "--help").stdout
    assert "workflows:read" in create and "catalog:read" in create
    assert "--all-scopes" in create
    top = cli("--help").stdout
    assert "ONEPIN_API_KEY" in top and "ONEPIN_BASE_URL" in top and "ONEPIN_PROFILE" in top
    logout = cli("logout", "--help").stdout
    for flag in ("--api-key", "--base-url", "--workspace", "--verbose", "--timeout"):
        assert flag not in logout
    login = cli("login", "--help").stdout
    assert len(re.findall(r"--api-key", login)) == 1
    assert "--key, --api-key KEY" in login
    summaries = cli("api-keys", "--help").stdout.split("Commands:")[1]
    assert "..." not in summaries


def test_api_key_help_points_to_the_safe_ways(cli: Cli) -> None:
    text = cli("whoami", "--help").stdout
    assert "ONEPIN_API_KEY" in text
    assert "--with-token" in cli("login", "--help").stdout
