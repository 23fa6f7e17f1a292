"""Bad inputs and failures: the message, the stream and the exit code."""

from __future__ import annotations

import json
import os
import socket
import stat
import time

import pexpect
import pytest

from onepin.testing import Fault
from tests.cli.harness import INVALID, ONEPIN, Cli, assert_no_traceback


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["login", "--key", "sk_live_abc"], "Key must start with op_live_", 1),
        (["login", "--key", "op_live_" + "Q" * 32], INVALID, 1),
        (["api-keys", "get", "nope"], 'No API key with id or name "nope"', 1),
        (["api-keys", "get", "00000000-0000-4000-8000-000000000000"], "404 NOT_FOUND", 1),
        (
            ["api-keys", "create", "x" * 121, "--all-scopes"],
            "name: Name must be at most 120 characters",
            1,
        ),
        (["api-keys", "create", "x", "--scope", "nope:read"], "unknown scope 'nope:read'", 2),
        (["api-keys", "list", "--limit", "0"], "Invalid value for '--limit'", 2),
        (["api-keys", "list", "--status", "gone"], "Invalid value for '--status'", 2),
        (["api-keys", "create", "x", "--rate-limit", "0"], "Invalid value for '--rate-limit'", 2),
        (["api-keys", "list", "--all", "--limit", "3"], "cannot be used together", 2),
        (["nonsense"], "No such command", 2),
        (["whoami", "--base-url", "ftp://example.com"], "is not an http(s) URL", 2),
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
    assert result.returncode == 4  # authentication required
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
    assert result.returncode == 4
    assert "401 INVALID_API_KEY" in result.stderr
    assert "onepin login" in result.stderr


# -- errors as scripts and people meet them -----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["api-keys", "list", "--limit", "0", "--json"],
        ["--json", "api-keys", "list", "--limit", "0"],
        ["api-keys", "--json", "list", "--status", "gone"],
        ["nonsense", "--json"],
        ["api-keys", "get", "--json"],
    ],
)
def test_json_usage_errors_on_stderr_wherever_json_is(cli: Cli, args: list[str]) -> None:
    cli.login()
    result = cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "USAGE_ERROR"
    assert error["message"]


@pytest.mark.parametrize("url", ["http://[::1", "localhost:8000", "", "ftp://h", "http://h:99999"])
def test_bad_base_urls_are_usage_errors(cli: Cli, url: str) -> None:
    result = cli("whoami", "--base-url", url, env={"ONEPIN_API_KEY": "op_live_" + "a" * 32})
    assert result.returncode == 2, result.stderr
    assert "--base-url" in result.stderr
    assert_no_traceback(result)


def test_a_server_that_never_answers(cli: Cli) -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        key = {"ONEPIN_API_KEY": cli.emulator.bootstrap.api_key}
        start = time.monotonic()
        result = cli("whoami", "--base-url", url, "--timeout", "1", env=key)
        elapsed = time.monotonic() - start
        assert result.returncode == 1
        assert elapsed < 5, elapsed
        assert f"{url} did not answer within 1s (--timeout)." in result.stderr
        assert_no_traceback(result)
        # on a terminal, a status line says what it is waiting for after a second
        child = pexpect.spawn(
            ONEPIN, ["whoami", "--base-url", url, "--timeout", "2"],
            env={**cli.env, **key}, encoding="utf-8", timeout=30,
        )  # fmt: skip
        child.expect_exact("Waiting for 127.0.0.1")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 1


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("op_live_short", "Key must be op_live_ followed by 32 letters and digits"),
        ("op_live_" + "a" * 31 + "!", "not letters or digits"),
        ("sk_live_" + "a" * 32, "Key must start with op_live_"),
    ],
)
def test_login_checks_the_key_format_locally(cli: Cli, key: str, message: str) -> None:
    result = cli("login", "--key", key, "--base-url", cli.server.base_url)
    assert result.returncode == 1
    assert message in result.stderr
    assert key not in result.stderr
    assert cli.emulator.requests == []


def test_a_bad_key_from_the_environment_says_to_fix_the_variable(cli: Cli) -> None:
    url = {"ONEPIN_BASE_URL": cli.server.base_url}
    result = cli("whoami", env={"ONEPIN_API_KEY": "bad", **url})
    assert result.returncode == 1
    assert "ONEPIN_API_KEY" in result.stderr
    assert "onepin login" not in result.stderr
    assert cli.emulator.requests == []
    revoked = cli("whoami", env={"ONEPIN_API_KEY": "op_live_" + "Z" * 32, **url})
    assert revoked.returncode == 4  # authentication required
    assert "401" in revoked.stderr
    assert f"(server {cli.server.base_url})" in revoked.stderr
    assert "fix or unset ONEPIN_API_KEY" in revoked.stderr
    assert "onepin login" not in revoked.stderr


def test_empty_home_is_refused(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--key", key, "--base-url", cli.server.base_url, env={"HOME": ""})
    assert result.returncode == 1
    assert "HOME is empty" in result.stderr
    assert cli.emulator.requests == []
    assert not os.path.exists("/.onepin/credentials")


def test_the_real_path_is_printed_when_home_is_root(cli: Cli) -> None:
    assert not os.path.exists("/.onepin/credentials")
    result = cli("logout", env={"HOME": "/"})
    assert result.returncode == 0
    assert "No saved credentials in /.onepin/credentials" in result.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("corrupt", "not valid TOML"),
        ("directory", "is a directory"),
    ],
)
def test_login_checks_the_file_before_the_network(cli: Cli, setup: str, message: str) -> None:
    cli.creds.parent.mkdir(mode=0o700)
    if setup == "corrupt":
        cli.creds.write_text("[default\n")
        os.chmod(cli.creds, 0o600)
    else:
        cli.creds.mkdir()
    result = cli.try_login()
    assert result.returncode == 1
    assert message in result.stderr
    assert cli.emulator.requests == []  # refused before any call
    assert_no_traceback(result)


def test_login_repairs_a_loose_file_and_says_so(cli: Cli) -> None:
    cli.login()
    os.chmod(cli.creds, 0o644)
    result = cli.try_login()
    assert result.returncode == 0, result.stderr
    assert "Fixed the permissions of ~/.onepin/credentials" in result.stderr
    assert "0644" in result.stderr
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_an_odd_credentials_file_fails_at_once(cli: Cli, kind: str) -> None:
    cli.creds.parent.mkdir(mode=0o700)
    if kind == "fifo":
        os.mkfifo(cli.creds, 0o600)
    else:
        cli.creds.write_text("# padding\n" * 400_000)  # 4 MB
        os.chmod(cli.creds, 0o600)
    started = time.monotonic()
    result = cli("whoami")
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert f"Cannot read {cli.creds}" in result.stderr
    assert_no_traceback(result)
