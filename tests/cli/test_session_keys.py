"""``api-keys`` with a session token (the documented rule) and with an API key (``any`` mode)."""

from __future__ import annotations

import json
import tomllib

import pytest

from onepin.testing import Emulator
from tests.cli.harness import Cli, assert_no_traceback

KEY_PATHS = "/api/v1/api-keys"


@pytest.fixture(params=["session", "any"])
def emulator(request: pytest.FixtureRequest) -> Emulator:
    """Both key-management modes: only a session token, or any token."""
    return Emulator(key_management=request.param)


def _key_calls_auth(cli: Cli) -> set[str]:
    return {
        r.headers.get("authorization", "")
        for r in cli.emulator.requests
        if r.path.startswith(KEY_PATHS)
    }


def test_a_refused_api_key_says_how_to_use_a_session_token(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "list", env=cli.no_session)
    if cli.emulator.key_management == "any":
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 4  # authentication required (gh's code)
    assert "--session-token" in result.stderr
    assert "ONEPIN_SESSION_TOKEN" in result.stderr
    assert "sign in" in result.stderr.lower()
    assert result.stdout == ""
    assert_no_traceback(result)
    body = json.loads(cli("api-keys", "list", "--json", env=cli.no_session).stderr)
    assert body["error"]["code"] == "SESSION_TOKEN_REQUIRED"


def test_every_command_manages_keys_with_the_env_session_token(cli: Cli) -> None:
    cli.login()
    cli.emulator.clear_requests()
    created = cli("api-keys", "create", "ci", "--scope", "voices:read", "--json")
    assert created.returncode == 0, created.stderr
    key_id = json.loads(created.stdout)["id"]
    assert cli("api-keys", "list").returncode == 0
    assert cli("api-keys", "get", "ci").returncode == 0
    assert cli("api-keys", "update", "ci", "--rate-limit", "60").returncode == 0
    assert cli("api-keys", "delete", "ci", "--yes").returncode == 0
    assert not cli.emulator.key(key_id).active  # type: ignore[union-attr]
    assert _key_calls_auth(cli) == {"Bearer [redacted session]"}


def test_session_token_flag_reads_stdin_never_argv(cli: Cli) -> None:
    cli.emulator.create_key(name="other")
    token = cli.emulator.bootstrap.session_token
    result = cli(
        "api-keys", "get", "other", "--session-token", "--base-url", cli.server.base_url,
        stdin=token + "\n", env=cli.no_session,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Name:" in result.stdout
    assert _key_calls_auth(cli) == {"Bearer [redacted session]"}
    empty = cli(
        "api-keys", "list", "--session-token", "--base-url", cli.server.base_url,
        stdin="\n", env=cli.no_session,
    )  # fmt: skip
    assert empty.returncode == 4
    assert "No session token given" in empty.stderr


def test_a_bad_session_token_is_named(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "list", env={"ONEPIN_SESSION_TOKEN": "not-a-session"})
    assert result.returncode == 4
    assert "ONEPIN_SESSION_TOKEN" in result.stderr
    assert "onepin login" not in result.stderr  # the saved key is not the problem
    assert_no_traceback(result)


def test_the_own_key_guard_holds_with_a_session_token(cli: Cli) -> None:
    cli.login()
    boot = cli.emulator.bootstrap.api_key_id
    result = cli("api-keys", "delete", "bootstrap", "--yes")
    assert result.returncode == 1
    assert "--force" in result.stderr
    result = cli("api-keys", "update", "bootstrap", "--deactivate")
    assert result.returncode == 1
    assert "--force" in result.stderr
    assert cli.emulator.key(boot).active  # type: ignore[union-attr]
    other = cli.emulator.create_key(name="other")
    assert cli("api-keys", "delete", "other", "--yes").returncode == 0
    assert not cli.emulator.key(other.id).active  # type: ignore[union-attr]
    result = cli("api-keys", "delete", "bootstrap", "--yes", "--force")
    assert result.returncode == 0, result.stderr
    assert "no longer works" in result.stderr


def test_rotate_overlap_save_of_the_saved_key_with_a_session_token(cli: Cli) -> None:
    cli.login()
    boot = cli.emulator.bootstrap.api_key_id
    result = cli("api-keys", "rotate", "bootstrap", "--overlap", "--save")
    assert result.returncode == 0, result.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved != cli.emulator.bootstrap.api_key
    assert not cli.emulator.key(boot).active  # type: ignore[union-attr]
    assert _key_calls_auth(cli) == {"Bearer [redacted session]"}


def test_a_session_token_alone_needs_no_saved_key(cli: Cli) -> None:
    result = cli(
        "api-keys",
        "list",
        "--base-url",
        cli.server.base_url,
    )  # no login: only ONEPIN_SESSION_TOKEN
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\t")[1] == "bootstrap"
    audit = cli("api-keys", "audit", "--base-url", cli.server.base_url, "--exit-zero")
    assert audit.returncode == 0, audit.stderr


def test_a_session_token_needs_no_home_nor_the_named_profile_saved(cli: Cli) -> None:
    cli.login()  # [default] saved; the commands below name no saved profile, or have no home
    for env in ({"HOME": ""}, {"ONEPIN_PROFILE": "elsewhere"}):
        result = cli("api-keys", "get", "bootstrap", "--json", "name", env=env)
        assert result.returncode == 0, (env, result.stderr)
        assert json.loads(result.stdout) == {"name": "bootstrap"}
        assert_no_traceback(result)
