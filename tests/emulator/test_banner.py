"""``python -m onepin.testing`` says, in lines a shell takes as they are, how to reach it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import onepin_sync


def test_the_banner_exports_what_the_cli_and_from_env_read() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "onepin.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        exports: dict[str, str] = {}
        end = time.monotonic() + 30
        while time.monotonic() < end:
            line = proc.stdout.readline()
            if not line or line.startswith("Press Ctrl-C"):
                break
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                exports[name] = value.split()[0]
        assert set(exports) == {"ONEPIN_BASE_URL", "ONEPIN_API_KEY", "ONEPIN_SESSION_TOKEN"}
        env = {**os.environ, **exports}
        with onepin_sync.OnePinClient.from_env(env=env) as client:
            assert client.auth.whoami().auth_kind == "api_key"
        session = exports["ONEPIN_SESSION_TOKEN"]
        with onepin_sync.OnePinClient.from_env(env=env, token=session) as client:
            assert [k.name for k in client.api_keys.list()]  # the session token manages keys
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_help_shows_the_default_port() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "onepin.testing", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "(default: 8000)" in " ".join(shown.split())
