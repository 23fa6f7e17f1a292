"""Serving on a real port: in a thread, in a child process, and without the extra."""

from __future__ import annotations

import subprocess
import sys

import httpx
import msgspec
import pytest

from onepin.testing import Emulator, EmulatorProcess, Endpoint, RequestTally, RunningEmulator
from tests.emulator.helpers import KEYS

BLOCK_AND_RUN = """
import runpy, sys
sys.modules[{module!r}] = None  # as if the extra were not installed
sys.argv = ["python -m onepin.testing", "--port", "0"]
runpy.run_module("onepin.testing", run_name="__main__")
"""


@pytest.mark.parametrize("module", ["starlette", "uvicorn"])
def test_without_the_extra_one_line_names_the_install_command(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_AND_RUN.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"({module} is missing)" in result.stderr
    assert 'pip install -e ".[emulator]"' in result.stderr
    assert "pip install onepin" not in result.stderr and "Traceback" not in result.stderr


def test_in_process_without_the_extra_raises_the_same_message() -> None:
    code = (
        "import sys; sys.modules['starlette'] = None\n"
        "from onepin.testing import Emulator, ExtraMissing\n"
        "try:\n    Emulator()\nexcept ExtraMissing as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.startswith("onepin.testing needs the emulator extra (starlette is missing)")


def test_json_line_says_how_to_reach_it() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "onepin.testing", "--port", "0", "--json", "--seed-keys", "3"],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        ready = msgspec.json.decode(proc.stdout.readline())
        assert set(ready) == {"base_url", "admin_token", "account"}
        token = ready["account"]["session_token"]
        r = httpx.get(ready["base_url"] + KEYS, headers={"Authorization": f"Bearer {token}"})
        assert r.json()["pagination"]["total"] == 4
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0  # SIGTERM stops it cleanly
        if proc.stdout is not None:
            proc.stdout.close()


def test_emulator_process_serves_seeds_and_counts() -> None:
    with EmulatorProcess(seed_keys=30, seed=2, latency=0.01) as proc:
        assert proc.pid is not None and proc.base_url.startswith("http://127.0.0.1:")
        assert proc.admin_token not in repr(proc) and proc.bootstrap.api_key not in repr(proc)
        auth = {"Authorization": f"Bearer {proc.bootstrap.session_token}"}
        listed = httpx.get(f"{proc.base_url}{KEYS}?status=all", headers=auth).json()
        assert listed["pagination"]["total"] == 31
        assert any(not k["active"] for k in listed["data"])
        created = httpx.post(proc.base_url + KEYS, json={"name": "n"}, headers=auth).json()
        tally = RequestTally.of(proc.requests())
        assert tally.attempts == {Endpoint.LIST_KEYS: 1, Endpoint.CREATE_KEY: 1}
        assert tally.created == {Endpoint.CREATE_KEY: 1}
        assert proc.requests()[1].created == (created["data"]["id"],)
        base_url = proc.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + KEYS)
    with pytest.raises(RuntimeError, match="not running"):
        _ = proc.base_url


def test_emulator_process_that_cannot_listen_says_so() -> None:
    with EmulatorProcess() as first:
        port = int(first.base_url.rsplit(":", 1)[1])
        with pytest.raises(RuntimeError, match="did not start"):
            EmulatorProcess(port=port).start()


def test_running_emulator_is_a_context_manager_with_the_same_api(emulator: Emulator) -> None:
    with RunningEmulator(emulator) as server:
        auth = {"Authorization": f"Bearer {emulator.bootstrap.api_key}"}
        assert httpx.get(server.base_url + "/api/v1/auth/whoami", headers=auth).status_code == 200
        assert server.requests() == emulator.requests
        assert server.admin("GET", "state")["workspace_id"] == emulator.bootstrap.workspace_id
