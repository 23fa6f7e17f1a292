"""Rotation and revocation that cannot mislead: revoked keys, saved secrets, lost answers."""

from __future__ import annotations

import json
import tomllib

from onepin.testing import Fault
from tests.cli.harness import Cli, assert_no_traceback


def _active_named(cli: Cli, name: str) -> list[str]:
    listed = json.loads(cli("api-keys", "list", "--all", "--json", "id,name").stdout)
    return [k["id"] for k in listed if k["name"] == name]


def test_rotate_overlap_refuses_a_revoked_key(cli: Cli) -> None:
    cli.login()
    gone = cli.emulator.create_key(name="gone", scopes=["voices:read"])
    assert cli("api-keys", "delete", "gone", "--yes").returncode == 0
    for ref in ("gone", gone.id):
        result = cli("api-keys", "rotate", ref, "--overlap")
        assert result.returncode == 1, result.stdout
        assert "revoked" in result.stderr
        assert "Revoked the old key" not in result.stderr
        assert "op_live_" not in result.stdout
    assert _active_named(cli, "gone") == []
    assert [r for r in cli.emulator.requests if r.method == "POST"] == []


def test_a_write_by_name_never_picks_a_revoked_key(cli: Cli) -> None:
    cli.login()
    old = cli.emulator.create_key(name="dup")
    assert cli("api-keys", "delete", "dup", "--yes").returncode == 0
    result = cli("api-keys", "update", "dup", "--rate-limit", "5")
    assert result.returncode == 1
    assert "revoked" in result.stderr and old.id in result.stderr
    assert cli("api-keys", "get", "dup").returncode == 0  # reading a revoked key is fine
    fresh = cli.emulator.create_key(name="dup")
    assert cli("api-keys", "update", "dup", "--rate-limit", "5").returncode == 0
    assert cli.emulator.key(fresh.id).rate_limit_per_min == 5  # type: ignore[union-attr]


def test_a_saved_secret_is_shown_as_a_preview_only(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save")
    assert result.returncode == 0, result.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved not in result.stdout + result.stderr
    assert saved[:16] in result.stdout  # the preview: op_live_ and 8 characters
    quiet = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved not in quiet.stdout
    as_json = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save", "--json")
    body = json.loads(as_json.stdout)
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert body["api_key"] is None
    assert body["preview"] == saved[:16]
    shown = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save", "--show-secret")
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert f"API key: {saved}" in shown.stdout


def test_a_lost_final_revoke_says_the_outcome_is_unknown(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    cli.emulator.inject(Fault.commit_then_fail(method="DELETE", times=None))
    result = cli("api-keys", "rotate", "other", "--overlap")
    assert result.returncode == 1
    assert "still works" not in result.stdout + result.stderr
    assert "unknown" in result.stderr
    assert f"onepin api-keys get {other.id}" in result.stderr
    assert "op_live_" in result.stdout  # the new key was not saved: its secret is shown
    assert_no_traceback(result)


def test_a_final_revoke_that_took_the_own_key_does_not_say_login(cli: Cli) -> None:
    cli.emulator.key_management = "any"  # the old key itself revokes: its retry is refused
    cli.login()
    boot = cli.emulator.bootstrap.api_key_id
    cli.emulator.inject(Fault.commit_then_fail(method="DELETE", times=1))
    result = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save", env=cli.no_session)
    assert "onepin login" not in result.stderr
    assert "still works" not in result.stdout + result.stderr
    assert not cli.emulator.key(boot).active  # type: ignore[union-attr]
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved not in result.stdout  # saved: the preview only
    assert_no_traceback(result)


def test_overlap_with_grace_leaves_one_key_per_name(cli: Cli) -> None:
    cli.login()
    old = cli.emulator.create_key(name="ci", scopes=["voices:read"])
    result = cli("api-keys", "rotate", "ci", "--overlap", "--grace", "24h", "--json", "id")
    assert result.returncode == 0, result.stderr
    new_id = json.loads(result.stdout)["id"]
    assert old.id in result.stderr and new_id in result.stderr
    assert "--force" not in result.stderr
    assert cli.emulator.key(old.id).active  # type: ignore[union-attr]
    assert _active_named(cli, "ci") == [new_id]
    got = cli("api-keys", "get", "ci", "--json", "id")
    assert json.loads(got.stdout) == {"id": new_id}


def test_grace_and_max_age_read_durations_alike(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="ci")
    grace = cli("api-keys", "rotate", "ci", "--overlap", "--grace", "30m")
    max_age = cli("api-keys", "audit", "--max-age", "30m")
    assert grace.returncode == max_age.returncode == 2
    assert [r for r in cli.emulator.requests if r.method == "POST"] == []


def test_revoking_a_key_another_profile_uses_warns(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="staging-key")
    cli.login(other.api_key, "--profile", "staging")
    result = cli("api-keys", "delete", "staging-key", "--yes")
    assert result.returncode == 0, result.stderr
    assert 'profile "staging"' in result.stderr


def test_an_idempotency_key_recovers_a_lost_secret(cli: Cli) -> None:
    cli.login()
    cli.emulator.inject(Fault.commit_then_fail(method="POST", path="/api/v1/api-keys"))
    lost = cli("api-keys", "create", "ci", "--scope", "voices:read", "-i", "ci-create-1")
    assert lost.returncode == 1
    assert "--idempotency-key ci-create-1" in lost.stderr  # how to get the secret back
    again = cli("api-keys", "create", "ci", "--scope", "voices:read", "-i", "ci-create-1", "--json")
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    assert body["api_key"].startswith("op_live_")
    assert _active_named(cli, "ci") == [body["id"]]  # one key, made once
    sent = {r.headers.get("idempotency-key") for r in cli.emulator.requests if r.method == "POST"}
    assert sent == {"ci-create-1"}
    rotated = cli("api-keys", "rotate", "ci", "--overlap", "-i", "ci-rot-1", "--json", "id")
    assert rotated.returncode == 0, rotated.stderr
    posts = [r for r in cli.emulator.requests if r.method == "POST"]
    assert posts[-1].headers.get("idempotency-key") == "ci-rot-1"
