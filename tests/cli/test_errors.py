"""Bad inputs and failures: the message, the stream and the exit code."""

from __future__ import annotations

import json
import os

import pytest

from onepin.testing import Fault
from tests.cli.harness import INVALID, Cli, assert_no_traceback


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["login", "--key", "sk_live_abc"], "Key must start with op_live_", 1),
        (["login", "--key", "op_live_" + "Q" * 32], INVALID, 1),
        (["api-keys", "get", "nope"], 'No API key with id or name "nope"', 1),
        (["api-keys", "get", "00000000-0000-4000-8000-000000000000"], "404 NOT_FOUND", 1),
        (["api-keys", "create", "x" * 121], "name: Name must be at most 120 characters", 1),
        (
            ["api-keys", "create", "x", "--scope", "nope:read"],
            "scopes.0: Input should be one of",
            1,
        ),
        (["api-keys", "list", "--limit", "0"], "Invalid value for '--limit'", 2),
        (["api-keys", "list", "--status", "gone"], "Invalid value for '--status'", 2),
        (["api-keys", "create", "x", "--rate-limit", "0"], "Invalid value for '--rate-limit'", 2),
        (["api-keys", "list", "--all", "--limit", "3"], "cannot be used together", 2),
        (["nonsense"], "No such command", 2),
        (["whoami", "--base-url", "ftp://example.com"], "base_url must be an http(s) URL", 1),
        (["whoami", "--workspace", "not-a-uuid"], "400 INVALID_WORKSPACE_HEADER", 1),
        (["api-keys", "update", "bootstrap", "--rate-limit", "-3"], "Invalid value", 2),
    ],
)
def test_bad_inputs(cli: Cli, args: list[str], message: str, code: int) -> None:
    cli.login()
    if args[0] == "login":
        args = [*args, "--base-url", cli.server.base_url]
    result = cli(*args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert result.stdout == ""
    assert_no_traceback(result)


def test_credentials_path_is_a_directory(cli: Cli) -> None:
    cli.creds.mkdir(parents=True, mode=0o700)
    result = cli("whoami")
    assert result.returncode == 1
    assert "Cannot read" in result.stderr
    assert_no_traceback(result)


def test_missing_credentials(cli: Cli) -> None:
    result = cli("whoami")
    assert result.returncode == 1
    assert "No OnePin API key found" in result.stderr
    assert "onepin login" in result.stderr


def test_world_readable_credentials(cli: Cli) -> None:
    cli.login()
    os.chmod(cli.creds, 0o644)
    result = cli("whoami")
    assert result.returncode == 1
    assert f"chmod 600 {cli.creds}" in result.stderr
    assert cli.emulator.bootstrap.api_key not in result.stderr
    assert_no_traceback(result)


def test_corrupt_credentials(cli: Cli) -> None:
    cli.login()
    cli.creds.write_text("[default\napi_key=")
    result = cli("api-keys", "list")
    assert result.returncode == 1
    assert "not valid TOML" in result.stderr
    assert_no_traceback(result)


def test_server_down(cli: Cli) -> None:
    cli.login()
    result = cli("whoami", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.strip() == "Cannot reach http://127.0.0.1:9 — check your connection"


def test_login_server_down(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--key", key, "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.strip() == "Cannot reach http://127.0.0.1:9 — check your connection"
    assert not cli.creds.exists()


def test_rate_limited(cli: Cli) -> None:
    cli.login()
    cli.emulator.inject(Fault.status_code(429, times=None, retry_after=120))
    result = cli("whoami")
    assert result.returncode == 1
    assert "Rate limited; retry in 120s" in result.stderr
    assert_no_traceback(result)


def test_json_errors_on_stderr(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "get", "00000000-0000-4000-8000-000000000000", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "NOT_FOUND"
    assert error["request_id"]
    assert "API key not found" in error["message"]


def test_revoked_saved_key(cli: Cli) -> None:
    key = cli.emulator.create_key(name="short")
    cli.login(key.api_key)
    cli.emulator.store.revoke_key(
        cli.emulator.store.authenticate(f"Bearer {key.api_key}", None), key.id
    )
    result = cli("whoami")
    assert result.returncode == 1
    assert "401 INVALID_API_KEY" in result.stderr
    assert "onepin login" in result.stderr
