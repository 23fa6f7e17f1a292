"""The install and quick-start instructions tell the truth: they run, on the Python at hand.

The tests that drive nox, build a wheel or a virtual environment are marked
``packaging``: ``nox -s packaging`` runs them, ``nox -s tests`` leaves them out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALLED = (
    "import importlib.metadata as m, json; "
    "print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
)


def nox(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_the_readme_never_installs_the_other_onepin() -> None:
    # "onepin" on the package index is an unrelated project
    for line in README.splitlines():
        assert not re.search(r"pip install\s+[\"']?onepin\b", line), line
    assert 'pip install "dist/onepin-' in README
    assert "nox -s build" in README


def test_ci_runs_the_readme_test_command() -> None:
    # the quick start's console block: its two commands, each line as typed
    quick_start = README.split("## Quick start", 1)[1].split("```console\n", 1)[1]
    lines = quick_start.split("```")[0].splitlines()
    commands = [line.split("  #", 1)[0].strip() for line in lines]
    assert len(commands) == 2
    assert commands[0].endswith(" -m nox -s demo")
    assert commands[1].endswith(" -m nox -s tests")
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()  # the whole line, word for word
    # and the tests that session leaves out, among the sessions run side by side after it
    (sessions,) = re.findall(r"^for sessions in (.*); do$", ci, re.M)
    assert '"packaging"' in sessions.split()
    assert ".venv/bin/python -m nox -s $sessions" in ci


@pytest.mark.packaging
def test_quick_start_sessions_use_the_python_at_hand() -> None:
    listed = nox("--list", "--json", "-s", "tests", "demo", "build")
    assert listed.returncode == 0, listed.stderr
    sessions = {s["name"]: s for s in json.loads(listed.stdout)}
    for name in ("tests", "demo", "build"):
        assert sessions[name]["python"] is None, name


@pytest.mark.packaging
def test_a_missing_python_fails_loudly() -> None:
    result = nox("-s", "demo", "--force-python", "3.99")
    assert result.returncode != 0
    assert "skipped" not in result.stderr.lower()
    assert "3.99" in result.stderr


@pytest.mark.packaging
def test_demo_installs_only_what_it_needs(tmp_path: Path) -> None:
    result = nox("--envdir", str(tmp_path), "-s", "demo", "--install-only")
    assert result.returncode == 0, result.stderr
    python = tmp_path / "demo" / "bin" / "python"
    # (a uv-made environment has no pip: ask the environment's own Python)
    listed = subprocess.run(
        [str(python), "-c", INSTALLED],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {name.lower() for name in json.loads(listed.stdout)}
    assert {"onepin", "trio", "starlette", "uvicorn"} <= names
    assert not names & {"mypy", "ruff", "pytest", "pydantic", "pexpect"}


@pytest.mark.packaging
def test_the_built_wheel_installs_as_the_readme_says(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = nox("--envdir", str(tmp_path / "envs"), "-s", "build", "--", "--outdir", str(dist))
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("onepin-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(meta).decode()
    assert all(f"Provides-Extra: {extra}" in metadata for extra in ("cli", "trio", "emulator"))
    venv.create(tmp_path / "venv", with_pip=True)
    pip = tmp_path / "venv" / "bin" / "pip"
    install = subprocess.run(
        [str(pip), "install", "--quiet", f"{wheel}[cli,trio,emulator]"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    version = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "onepin"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("onepin ")
    imports = "import onepin.testing, onepin_sync, trio; print('ok')"
    check = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", imports],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.stdout.strip() == "ok", check.stderr
