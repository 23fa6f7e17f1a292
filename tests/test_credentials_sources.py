"""A key and its server come from one source; the file is needed only for a file key.

Each test here names the issue point it proves: a flag or env key works with
no home directory (#19.1), and a key from the flag or the environment is never
sent to a base URL saved in the file (#19.6).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import onepin_sync
from onepin import OnePinConfigurationError
from onepin._constants import DEFAULT_BASE_URL
from onepin.credentials import (
    NoCredentialsError,
    credentials_path,
    load_profile,
    resolve,
    save_profile,
)
from onepin.testing import RunningEmulator

KEY_FILE = "op_live_" + "F" * 32
KEY_ENV = "op_live_" + "E" * 32
LOCAL = "http://localhost:8000"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return credentials_path(tmp_path)


@pytest.mark.parametrize("home", [{"HOME": ""}, {}])
def test_an_env_or_explicit_key_needs_no_home(
    home: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("no passwd entry")  # a UID with no passwd entry

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    creds = resolve(env={**home, "ONEPIN_API_KEY": KEY_ENV})
    assert (creds.api_key, creds.api_key_source) == (KEY_ENV, "env")
    assert creds.base_url == DEFAULT_BASE_URL
    explicit = resolve(KEY_FILE, "http://x.example", env=home)
    assert (explicit.api_key, explicit.base_url) == (KEY_FILE, "http://x.example")
    with pytest.raises(OnePinConfigurationError, match="HOME"):
        resolve(env=home)  # the file is needed now, and there is no place for it


def test_from_env_needs_no_home(server: RunningEmulator) -> None:
    env = {"HOME": "", "ONEPIN_API_KEY": server.emulator.bootstrap.api_key}
    with onepin_sync.OnePinClient.from_env(env=env, base_url=server.base_url) as client:
        assert client.auth.whoami().user_id == server.emulator.bootstrap.user_id


def test_an_env_key_never_goes_to_the_files_url(path: Path) -> None:
    save_profile(KEY_FILE, LOCAL, path)
    creds = resolve(env={"ONEPIN_API_KEY": KEY_ENV}, path=path)
    assert (creds.base_url, creds.base_url_source) == (DEFAULT_BASE_URL, "default")
    flagged = resolve(KEY_ENV, env={}, path=path)
    assert flagged.base_url == DEFAULT_BASE_URL
    env_url = resolve(env={"ONEPIN_API_KEY": KEY_ENV, "ONEPIN_BASE_URL": "https://b.example"})
    assert (env_url.base_url, env_url.base_url_source) == ("https://b.example", "env")
    saved = resolve(env={}, path=path)  # the file's key keeps the file's server
    assert (saved.api_key, saved.base_url, saved.base_url_source) == (KEY_FILE, LOCAL, "file")


def test_from_env_sends_an_env_key_to_its_own_server(path: Path) -> None:
    save_profile(KEY_FILE, LOCAL, path)
    client = onepin_sync.OnePinClient.from_env(
        env={"ONEPIN_API_KEY": KEY_ENV}, credentials_path=path
    )
    with client:
        assert client.base_url == DEFAULT_BASE_URL


def test_no_key_is_a_typed_error(path: Path) -> None:
    with pytest.raises(NoCredentialsError, match="onepin login"):
        resolve(env={}, path=path)
    assert issubclass(NoCredentialsError, OnePinConfigurationError)


def test_the_active_profile_is_used_when_none_is_named(path: Path) -> None:
    save_profile(KEY_FILE, None, path)
    save_profile(KEY_ENV, LOCAL, path, profile="staging")
    path.write_text('active_profile = "staging"\n' + path.read_text())
    os.chmod(path, 0o600)
    creds = resolve(env={}, path=path)
    assert (creds.api_key, creds.profile, creds.base_url) == (KEY_ENV, "staging", LOCAL)
    assert load_profile(path)["api_key"] == KEY_ENV
    named = resolve(env={"ONEPIN_PROFILE": "default"}, path=path)
    assert named.api_key == KEY_FILE


def test_a_session_token_goes_to_the_flag_or_env_server(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onepin.cli._app import cli as root
    from onepin.cli._client import session_credentials
    from onepin.cli._context import Settings

    save_profile(KEY_FILE, LOCAL, path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("ONEPIN_BASE_URL", raising=False)
    token = "sess_" + "t" * 40
    with root.make_context("onepin", ["whoami"], obj=Settings()) as ctx, ctx:
        creds = session_credentials(token)
    assert (creds.api_key, creds.base_url) == (token, DEFAULT_BASE_URL)
    assert token not in repr(creds)
    args = ["--base-url", "http://127.0.0.1:9", "whoami"]
    with root.make_context("onepin", args, obj=Settings()) as ctx, ctx:
        assert session_credentials(token).base_url == "http://127.0.0.1:9"
