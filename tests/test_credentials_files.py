"""Odd credentials files end quickly with a typed error naming the file (#17.2, #19.4, #19.15)."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from onepin import OnePinConfigurationError
from onepin._tomlfile import MAX_BYTES
from onepin.credentials import (
    credentials_path,
    load_profile,
    remove_profile,
    resolve,
    save_profile,
    set_active_profile,
)

KEY = "op_live_" + "F" * 32


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = credentials_path(tmp_path)
    path.parent.mkdir(mode=0o700)
    return path


def _fails_fast(path: Path, match: str) -> None:
    done: list[BaseException] = []

    def read() -> None:
        try:
            resolve(env={}, path=path)
        except BaseException as exc:
            done.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading the credentials file blocked"
    assert time.monotonic() - started < 5
    assert len(done) == 1 and isinstance(done[0], OnePinConfigurationError), done
    assert str(path) in str(done[0])
    assert match in str(done[0])


def test_a_fifo_is_refused_at_once(path: Path) -> None:
    os.mkfifo(path, 0o600)
    _fails_fast(path, "not a regular file")


def test_a_huge_file_is_refused_at_once(path: Path) -> None:
    with path.open("w") as fh:
        fh.write("# padding\n" * (4 * MAX_BYTES // 10))
    os.chmod(path, 0o600)
    _fails_fast(path, "at most")


def test_a_duplicated_key_is_the_named_invalid_toml_error(path: Path) -> None:
    path.write_text(f'[default]\napi_key = "{KEY}"\napi_key = "{KEY}"\n')
    os.chmod(path, 0o600)
    with pytest.raises(OnePinConfigurationError, match="not valid TOML") as info:
        load_profile(path)
    assert str(path) in str(info.value)
    assert "onepin login --force" in str(info.value)
    assert KEY not in str(info.value)


def test_a_loose_file_may_lose_a_secret_but_not_gain_one(path: Path) -> None:
    save_profile(KEY, None, path)
    save_profile(KEY, None, path, profile="other")
    os.chmod(path, 0o640)
    with pytest.raises(OnePinConfigurationError, match="chmod 600"):
        save_profile(KEY, None, path)
    assert remove_profile(path)  # logout makes a loose file safer: allowed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # and rewrites it private
    assert "other" in path.read_text()


def test_a_symlinked_file_locks_beside_the_link_and_never_dangles(
    path: Path, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    target = vault / "onepin.toml"
    target.write_text("")
    os.chmod(target, 0o600)
    path.symlink_to(target)
    save_profile(KEY, None, path)
    assert sorted(p.name for p in vault.iterdir()) == ["onepin.toml"]  # no lock beside it
    assert remove_profile(path)  # the last profile
    assert path.is_symlink() and path.exists()  # the link still points at a file
    assert target.read_text() == ""
    assert sorted(p.name for p in vault.iterdir()) == ["onepin.toml"]


def _holders_of(secret: str, error: BaseException) -> list[str]:
    """Where ``secret`` shows in a raised error: a frame's local, its args, a chained error."""
    found: list[str] = []
    chain: BaseException | None = error
    while chain is not None:
        if secret in repr(chain.args):
            found.append(f"{type(chain).__name__}.args")
        tb = chain.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            for name, value in frame.f_locals.items():
                if secret in repr(value):
                    found.append(f"{frame.f_code.co_name}: {name}")
            tb = tb.tb_next
        chain = chain.__cause__ or chain.__context__
    return found


OTHER = "op_live_" + "G" * 32
FAILING_CALLS: dict[str, tuple[bytes, int, Callable[[Path], object]]] = {
    "invalid TOML": (b'[default]\napi_key = "%s"\n[x\n', 0o600, load_profile),
    "not UTF-8": (b'[default]\napi_key = "%s"\n\xff\n', 0o600, load_profile),
    "a bad profile name to read": (
        b'[default]\napi_key = "%s"\n',
        0o600,
        lambda p: load_profile(p, "bad name"),
    ),
    "a bad profile name to save": (
        b'[default]\napi_key = "%s"\n',
        0o600,
        lambda p: save_profile(OTHER, None, p, profile="x y"),
    ),
    "a bad profile name to remove": (
        b'[default]\napi_key = "%s"\n',
        0o600,
        lambda p: remove_profile(p, profile="x y"),
    ),
    "a profile to switch to that is not saved": (
        b'[default]\napi_key = "%s"\n',
        0o600,
        lambda p: set_active_profile("missing", p),
    ),
    "a file others can read": (
        b'[default]\napi_key = "%s"\n',
        0o644,
        lambda p: save_profile(OTHER, None, p, profile="x"),
    ),
}


@pytest.mark.parametrize("case", sorted(FAILING_CALLS))
def test_no_frame_of_a_failed_call_keeps_the_saved_key(path: Path, case: str) -> None:
    # (a traceback's locals are what error trackers and rich's tracebacks show)
    text, mode, call = FAILING_CALLS[case]
    path.write_bytes(text % KEY.encode())
    os.chmod(path, mode)
    with pytest.raises(OnePinConfigurationError) as info:
        call(path)
    assert _holders_of(KEY, info.value) == []
    assert _holders_of(OTHER, info.value) == []
