"""``login``/``logout``: ask before losing a key, say what is reused or ignored (#19.8-20)."""

from __future__ import annotations

import os
import stat
import tomllib

import pexpect

from tests.cli.harness import ONEPIN, Cli, assert_no_traceback


def test_replacing_a_saved_key_needs_force_off_a_terminal(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    refused = cli.try_login(other.api_key)
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved == cli.emulator.bootstrap.api_key
    assert cli.try_login(other.api_key, "--force").returncode == 0
    assert tomllib.loads(cli.creds.read_text())["default"]["api_key"] == other.api_key
    assert cli.try_login(other.api_key).returncode == 0  # the same key again: nothing to ask


def test_a_declined_replacement_is_cancelled_with_exit_2(cli: Cli) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    args = ("login", "--key", other.api_key, "--base-url", cli.server.base_url)
    code = cli.answer(*args, question="Replace the key saved in profile default", reply="n")
    assert code == 2
    saved = tomllib.loads(cli.creds.read_text())["default"]["api_key"]
    assert saved == cli.emulator.bootstrap.api_key


def test_with_token_on_a_terminal_prompts_and_hides_the_key(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    status, transcript = cli.converse(
        "login",
        "--with-token",
        "--base-url",
        cli.server.base_url,
        question="OnePin API key: ",
        reply=key,
    )
    assert status == 0, transcript
    assert key not in transcript


def test_no_input_turns_a_needed_prompt_into_a_usage_error(cli: Cli) -> None:
    child = pexpect.spawn(
        ONEPIN, ["login", "--no-input", "--base-url", cli.server.base_url], env=cli.env, timeout=30
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert b"would have to be asked for" in (child.before or b"")


def test_login_says_when_it_reuses_a_saved_server_or_ignores_the_env_key(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.bootstrap.api_key
    result = cli("login", "--key", key, env={"ONEPIN_API_KEY": key, "ONEPIN_BASE_URL": None})
    assert result.returncode == 0, result.stderr
    assert f"Using the server saved in the profile: {cli.server.base_url}" in result.stderr
    assert "ONEPIN_API_KEY is set; login ignores it" in result.stderr


def test_a_403_shows_the_servers_reason(cli: Cli) -> None:
    token = cli.emulator.bootstrap.session_token
    result = cli(
        "login", "--session-token", "--workspace", "00000000-0000-4000-8000-000000000000",
        "--all-scopes", "--base-url", cli.server.base_url, stdin=token + "\n",
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert "Invalid session token" not in result.stderr
    assert "403" in result.stderr
    assert token not in result.stderr + result.stdout
    assert_no_traceback(result)


def test_logout_edits_a_loose_file_and_warns_about_the_env_key(cli: Cli) -> None:
    cli.login()
    os.chmod(cli.creds, 0o640)
    result = cli("logout", env={"ONEPIN_API_KEY": cli.emulator.bootstrap.api_key})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "✓ Credentials removed from ~/.onepin/credentials\n"
    assert "ONEPIN_API_KEY is set: commands still authenticate with it" in result.stderr
    assert not cli.creds.exists() or stat.S_IMODE(cli.creds.stat().st_mode) == 0o600


def test_login_force_sets_an_invalid_file_aside(cli: Cli) -> None:
    cli.creds.parent.mkdir(mode=0o700)
    key = cli.emulator.bootstrap.api_key
    cli.creds.write_text(f'[default]\napi_key = "{key}"\napi_key = "{key}"\n')
    os.chmod(cli.creds, 0o600)
    broken = cli("whoami")
    assert broken.returncode == 1
    assert "not valid TOML" in broken.stderr and "onepin login --force" in broken.stderr
    assert "Unexpected error" not in broken.stderr
    assert cli.try_login(None, "--force").returncode == 0
    assert (cli.creds.parent / "credentials.bak").exists()
    assert cli("whoami").returncode == 0


def _broken_file(cli: Cli, text: bytes) -> bytes:
    cli.creds.parent.mkdir(mode=0o700, exist_ok=True)
    cli.creds.write_bytes(text)
    os.chmod(cli.creds, 0o600)
    return text


BROKEN = b'[default]\napi_key = "op_live_x"\napi_key = "op_live_y"\n'


def test_login_force_sets_the_file_aside_only_once_the_new_key_is_saved(cli: Cli) -> None:
    # a malformed key, a revoked key: the invalid file stays where it is, nothing moved
    original = _broken_file(cli, BROKEN)
    revoked = cli.emulator.create_key(name="revoked")
    store = cli.emulator.store
    store.revoke_key(store.authenticate(f"Bearer {revoked.api_key}", None), revoked.id)
    for key in ("op_live_short", revoked.api_key):
        result = cli.try_login(key, "--force")
        assert result.returncode in (1, 4), result.stderr
        assert "Moved" not in result.stderr
        assert cli.creds.read_bytes() == original
        assert sorted(p.name for p in cli.creds.parent.iterdir() if "bak" in p.name) == []
        assert_no_traceback(result)


def test_login_force_never_overwrites_an_earlier_backup(cli: Cli) -> None:
    first = _broken_file(cli, b"first = [broken\n")
    assert cli.try_login(None, "--force").returncode == 0
    second = _broken_file(cli, BROKEN)
    result = cli.try_login(None, "--force")
    assert result.returncode == 0, result.stderr
    assert (cli.creds.parent / "credentials.bak").read_bytes() == first
    assert (cli.creds.parent / "credentials.bak.1").read_bytes() == second
    assert "credentials.bak.1" in result.stderr
    assert cli("whoami").returncode == 0


def test_a_file_that_is_not_utf8_is_set_aside_by_login_force_too(cli: Cli) -> None:
    _broken_file(cli, b'[default]\napi_key = "\xff\xfe"\n')
    broken = cli("whoami")
    assert broken.returncode == 1
    assert "onepin login --force" in broken.stderr
    assert "\\xff" not in broken.stderr and "0xff" not in broken.stderr  # no byte of it shown
    assert_no_traceback(broken)
    assert cli.try_login(None, "--force").returncode == 0
    assert cli("whoami").returncode == 0


def test_usage_exit_codes(cli: Cli) -> None:
    bad_url = cli("whoami", env={"ONEPIN_BASE_URL": "notaurl", "ONEPIN_API_KEY": "x"})
    assert bad_url.returncode == 2
    assert "ONEPIN_BASE_URL" in bad_url.stderr
    assert cli("whoami", "--profile", "a b").returncode == 2
    secret_url = "http://user:hunter2@127.0.0.1:1"
    shown = cli("whoami", "--base-url", secret_url, "-v")
    assert shown.returncode == 2
    assert "hunter2" not in shown.stderr + shown.stdout
    from_env = cli("whoami", env={"ONEPIN_BASE_URL": secret_url, "ONEPIN_API_KEY": "x"})
    assert from_env.returncode == 2
    assert "ONEPIN_BASE_URL" in from_env.stderr and "hunter2" not in from_env.stderr
    cli.login()
    cli.creds.write_text(cli.creds.read_text().replace(cli.server.base_url, secret_url))
    saved = cli("-v", "whoami", env={"ONEPIN_BASE_URL": None})  # the file's URL, not the env's
    assert saved.returncode == 1
    assert "base_url saved in" in saved.stderr and "hunter2" not in saved.stderr
    help_text = cli("--help").stdout
    assert "4 authentication" in help_text and "3 audit findings" in help_text


def test_a_key_given_as_the_url_is_not_shown(cli: Cli) -> None:
    key = cli.emulator.bootstrap.api_key
    token = cli.emulator.bootstrap.session_token
    for env in (
        {"ONEPIN_BASE_URL": key, "ONEPIN_API_KEY": key},
        {"ONEPIN_BASE_URL": token, "ONEPIN_API_KEY": key},
    ):
        result = cli("whoami", "-v", env=env)
        assert result.returncode == 2, result.stderr
        assert "ONEPIN_BASE_URL" in result.stderr
        assert key[8:] not in result.stdout + result.stderr
        assert token[5:] not in result.stdout + result.stderr
    flag = cli("whoami", "--base-url", key, env={"ONEPIN_API_KEY": key})
    assert flag.returncode == 2
    assert "op_live_…" + key[-4:] in flag.stderr and key not in flag.stderr
    in_path = cli("whoami", "--base-url", f"http://127.0.0.1:1/{key}", env={"ONEPIN_API_KEY": key})
    assert in_path.returncode == 1
    assert "Cannot reach" in in_path.stderr and key not in in_path.stderr


def test_no_input_never_prompts_in_other_commands(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="victim")
    for args in (
        ["api-keys", "delete", "victim", "--no-input"],
        ["api-keys", "create", "new", "--no-input"],
    ):
        child = pexpect.spawn(ONEPIN, args, env=cli.env, timeout=30)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2, args
        assert b"would have to be asked for" in (child.before or b""), args
    assert cli("api-keys", "get", "victim").returncode == 0  # still there
