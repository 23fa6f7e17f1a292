"""``login``, ``logout``, ``whoami`` and the global flags, as the product documents show them."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import tomllib

import pexpect

from onepin.testing import ALL_SCOPES
from tests._coverage import untraced
from tests.cli.harness import ONEPIN, Cli


def test_login_with_key(cli: Cli) -> None:
    result = cli.login()
    boot = cli.emulator.bootstrap
    scopes = ", ".join(sorted(ALL_SCOPES))  # the bootstrap key holds every scope
    assert result.stdout.splitlines() == [
        "✓ Logged in.",
        f"Workspace: {boot.workspace_id}",
        f"Scopes: {scopes}",
        "Saved to: ~/.onepin/credentials",
    ]
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.creds.parent.stat().st_mode) == 0o700
    saved = tomllib.loads(cli.creds.read_text())
    assert saved == {"default": {"api_key": boot.api_key, "base_url": cli.server.base_url}}
    assert boot.api_key not in result.stdout + result.stderr


def test_login_json(cli: Cli) -> None:
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["workflows:read", "voices:read"])
    result = cli("login", "--key", key.api_key, "--base-url", cli.server.base_url, "--json")
    assert result.returncode == 0
    body = json.loads(result.stdout)
    assert list(body) == ["user_id", "workspace_id", "scopes", "key_name"]
    assert body["key_name"] == "ci-pipeline"
    assert body["scopes"] == ["voices:read", "workflows:read"]
    assert body["workspace_id"] == cli.emulator.bootstrap.workspace_id
    assert body["user_id"].startswith("usr_")


def test_login_key_from_stdin(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--base-url", cli.server.base_url, stdin=key + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("✓ Logged in.")
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"] == key


def test_login_base_url_from_env(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--key", key, env={"ONEPIN_BASE_URL": cli.server.base_url})
    assert result.returncode == 0, result.stderr


def test_interactive_login_hides_the_key(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    status, transcript = cli.converse(
        "login", "--base-url", cli.server.base_url, question="OnePin API key: ", reply=key
    )
    assert status == 0, transcript
    assert "Logged in." in transcript
    assert "\x1b[32m✓" in transcript  # a terminal gets color
    assert key not in transcript  # the typed key was not echoed
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"] == key


def test_ctrl_c_at_the_prompt_exits_130(cli: Cli) -> None:
    # A terminal starts its foreground job with SIGINT at the default; a runner started in
    # the background without job control (as CI may be) ignores it, and exec keeps that.
    child = pexpect.spawn(
        ONEPIN,
        ["login", "--base-url", cli.server.base_url],
        env=cli.env,
        timeout=30,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    child.expect_exact("OnePin API key: ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert b"Traceback" not in (child.before or b"")
    assert not cli.creds.exists()


def test_logout(cli: Cli) -> None:
    cli.login()
    result = cli("logout")
    assert result.returncode == 0
    assert result.stdout == "✓ Credentials removed from ~/.onepin/credentials\n"
    # the key was not revoked
    assert cli.emulator.key(cli.emulator.bootstrap.api_key_id).active  # type: ignore[union-attr]
    again = cli("logout")
    assert again.returncode == 0
    assert "No saved credentials" in again.stderr


def test_whoami(cli: Cli) -> None:
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["workflows:read", "voices:read"])
    cli.login(key.api_key)
    before = cli.creds.read_bytes()
    result = cli("whoami")
    boot = cli.emulator.bootstrap
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"User: {boot.email}",
        f"User ID: {boot.user_id}",
        f"Workspace: {boot.workspace_id}",
        "Key name: ci-pipeline",
        "Scopes: voices:read, workflows:read",
    ]
    assert "(key from ~/.onepin/credentials)" in result.stderr
    assert cli.creds.read_bytes() == before  # changes nothing


def test_whoami_json(cli: Cli) -> None:
    cli.login()
    body = json.loads(cli("whoami", "--json").stdout)
    assert list(body) == ["user_id", "workspace_id", "key_name", "scopes"]
    assert body["key_name"] == "bootstrap"


def test_whoami_warns_when_env_overrides_the_file(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="from-env")
    # an env key goes to the env's server (never to the profile's)
    env = {"ONEPIN_API_KEY": other.api_key, "ONEPIN_BASE_URL": cli.server.base_url}
    result = cli("whoami", env=env)
    assert "Key name: from-env" in result.stdout
    assert "(key from ONEPIN_API_KEY)" in result.stderr
    assert "ONEPIN_API_KEY overrides the key saved in ~/.onepin/credentials" in result.stderr


def test_global_api_key_flag_wins(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="flag")
    env = {"ONEPIN_API_KEY": "op_live_x", "ONEPIN_BASE_URL": cli.server.base_url}
    result = cli("--api-key", other.api_key, "whoami", env=env)
    assert "Key name: flag" in result.stdout
    assert "(key from the --api-key flag)" in result.stderr


def test_help_and_version_import_no_sdk(cli: Cli) -> None:
    code = (
        "import sys\nfrom onepin.cli import main\n"
        "for args in (['--help'], ['--version'], ['api-keys', '--help']):\n"
        "    assert main(args) == 0\n"
        "heavy = ('httpx', 'onepin_sync', 'onepin._async', 'anyio')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli.env, check=True
    )
    assert "LOADED []" in result.stdout
    version = cli("--version")
    assert version.stdout.startswith("onepin ")


def test_verbose_logs_requests_without_secrets(cli: Cli) -> None:
    cli.login()
    result = cli("-v", "whoami")
    assert result.returncode == 0
    line = next(line for line in result.stderr.splitlines() if "/api/v1/auth/whoami" in line)
    assert line.startswith(f"GET {cli.server.base_url}/api/v1/auth/whoami -> 200 in ")
    assert "request_id=" in line
    assert cli.emulator.bootstrap.api_key not in result.stderr


def test_ten_concurrent_logins_leave_one_valid_file(cli: Cli) -> None:
    keys = [cli.emulator.create_key(name=f"k{n}").api_key for n in range(10)]
    procs = [
        subprocess.Popen(
            [ONEPIN, "login", "--key", key, "--base-url", cli.server.base_url, "--force"],
            env=cli.env if n == 0 else untraced(cli.env),  # one traced, nine alike
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n, key in enumerate(keys)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    for p in procs:
        assert p.stderr is not None
        p.stderr.close()
    assert codes == [0] * 10
    saved = tomllib.loads(cli.creds.read_text())
    assert saved["default"]["api_key"] in keys
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600
    assert [p.name for p in cli.creds.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_an_env_or_flag_key_needs_no_home(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    url = cli.server.base_url
    env_key = cli("whoami", "--base-url", url, env={"HOME": "", "ONEPIN_API_KEY": key})
    assert env_key.returncode == 0, env_key.stderr
    assert "Key name: bootstrap" in env_key.stdout
    flag = cli("whoami", "--api-key", key, env={"HOME": "", "ONEPIN_BASE_URL": url})
    assert flag.returncode == 0, flag.stderr
    unset = {k: v for k, v in cli.env.items() if k != "HOME"}
    no_home = subprocess.run(
        [ONEPIN, "whoami", "--base-url", url],
        env={**unset, "ONEPIN_API_KEY": key},
        capture_output=True,
        text=True,
        check=False,
    )
    assert no_home.returncode == 0, no_home.stderr


def test_whoami_names_the_server_on_stderr(cli: Cli) -> None:
    cli.login()
    result = cli("whoami")
    assert len(result.stdout.splitlines()) == 5  # the documented lines, unchanged
    assert f"Server: {cli.server.base_url}" in result.stderr.splitlines()


def test_an_env_key_is_not_sent_to_the_profiles_server(cli: Cli) -> None:
    cli.login()  # the profile's server is the emulator
    other = cli.emulator.create_key(name="prod")
    before = len(cli.emulator.requests)
    env = {"ONEPIN_API_KEY": other.api_key, "ONEPIN_BASE_URL": None}  # no server but the file's
    result = cli("whoami", "--timeout", "1", env=env)
    assert len(cli.emulator.requests) == before  # the env key never reached the saved URL
    assert "Key name: prod" not in result.stdout
