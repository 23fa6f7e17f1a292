"""The README's async and sync examples run as written against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from onepin.testing import RunningEmulator

README = Path(__file__).parent.parent / "README.md"


def example(marker: str) -> str:
    blocks: list[str] = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if b.startswith(f"# {marker}\n")]
    assert len(found) == 1, f"README has no single '# {marker}' block"
    return found[0]


def run_python(args: list[str], server: RunningEmulator, home: Path) -> str:
    """Run ``python *args`` with the emulator's key and session token in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")}
    env.update(
        HOME=str(home),
        ONEPIN_API_KEY=server.emulator.bootstrap.api_key,
        ONEPIN_SESSION_TOKEN=server.emulator.bootstrap.session_token,
        ONEPIN_BASE_URL=server.base_url,
    )
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("marker", ["async example", "sync example"])
def test_readme_example_runs(server: RunningEmulator, tmp_path: Path, marker: str) -> None:
    server.emulator.seed_keys(120)
    stdout = run_python(["-c", example(marker)], server, tmp_path)
    if marker == "async example":
        assert "store this secret now" in stdout
        assert stdout.count("seed-") == 120
    else:
        assert "121 keys" in stdout
        assert "not found: NOT_FOUND" in stdout


def test_readme_worker_processes_example_runs(server: RunningEmulator, tmp_path: Path) -> None:
    """Run from a file, as a process pool needs under any start method."""
    server.emulator.seed_keys(30)
    script = tmp_path / "workers.py"
    script.write_text(example("worker processes example"), encoding="utf-8")
    stdout = run_python([str(script)], server, tmp_path)
    assert "31 keys named" in stdout
    assert "not found: NOT_FOUND" in stdout


def test_readme_emulator_snippet_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    snippet = next(b for b in blocks if "from onepin.testing import" in b)
    exec(compile(snippet, "README.md", "exec"), {})  # noqa: S102 - our own README


def test_readme_says_what_is_the_emulators_choice() -> None:
    """Statuses the seeds lack are listed as the emulator's, not mistaken for OnePin's."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The emulator (`onepin.testing`)") : text.index("## Testing")]
    assert "Documented by OnePin" in section
    chosen = section[section.index("The emulator's choice, not documented by OnePin") :]
    for item in (
        "403 `SESSION_TOKEN_REQUIRED`",
        "410 `KEY_REVOKED`",
        "400 `INVALID_WORKSPACE_HEADER`",
        "`Idempotency-Key`",
        "409",
        "`X-RateLimit-Limit`",
        "the listing order",
    ):
        assert item in chosen, item
