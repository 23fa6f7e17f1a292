"""Credential resolution order, the permission refusal, atomic and locked writes."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from onepin import OnePinConfigurationError
from onepin.credentials import (
    Credentials,
    check_rewritable,
    credentials_path,
    display_path,
    load_profile,
    remove_profile,
    resolve,
    save_profile,
)
from onepin.testing import RunningEmulator

KEY_FILE = "op_live_" + "F" * 32
KEY_ENV = "op_live_" + "E" * 32
KEY_FLAG = "op_live_" + "X" * 32


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return credentials_path(tmp_path)


def test_path_respects_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert credentials_path() == tmp_path / ".onepin" / "credentials"
    assert display_path(credentials_path()) == "~/.onepin/credentials"


def test_save_sets_modes_and_round_trips(path: Path) -> None:
    save_profile(KEY_FILE, "http://localhost:8000", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_profile(path) == {"api_key": KEY_FILE, "base_url": "http://localhost:8000"}
    text = path.read_text()
    assert text.startswith("[default]\n")
    assert f'api_key = "{KEY_FILE}"' in text


def test_save_tightens_an_existing_directory(path: Path) -> None:
    path.parent.mkdir(mode=0o755)
    os.chmod(path.parent, 0o755)  # noqa: S103 - the test needs a loose directory
    save_profile(KEY_FILE, None, path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_resolution_order(path: Path) -> None:
    save_profile(KEY_FILE, "http://file.example", path)
    env = {"ONEPIN_API_KEY": KEY_ENV, "ONEPIN_BASE_URL": "http://env.example"}
    explicit = resolve(KEY_FLAG, "http://flag.example", env=env, path=path)
    assert (explicit.api_key, explicit.api_key_source) == (KEY_FLAG, "explicit")
    assert (explicit.base_url, explicit.base_url_source) == ("http://flag.example", "explicit")
    from_env = resolve(env=env, path=path)
    assert (from_env.api_key, from_env.api_key_source) == (KEY_ENV, "env")
    assert (from_env.base_url, from_env.base_url_source) == ("http://env.example", "env")
    from_file = resolve(env={}, path=path)
    assert (from_file.api_key, from_file.api_key_source) == (KEY_FILE, "file")
    assert (from_file.base_url, from_file.base_url_source) == ("http://file.example", "file")


def test_default_base_url(path: Path) -> None:
    save_profile(KEY_FILE, None, path)
    creds = resolve(env={}, path=path)
    assert (creds.base_url, creds.base_url_source) == ("https://api.onepin.ai", "default")


def test_nothing_found(path: Path) -> None:
    with pytest.raises(OnePinConfigurationError, match="ONEPIN_API_KEY") as info:
        resolve(env={}, path=path)
    assert "onepin login" in str(info.value)


def test_credentials_repr_hides_the_key(path: Path) -> None:
    creds = resolve(KEY_FLAG, env={}, path=path)
    assert isinstance(creds, Credentials)
    assert KEY_FLAG not in repr(creds)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_readable_by_others_is_refused_with_the_fix(path: Path, mode: int) -> None:
    save_profile(KEY_FILE, None, path)
    os.chmod(path, mode)
    with pytest.raises(OnePinConfigurationError) as info:
        resolve(env={}, path=path)
    assert f"chmod 600 {path}" in str(info.value)
    assert KEY_FILE not in str(info.value)


def test_corrupt_file_is_a_clear_error(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_text("[default\napi_key = ")
    os.chmod(path, 0o600)
    with pytest.raises(OnePinConfigurationError, match="not valid TOML"):
        load_profile(path)


def test_wrong_types_are_a_clear_error(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_text("[default]\napi_key = 5\n")
    os.chmod(path, 0o600)
    with pytest.raises(OnePinConfigurationError, match="api_key must be a string"):
        load_profile(path)


def test_remove_keeps_other_sections(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_text('[staging]\napi_key = "op_live_s"\n\n[default]\napi_key = "op_live_d"\n')
    os.chmod(path, 0o600)
    assert remove_profile(path)
    assert "staging" in path.read_text()
    assert "default" not in path.read_text()
    assert load_profile(path) == {}
    assert not remove_profile(path)


def test_remove_last_section_removes_the_file(path: Path) -> None:
    save_profile(KEY_FILE, None, path)
    assert remove_profile(path)
    assert not path.exists()
    assert not remove_profile(path)


def test_save_keeps_other_sections(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    path.write_text('[staging]\napi_key = "op_live_s"\nretries = 3\n')
    os.chmod(path, 0o600)
    save_profile(KEY_FILE, None, path)
    import tomllib

    data = tomllib.loads(path.read_text())
    assert data == {
        "staging": {"api_key": "op_live_s", "retries": 3},
        "default": {"api_key": KEY_FILE},
    }


def test_odd_characters_round_trip(path: Path) -> None:
    url = 'http://h/"quoted"\\path\u00e9'
    save_profile(KEY_FILE, url, path)
    assert load_profile(path)["base_url"] == url


def test_concurrent_saves_leave_one_valid_file(path: Path) -> None:
    keys = [f"op_live_{n:032d}" for n in range(20)]
    barrier = threading.Barrier(len(keys))

    def login(key: str) -> None:
        barrier.wait()
        save_profile(key, "http://localhost", path)

    threads = [threading.Thread(target=login, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert load_profile(path)["api_key"] in keys
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_failed_write_leaves_the_old_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile(KEY_FILE, None, path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OnePinConfigurationError, match="No space left"):
        save_profile(KEY_ENV, None, path)
    monkeypatch.undo()
    assert load_profile(path)["api_key"] == KEY_FILE
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


# -- edit, never clobber ---------------------------------------------------------------

HAND_WRITTEN = """\
# my OnePin credentials, kept by hand
tags = ["laptop", "dev"]   # a key the CLI does not know
rotated = 2024-04-15T09:30:00Z

