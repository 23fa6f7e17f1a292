"""The installed ``onepin`` command, as a subprocess, against the emulator over a socket."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest

from onepin.testing import ALL_SCOPES, Emulator, Fault, RunningEmulator

ONEPIN = str(Path(sys.executable).with_name("onepin"))
INVALID = "Invalid API key. Generate one at https://app.onepin.ai/settings/api-keys"


class Cli:
    """Runs ``onepin`` with a private HOME against one emulator."""

    def __init__(self, home: Path, server: RunningEmulator) -> None:
        self.home = home
        self.server = server
        self.emulator: Emulator = server.emulator
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_") and k != "NO_COLOR"
        }
        self.env["HOME"] = str(home)

    @property
    def creds(self) -> Path:
        return self.home / ".onepin" / "credentials"

    def __call__(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ONEPIN, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=60,
            check=False,
        )

    def login(self, key: str | None = None) -> subprocess.CompletedProcess[str]:
        key = key or self.emulator.bootstrap.api_key
        result = self("login", "--key", key, "--base-url", self.server.base_url)
        assert result.returncode == 0, result.stderr
        return result


@pytest.fixture
def cli(tmp_path: Path, server: RunningEmulator) -> Cli:
    return Cli(tmp_path, server)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


# -- seed 000, example by example ----------------------------------------------------


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
    child = pexpect.spawn(
        ONEPIN,
        ["login", "--base-url", cli.server.base_url],
        env=cli.env,
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("OnePin API key: ")
    child.sendline(key)
    child.expect(pexpect.EOF)
    transcript = child.before or ""
    child.close()
    assert child.exitstatus == 0
    assert "Logged in." in transcript
    assert "\x1b[32m✓" in transcript  # a terminal gets color
    assert key not in transcript  # the typed key was not echoed
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"] == key


def test_ctrl_c_at_the_prompt_exits_130(cli: Cli) -> None:
    child = pexpect.spawn(
        ONEPIN, ["login", "--base-url", cli.server.base_url], env=cli.env, timeout=30
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
    result = cli("whoami", env={"ONEPIN_API_KEY": other.api_key})
    assert "Key name: from-env" in result.stdout
    assert "(key from ONEPIN_API_KEY)" in result.stderr
    assert "ONEPIN_API_KEY overrides the key saved in ~/.onepin/credentials" in result.stderr


def test_global_api_key_flag_wins(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="flag")
    result = cli("--api-key", other.api_key, "whoami", env={"ONEPIN_API_KEY": "op_live_x"})
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


# -- api-keys ---------------------------------------------------------------------------


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
    body = json.loads(cli("api-keys", "create", "j", "--json").stdout)
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
    cli("api-keys", "create", "gone")
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
    child = pexpect.spawn(ONEPIN, ["api-keys", "delete", "victim"], env=cli.env, timeout=30)
    child.expect_exact('Revoke API key "victim"')
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert cli.emulator.key(key.id).active  # type: ignore[union-attr]
    child = pexpect.spawn(ONEPIN, ["api-keys", "delete", "victim"], env=cli.env, timeout=30)
    child.expect_exact('Revoke API key "victim"')
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
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
    result = cli("api-keys", "rotate", "bootstrap", "--save")
    assert result.returncode == 0, result.stderr
    new = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert new != old
    assert f"API key: {new}" in result.stdout
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600
    assert "Key name: bootstrap" in cli("whoami").stdout


def test_rotate_save_refuses_another_key(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    result = cli("api-keys", "rotate", "other", "--save")
    assert result.returncode == 1
    assert "is not the key saved" in result.stderr
    assert cli.emulator.key(other.id).active  # type: ignore[union-attr]


def test_rotate_another_key(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    result = cli("api-keys", "rotate", "other", "--json")
    body = json.loads(result.stdout)
    assert body["api_key"].startswith("op_live_")
    assert not cli.emulator.key(other.id).active  # type: ignore[union-attr]


# -- bad inputs: message, stream, exit code ----------------------------------------------


def test_ambiguous_name_lists_the_matches(cli: Cli) -> None:
    cli.login()
    a = cli.emulator.create_key(name="twin")
    b = cli.emulator.create_key(name="twin")
    result = cli("api-keys", "get", "twin")
    assert result.returncode == 1
    assert 'The name "twin" matches 2 keys' in result.stderr
    assert a.id in result.stderr
    assert b.id in result.stderr


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


def test_twenty_concurrent_logins_leave_one_valid_file(cli: Cli) -> None:
    keys = [cli.emulator.create_key(name=f"k{n}").api_key for n in range(20)]
    procs = [
        subprocess.Popen(
            [ONEPIN, "login", "--key", key, "--base-url", cli.server.base_url],
            env=cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for key in keys
    ]
    codes = [p.wait(timeout=120) for p in procs]
    for p in procs:
        assert p.stderr is not None
        p.stderr.close()
    assert codes == [0] * 20
    saved = tomllib.loads(cli.creds.read_text())
    assert saved["default"]["api_key"] in keys
    assert stat.S_IMODE(cli.creds.stat().st_mode) == 0o600
    assert [p.name for p in cli.creds.parent.iterdir() if p.name.endswith(".tmp")] == []


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
    result = cli("api-keys", "rotate", "bootstrap", "--save")
    assert result.returncode == 1
    assert "Rotated (not saved)" in result.stdout
    secret = next(
        line.removeprefix("API key: ") for line in result.stdout.splitlines() if "API key:" in line
    )
    assert secret.startswith("op_live_")
    assert "403" in result.stderr
    assert cli.creds.read_bytes() == saved  # the file was left alone
    assert_no_traceback(result)
