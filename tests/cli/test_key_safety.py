"""Safer key management: guards, least privilege, overlap rotation, session-token login."""

from __future__ import annotations

import json
import tomllib

import pexpect

from onepin.testing import ALL_SCOPES, Fault
from tests.cli.harness import ONEPIN, Cli, assert_no_traceback


def active(cli: Cli, key_id: str) -> bool:
    row = cli.emulator.key(key_id)
    assert row is not None
    return row.active and row.revoked_at is None


def test_deactivating_the_key_in_use_needs_force(cli: Cli) -> None:
    cli.login()
    boot = cli.emulator.bootstrap.api_key_id
    result = cli("api-keys", "update", "bootstrap", "--deactivate")
    assert result.returncode == 1
    assert "--force" in result.stderr
    assert active(cli, boot)
    other = cli.emulator.create_key(name="other")
    assert cli("api-keys", "update", "other", "--deactivate").returncode == 0
    assert not active(cli, other.id)
    assert cli("api-keys", "update", "bootstrap", "--deactivate", "--force").returncode == 0
    assert not active(cli, boot)


def test_deleting_the_key_in_use_says_the_credentials_are_gone(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "delete", "bootstrap", "--yes", "--force")
    assert result.returncode == 0
    assert "no longer works" in result.stderr
    assert "~/.onepin/credentials: run `onepin login`" in result.stderr
    env_key = cli.emulator.create_key(name="from-env")
    result = cli(
        "api-keys", "delete", "from-env", "--yes", "--force",
        env={"ONEPIN_API_KEY": env_key.api_key, "ONEPIN_BASE_URL": cli.server.base_url},
    )  # fmt: skip
    assert "no longer works; the key comes from ONEPIN_API_KEY" in result.stderr


def test_create_needs_scopes_when_piped(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "create", "ci")
    assert result.returncode == 2
    assert "--scope" in result.stderr and "--all-scopes" in result.stderr
    assert [r for r in cli.emulator.requests if r.method == "POST"] == []
    everything = json.loads(cli("api-keys", "create", "ci", "--all-scopes", "--json").stdout)
    assert sorted(everything["scopes"]) == sorted(ALL_SCOPES)


def test_create_asks_for_scopes_on_a_terminal(cli: Cli) -> None:
    cli.login()
    child = pexpect.spawn(
        ONEPIN, ["api-keys", "create", "asked"], env=cli.env, encoding="utf-8", timeout=30
    )
    child.expect_exact("Scopes for the new key")
    child.sendline("voices:read, nope:x")
    child.expect_exact("unknown scope 'nope:x'")
    child.sendline("voices:read catalog:read")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    got = json.loads(cli("api-keys", "get", "asked", "--json", "scopes").stdout)
    assert sorted(got["scopes"]) == ["catalog:read", "voices:read"]


def test_create_warns_about_a_name_in_use_and_quiet_prints_the_secret(cli: Cli) -> None:
    cli.login()
    first = cli("api-keys", "create", "ci", "--scope", "voices:read", "--quiet")
    assert first.returncode == 0
    secret = first.stdout.strip()
    assert first.stdout == secret + "\n"
    assert secret.startswith("op_live_") and len(secret) == 40
    assert first.stderr == ""
    second = cli("api-keys", "create", "ci", "--scope", "voices:read", "--quiet")
    assert 'a key named "ci" exists already' in second.stderr
    assert second.stdout.strip().startswith("op_live_")


