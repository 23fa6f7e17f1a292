"""``auth status``, ``auth switch`` and completion of profile names (#19, gh-style accounts)."""

from __future__ import annotations

import json
import tomllib

from tests.cli.harness import Cli


def test_status_lists_every_profile_masked(cli: Cli) -> None:
    cli.login()
    staging = cli.emulator.create_key(name="staging-key")
    cli.login(staging.api_key, "--profile", "staging")
    result = cli("auth", "status")
    assert result.returncode == 0, result.stderr
    boot = cli.emulator.bootstrap.api_key
    assert result.stdout.splitlines() == [
        "default (active)",
        f"  Server: {cli.server.base_url}",
        f"  Key: op_live_…{boot[-4:]}",
        "staging",
        f"  Server: {cli.server.base_url}",
        f"  Key: op_live_…{staging.api_key[-4:]}",
    ]
    assert boot not in result.stdout + result.stderr
    env = cli("auth", "status", "--json", env={"ONEPIN_API_KEY": staging.api_key})
    body = json.loads(env.stdout)
    assert body["active"] == "default"
    assert [p["name"] for p in body["profiles"]] == ["default", "staging"]
    assert body["env_override"]["variable"] == "ONEPIN_API_KEY"
    assert staging.api_key not in env.stdout + env.stderr
    picked = json.loads(cli("auth", "status", "--json", "active,profiles").stdout)
    assert list(picked) == ["active", "profiles"]
    text = cli("auth", "status", env={"ONEPIN_API_KEY": staging.api_key})
    assert "commands use it, not the active profile" in text.stderr


def test_switch_makes_a_profile_the_default(cli: Cli) -> None:
    cli.login()
    staging = cli.emulator.create_key(name="staging-key")
    cli.login(staging.api_key, "--profile", "staging")
    assert cli("auth", "switch", "staging").returncode == 0
    assert tomllib.loads(cli.creds.read_text())["active_profile"] == "staging"
    assert "Key name: staging-key" in cli("whoami").stdout
    assert "staging (active)" in cli("auth", "status").stdout
    assert "Key name: bootstrap" in cli("whoami", "--profile", "default").stdout
    assert cli("auth", "switch", "default").returncode == 0
    assert "active_profile" not in tomllib.loads(cli.creds.read_text())
    assert "Key name: bootstrap" in cli("whoami").stdout
    missing = cli("auth", "switch", "nope")
    assert missing.returncode == 1
    assert "No profile [nope]" in missing.stderr


def test_logging_out_of_the_active_profile_makes_default_active_again(cli: Cli) -> None:
    cli.login()
    cli.login(cli.emulator.create_key(name="staging-key").api_key, "--profile", "staging")
    assert cli("auth", "switch", "staging").returncode == 0
    result = cli("logout")  # the active profile: staging
    assert result.returncode == 0, result.stderr
    assert "(profile staging)" in result.stdout
    saved = tomllib.loads(cli.creds.read_text())
    assert "active_profile" not in saved and "staging" not in saved
    assert "Key name: bootstrap" in cli("whoami").stdout
    assert "default (active)" in cli("auth", "status").stdout
    assert cli("logout").returncode == 0
    assert not cli.creds.exists()  # nothing left: no file with a dangling active_profile


def test_status_without_any_key_needs_authentication(cli: Cli) -> None:
    result = cli("auth", "status")
    assert result.returncode == 4
    assert "onepin login" in result.stderr


def test_profile_names_complete(cli: Cli) -> None:
    cli.login()
    cli.login(cli.emulator.create_key(name="s").api_key, "--profile", "staging")
    env = {"_ONEPIN_COMPLETE": "bash_complete", "COMP_WORDS": "onepin whoami --profile st",
           "COMP_CWORD": "3"}  # fmt: skip
    result = cli(env=env)
    assert "staging" in result.stdout
    assert "default" not in result.stdout
    switch = cli(env={**env, "COMP_WORDS": "onepin auth switch ", "COMP_CWORD": "3"})
    assert "staging" in switch.stdout and "default" in switch.stdout


def test_status_without_a_home_shows_the_env_key(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("auth", "status", env={"HOME": "", "ONEPIN_API_KEY": key})
    assert result.returncode == 0, result.stderr
    assert "ONEPIN_API_KEY is set" in result.stderr
    assert key not in result.stderr + result.stdout


def test_a_bad_profile_name_is_a_usage_error_in_every_command(cli: Cli) -> None:
    cli.login()
    bad = {"ONEPIN_PROFILE": "bad name"}
    for args, env in (
        (["whoami"], bad),
        (["logout"], bad),
        (["auth", "status"], bad),
        (["auth", "status", "--json"], bad),
        (["auth", "switch", "bad name"], {}),
        (["logout", "--profile", "bad name"], {}),
    ):
        result = cli(*args, env=env)
        assert result.returncode == 2, (args, env, result.stdout, result.stderr)
        assert "profile name" in result.stderr, (args, result.stderr)
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"]  # nothing removed
