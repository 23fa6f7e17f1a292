"""``onepin api-keys``: list, create, get, update, delete, rotate."""

from __future__ import annotations

import json
import stat
import tomllib

import pexpect

from onepin.testing import ALL_SCOPES, Fault
from tests.cli.harness import ONEPIN, Cli, assert_no_traceback


def test_create_prints_the_secret_once(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "create", "ci", "--scope", "voices:read", "--rate-limit", "60")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('✓ Created API key "ci" (')
    secret = lines[1].removeprefix("API key: ")
    assert secret.startswith("op_live_")
    assert "cannot be shown again" in result.stderr
    created = json.loads(cli("api-keys", "get", "ci", "--json").stdout)
    assert created["scopes"] == ["voices:read"]
    assert created["rate_limit_per_min"] == 60
    assert "api_key" not in created


def test_create_json(cli: Cli) -> None:
    cli.login()
    body = json.loads(cli("api-keys", "create", "j", "--all-scopes", "--json").stdout)
    assert body["api_key"].startswith("op_live_")
    assert body["name"] == "j"


def test_list_piped_is_tab_separated(cli: Cli) -> None:
    cli.emulator.seed_keys(3)
    cli.login()
    result = cli("api-keys", "list")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[1] for r in rows] == ["bootstrap", "seed-0", "seed-1", "seed-2"]
    assert all(len(r) == 8 for r in rows)


def test_list_filters_and_paging(cli: Cli) -> None:
    cli.emulator.seed_keys(120, prefix="batch")
    cli.emulator.seed_keys(5, prefix="other")
    cli.login()

    def names(*args: str) -> list[str]:
        listing = cli("api-keys", "list", *args).stdout
        return [row.split("\t")[1] for row in listing.splitlines()]

    assert len(names()) == 50
    assert len(names("--limit", "7")) == 7
    assert len(names("--all")) == 126
    assert names("--search", "OTHER") == [f"other-{n}" for n in range(5)]
    assert len(names("--search", "batch", "--all")) == 120
    listed = json.loads(cli("api-keys", "list", "--all", "--json").stdout)
    assert len(listed) == 126
    assert set(listed[0]) >= {"id", "name", "scopes", "active", "preview"}


def test_list_status(cli: Cli) -> None:
    cli.login()
    cli("api-keys", "create", "gone", "--all-scopes")
    assert cli("api-keys", "delete", "gone", "--yes").returncode == 0
    revoked = cli("api-keys", "list", "--status", "revoked").stdout
    assert revoked.split("\t")[1] == "gone"
    assert "\trevoked\t" in revoked
    assert len(cli("api-keys", "list", "--status", "all").stdout.splitlines()) == 2