def test_rotate_asks_on_a_terminal_and_needs_yes_when_piped(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    result = cli("api-keys", "rotate", "other")
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert active(cli, other.id)
    question = 'Rotate API key "other"'
    assert cli.answer("api-keys", "rotate", "other", question=question, reply="n") == 2  # cancelled
    assert active(cli, other.id)


def test_rotate_overlap_save(cli: Cli) -> None:
    cli.login()
    boot = cli.emulator.bootstrap
    cli.emulator.clear_requests()
    result = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save")
    assert result.returncode == 0, result.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert f"API key: {saved[:16]}…" in result.stdout
    assert "Revoked the old key" in result.stderr
    assert not active(cli, boot.api_key_id)
    # the successor was created, then checked, before the old key was revoked
    order = [
        (r.method, r.path) for r in cli.emulator.requests if r.method != "GET" or "whoami" in r.path
    ]
    create = order.index(("POST", "/api/v1/api-keys"))
    revoke = order.index(("DELETE", f"/api/v1/api-keys/{boot.api_key_id}"))
    assert create < revoke
    assert ("GET", "/api/v1/auth/whoami") in order[create:revoke]
    me = cli("whoami", "--json", "key_name,scopes")
    assert json.loads(me.stdout) == {"key_name": "bootstrap", "scopes": sorted(ALL_SCOPES)}


def test_rotate_overlap_with_grace_keeps_the_old_key(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="ci", scopes=["voices:read"], rate_limit_per_min=60)
    result = cli("api-keys", "rotate", "ci", "--overlap", "--grace", "24h", "--quiet")
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert secret.startswith("op_live_") and "\n" not in secret
    assert active(cli, other.id)
    assert f"onepin api-keys delete {other.id} --yes" in result.stderr
    assert "After 24h (" in result.stderr
    both = json.loads(
        cli("api-keys", "list", "--search", "ci", "--json", "id,scopes,rate_limit_per_min").stdout
    )
    assert len(both) == 2
    assert all(k["scopes"] == ["voices:read"] and k["rate_limit_per_min"] == 60 for k in both)


def test_rotate_overlap_keeps_the_old_key_when_the_check_fails(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="ci")
    # the first whoami (is "ci" the key in use?) passes; checking the new key fails
    cli.emulator.inject(Fault.status_code(503, path="/api/v1/auth/whoami", after=1, times=None))
    result = cli("api-keys", "rotate", "ci", "--overlap")
    assert result.returncode == 1
    assert "the old key still works" in result.stdout
    assert "API key: op_live_" in result.stdout  # the new secret is not lost
    assert active(cli, other.id)
    assert_no_traceback(result)


def test_get_by_name_shows_progress_and_stops_early(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="twin")
    cli.emulator.create_key(name="twin")
    cli.emulator.seed_keys(3000)
    cli.emulator.clear_requests()
    result = cli("api-keys", "get", "twin")
    assert result.returncode == 1
    assert "matches 2 keys (or more)" in result.stderr
    pages = [r for r in cli.emulator.requests if r.path == "/api/v1/api-keys"]
    assert len(pages) <= 1 + 2 * 8  # the first page and two windows at most, not all 31
    cli.emulator.create_key(name="last")
    child = pexpect.spawn(
        ONEPIN, ["api-keys", "get", "last"], env=cli.env, encoding="utf-8", timeout=60
    )
    child.expect_exact('Looking for "last"')
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Name:       last" in (child.before or "")


def test_login_with_token_from_stdin(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--with-token", "--base-url", cli.server.base_url, stdin=key + "\n")
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"] == key


def test_login_with_a_session_token(cli: Cli) -> None:
    token = cli.emulator.bootstrap.session_token
    result = cli(
        "login", "--session-token", "--scope", "voices:read", "--base-url", cli.server.base_url,
        stdin=token + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("✓ Logged in.")
    assert 'Created API key "cli-generated"' in result.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved.startswith("op_live_")
    assert token not in cli.creds.read_text()
    me = json.loads(cli("whoami", "--json", "key_name,scopes,auth_kind").stdout)
    assert me == {"key_name": "cli-generated", "scopes": ["voices:read"], "auth_kind": "api_key"}
    # a hidden prompt on a terminal, and a key name of one's own
    child = pexpect.spawn(
        ONEPIN,
        ["login", "--session-token", "--key-name", "laptop", "--all-scopes", "--profile", "lap",
         "--base-url", cli.server.base_url],
        env=cli.env, encoding="utf-8", timeout=30,
    )  # fmt: skip
    child.expect_exact("OnePin session token: ")
    child.sendline(token)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert token not in (child.before or "")
    assert "Key name: laptop" in cli("whoami", "--profile", "lap").stdout


def test_a_bad_session_token(cli: Cli) -> None:
    result = cli(
        "login", "--session-token", "--all-scopes", "--base-url", cli.server.base_url,
        stdin="not-a-session\n",
    )  # fmt: skip
    assert result.returncode == 1
    assert "Invalid session token" in result.stderr
    assert not cli.creds.exists()