[profiles.prod]
api_key = "op_live_PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"  # prod, do not touch

# the one the CLI uses
[default]
api_key = "op_live_OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO"  # rotated monthly
base_url = "http://old.example"
note = "keep me"

[staging]
api_key = "op_live_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS"
"""


def _hand_written(path: Path, text: str = HAND_WRITTEN) -> None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_text(text)
    os.chmod(path, 0o600)


def test_save_changes_only_the_profile_values(path: Path) -> None:
    _hand_written(path)
    save_profile(KEY_FILE, "http://new.example", path)
    expected = HAND_WRITTEN.replace("op_live_" + "O" * 32, KEY_FILE).replace(
        "http://old.example", "http://new.example"
    )
    assert path.read_text() == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_remove_leaves_everything_else_byte_for_byte(path: Path) -> None:
    _hand_written(path)
    assert remove_profile(path)
    start = HAND_WRITTEN.index("[default]")
    end = HAND_WRITTEN.index("[staging]")
    assert path.read_text() == HAND_WRITTEN[:start] + HAND_WRITTEN[end:]


def test_named_profiles(path: Path) -> None:
    _hand_written(path)
    save_profile(KEY_ENV, "http://qa.example", path, profile="qa")
    assert load_profile(path, "qa") == {"api_key": KEY_ENV, "base_url": "http://qa.example"}
    assert path.read_text().startswith(HAND_WRITTEN)  # appended, nothing else touched
    creds = resolve(env={}, path=path, profile="staging")
    assert (creds.api_key, creds.profile) == ("op_live_" + "S" * 32, "staging")
    from_env = resolve(env={"ONEPIN_PROFILE": "qa"}, path=path)
    assert (from_env.api_key, from_env.base_url, from_env.profile) == (
        KEY_ENV, "http://qa.example", "qa",
    )  # fmt: skip
    assert resolve(env={}, path=path).profile == "default"
    assert remove_profile(path, profile="qa")
    assert path.read_text().rstrip("\n") == HAND_WRITTEN.rstrip("\n")  # a blank line may stay


def test_a_missing_profile_names_the_login_command(path: Path) -> None:
    _hand_written(path)
    with pytest.raises(OnePinConfigurationError, match="onepin login --profile ci"):
        resolve(env={}, path=path, profile="ci")


@pytest.mark.parametrize("name", ["", "a b", "x.y", "[default]", "ü"])
def test_bad_profile_names(path: Path, name: str) -> None:
    with pytest.raises(OnePinConfigurationError, match="profile name"):
        save_profile(KEY_FILE, None, path, profile=name)


def test_a_symlinked_file_is_written_through(path: Path, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    target = vault / "onepin.toml"
    _hand_written(target)
    path.parent.mkdir(mode=0o700)
    path.symlink_to(target)
    save_profile(KEY_FILE, "http://old.example", path)
    assert path.is_symlink()
    assert path.resolve() == target
    assert target.read_text() == HAND_WRITTEN.replace("op_live_" + "O" * 32, KEY_FILE)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert remove_profile(path)
    assert path.is_symlink()
    assert "[default]" not in target.read_text()


def test_empty_home_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OnePinConfigurationError, match="HOME is empty"):
        credentials_path(env={"HOME": ""})
    with pytest.raises(OnePinConfigurationError, match="HOME is empty"):
        resolve(env={"HOME": ""})  # a file key needs the file (an explicit one does not)


def test_display_path_is_the_real_path_outside_home(tmp_path: Path) -> None:
    inside = tmp_path / ".onepin" / "credentials"
    assert display_path(inside, env={"HOME": str(tmp_path)}) == "~/.onepin/credentials"
    assert display_path(inside, env={"HOME": "/"}) == str(inside)
    assert display_path(inside, env={"HOME": str(tmp_path / "elsewhere")}) == str(inside)


def test_check_rewritable(path: Path) -> None:
    assert check_rewritable(path) is None  # no file yet: fine
    save_profile(KEY_FILE, None, path)
    assert check_rewritable(path) is None
    os.chmod(path, 0o644)
    assert check_rewritable(path) == 0o644  # loose: login may repair it
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert check_rewritable(path, repair=True) == 0o644
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_rewritable(path) is None
    path.write_text("[default\n")
    with pytest.raises(OnePinConfigurationError, match="not valid TOML"):
        check_rewritable(path)
    path.unlink()
    path.mkdir()
    with pytest.raises(OnePinConfigurationError, match="is a directory"):
        check_rewritable(path)


def test_a_loose_file_is_not_rewritten_without_repair(path: Path) -> None:
    save_profile(KEY_FILE, None, path)
    os.chmod(path, 0o640)
    with pytest.raises(OnePinConfigurationError, match="chmod 600"):
        save_profile(KEY_ENV, None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_from_env_takes_a_profile(path: Path, server: RunningEmulator) -> None:
    import onepin
    import onepin_sync

    key = server.emulator.create_key(name="qa-key")
    save_profile(KEY_FILE, "http://unused.example", path)
    save_profile(key.api_key, server.base_url, path, profile="qa")
    with onepin_sync.OnePinClient.from_env(env={}, credentials_path=path, profile="qa") as client:
        assert client.base_url == server.base_url
        assert client.auth.whoami().key_name == "qa-key"
    env = {"ONEPIN_PROFILE": "qa"}
    with onepin_sync.OnePinClient.from_env(env=env, credentials_path=path) as from_var:
        assert from_var.auth.whoami().key_name == "qa-key"
    assert onepin.OnePinClient.from_env.__doc__ is not None
    assert "profile" in onepin.OnePinClient.from_env.__doc__