def test_get_by_id_and_update(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="old", scopes=["voices:read"], rate_limit_per_min=5)
    result = cli("api-keys", "get", key.id)
    assert "Name:       old" in result.stdout
    result = cli(
        "api-keys", "update", "old", "--name", "new", "--scope", "catalog:read",
        "--rate-limit", "none", "--deactivate",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    row = cli.emulator.key(key.id)
    assert row is not None
    assert (row.name, row.scopes, row.rate_limit_per_min, row.active) == (
        "new", ["catalog:read"], None, False,
    )  # fmt: skip
    assert cli("api-keys", "update", "new").returncode == 2


def test_delete_and_rotate_guard_the_key_in_use(cli: Cli) -> None:
    cli.login()
    boot = cli.emulator.bootstrap.api_key_id
    result = cli("api-keys", "delete", "bootstrap", "--yes")
    assert result.returncode == 1
    assert "--force" in result.stderr
    result = cli("api-keys", "rotate", "bootstrap")
    assert result.returncode == 1
    assert "--force" in result.stderr
    assert cli.emulator.key(boot).active  # type: ignore[union-attr]
    result = cli("api-keys", "delete", "bootstrap", "--yes", "--force")
    assert result.returncode == 0
    assert not cli.emulator.key(boot).active  # type: ignore[union-attr]


def test_delete_asks_on_a_terminal(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="victim")
    question = 'Revoke API key "victim"'
    assert (
        cli.answer("api-keys", "delete", "victim", question=question, reply="n") == 2
    )  # cancelled (gh)
    assert cli.emulator.key(key.id).active  # type: ignore[union-attr]
    assert cli.answer("api-keys", "delete", "victim", question=question, reply="y") == 0
    assert not cli.emulator.key(key.id).active  # type: ignore[union-attr]


def test_delete_needs_yes_when_piped(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="victim")
    result = cli("api-keys", "delete", "victim")
    assert result.returncode == 2
    assert "--yes" in result.stderr


def test_rotate_save_replaces_the_saved_key(cli: Cli) -> None:
    cli.login()
    old = cli.emulator.bootstrap.api_key
    result = cli("api-keys", "rotate", "bootstrap", "--save", "--yes")
    assert result.returncode == 0, result.stderr
    new = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert new != old
    assert new not in result.stdout  # saved: its preview only
    assert f"API key: {new[:16]}…" in result.stdout
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600
    assert "Key name: bootstrap" in cli("whoami").stdout


def test_rotate_save_refuses_another_key(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    result = cli("api-keys", "rotate", "other", "--save", "--yes")
    assert result.returncode == 1
    assert "is not the key saved" in result.stderr
    assert cli.emulator.key(other.id).active  # type: ignore[union-attr]


def test_rotate_another_key(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    result = cli("api-keys", "rotate", "other", "--yes", "--json")
    body = json.loads(result.stdout)
    assert body["api_key"].startswith("op_live_")
    assert not cli.emulator.key(other.id).active  # type: ignore[union-attr]


def test_a_terminal_gets_an_aligned_table(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="a-much-longer-name")
    child = pexpect.spawn(
        ONEPIN, ["api-keys", "list", "--no-color"], env=cli.env, encoding="utf-8", timeout=30
    )
    child.expect(pexpect.EOF)
    out = (child.before or "").replace("\r", "")
    child.close()
    assert child.exitstatus == 0
    header, *rows = [line for line in out.splitlines() if line.strip()]
    assert "\x1b[" not in out  # --no-color
    assert header.startswith("ID")
    name_col = header.index("NAME")
    assert [r[name_col:].split()[0] for r in rows] == ["bootstrap", "a-much-longer-name"]
    assert "\t" not in out


def test_rotate_save_never_loses_the_new_secret(cli: Cli) -> None:
    cli.login()
    saved = cli.creds.read_bytes()
    # the first whoami checks which key is saved; the second, checking the new key, fails
    cli.emulator.inject(Fault.status_code(403, path="/api/v1/auth/whoami", after=1, times=None))
    result = cli("api-keys", "rotate", "bootstrap", "--save", "--yes")
    assert result.returncode == 1
    assert "Rotated (not saved)" in result.stdout
    secret = next(
        line.removeprefix("API key: ") for line in result.stdout.splitlines() if "API key:" in line
    )
    assert secret.startswith("op_live_")
    assert "403" in result.stderr
    assert cli.creds.read_bytes() == saved  # the file was left alone
    assert_no_traceback(result)


def test_ambiguous_name_lists_the_matches(cli: Cli) -> None:
    cli.login()
    a = cli.emulator.create_key(name="twin")
    b = cli.emulator.create_key(name="twin")
    result = cli("api-keys", "get", "twin")
    assert result.returncode == 1
    assert 'The name "twin" matches 2 keys' in result.stderr
    assert a.id in result.stderr
    assert b.id in result.stderr


def test_create_sends_only_what_was_given(cli: Cli) -> None:
    cli.login()
    made = json.loads(cli("api-keys", "create", "ci", "--scope", "voices:read", "--json").stdout)
    assert made["rate_limit_per_min"] == 1000  # left out: the server's default, not "none"
    free = cli("api-keys", "create", "free", "--all-scopes", "--rate-limit", "none", "--json")
    assert json.loads(free.stdout)["rate_limit_per_min"] is None
    assert sorted(json.loads(free.stdout)["scopes"]) == sorted(ALL_SCOPES)
