"""The locals and ``rich.inspect`` sweep over credentials: no key in clear anywhere (#17.3).

Every public object that holds a key is shown with ``repr``, ``vars()`` and
``rich.inspect``; every raising path of credential resolution is formatted
with ``capture_locals=True`` (as Sentry, rich and pytest show tracebacks).
"""

from __future__ import annotations

import io
import os
import pickle
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.pretty import pretty_repr

import onepin
import onepin_sync
from onepin import credentials
from onepin.cli._app import cli as root
from onepin.cli._context import Settings
from onepin.credentials import credentials_path, resolve, save_profile

KEY = "op_live_" + "S3cr" * 8


def _with_locals(exc: BaseException) -> str:
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


def _inspected(obj: object) -> str:
    import rich

    buffer = io.StringIO()
    rich.inspect(obj, console=Console(file=buffer, width=200), all=True, private=True)
    return buffer.getvalue()


def _raised(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("no error raised")


@pytest.fixture
def loose(tmp_path: Path) -> Path:
    path = credentials_path(tmp_path)
    save_profile("op_live_" + "F" * 32, None, path)
    os.chmod(path, 0o644)
    return path


def _raising_paths(loose: Path) -> dict[str, Callable[[], Any]]:
    sync = onepin_sync.OnePinClient
    return {
        "from_env bad profile": lambda: sync.from_env(token=KEY, env={}, profile="a b"),
        "from_env loose file": lambda: sync.from_env(env={}, credentials_path=loose),
        "from_env bad option": lambda: sync.from_env(token=KEY, env={}, max_retries=-1),
        "from_env bad base URL": lambda: sync.from_env(token=KEY, env={}, base_url="ftp://x"),
        "from_env no key": lambda: sync.from_env(env={"HOME": ""}),
        # ONEPIN_API_KEY is set in os.environ by the test
        "from_env env key, bad option": lambda: sync.from_env(max_retries=-1),
        "async from_env bad option": lambda: onepin.OnePinClient.from_env(
            token=KEY, env={}, timeout=-1
        ),
        "constructor bad token": lambda: sync(KEY + " x"),
        "async constructor bad token": lambda: onepin.OnePinClient(KEY + "\tx"),
        "resolve bad profile": lambda: resolve(api_key=KEY, env={}, profile="a b"),
        "resolve loose file": lambda: resolve(env={}, path=loose),
        "save loose file": lambda: save_profile(KEY, None, loose),
    }


def test_no_raising_path_keeps_the_key_in_a_local(
    loose: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEPIN_API_KEY", KEY)  # os.environ itself holds the key
    for name, call in _raising_paths(loose).items():
        exc = _raised(call)
        assert isinstance(exc, onepin.OnePinConfigurationError), name
        text = _with_locals(exc)
        assert "locals" in text or "=" in text, name
        assert KEY not in text, name


def test_every_object_holding_a_key_shows_it_masked() -> None:
    creds = resolve(KEY, env={})
    current = Settings()  # filled as the command line is parsed
    with root.make_context("onepin", ["--api-key", KEY, "whoami"], obj=current):
        pass
    for obj in (creds, current, credentials.Inputs.take(KEY, None, {"ONEPIN_API_KEY": KEY})):
        for shown in (repr(obj), repr(vars(obj)), pretty_repr(obj), _inspected(obj)):
            assert KEY not in shown, type(obj).__name__
    assert creds.api_key == KEY  # still the key, to send
    assert current.api_key == KEY
    assert "op_live_…S3cr" in repr(creds.api_key)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(creds)
