"""The README's async and sync examples run as written against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from onepin.testing import FAULT_KINDS, Emulator, Endpoint, RequestTally, RunningEmulator

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


async def _active_keys(emu: Emulator) -> int:
    """How many active keys the emulator's list endpoint counts (its ``pagination.total``)."""
    headers = {"Authorization": f"Bearer {emu.bootstrap.session_token}"}
    async with httpx.AsyncClient(transport=emu.transport(), headers=headers) as http:
        answer = await http.get(emu.base_url + "/api/v1/api-keys", params={"limit": 1})
    total: int = answer.json()["pagination"]["total"]
    return total


def test_readme_emulator_snippet_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    snippet = next(b for b in blocks if "from onepin.testing import" in b)
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    emu: Emulator = namespace["emu"]
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 4, printed
    count, served, tally, kinds = printed
    # the listing saw every active key, through the two injected 503s (retried)
    tallied = RequestTally.of(emu.requests)
    assert count == f"{anyio.run(_active_keys, emu)} active keys"
    assert 250 - 250 // 4 < int(count.split()[0]) < 251  # realistic seeds: a few revoked
    assert tallied.faults["status"] == 2
    # a real loopback socket was served
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served), served
    # the tally counts the attempts, failed ones included, and no key created
    assert tally == f"{tallied.attempts[Endpoint.LIST_KEYS]} 0"
    assert tallied.attempts[Endpoint.LIST_KEYS] >= 3
    assert kinds == str(sorted(FAULT_KINDS))


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


def test_the_module_map_names_every_module() -> None:
    text = README.read_text(encoding="utf-8")
    where = re.findall(r"```\n(.*?)```", text[text.index("Where things live") :], re.S)[0]
    entries: dict[str, str] = {}  # an entry's first word -> its text, continuation lines too
    for line in where.splitlines():
        if not line.startswith(" "):
            key = line.split()[0]
        entries[key] = entries.get(key, "") + " " + line
    root = README.parent / "onepin"
    for module in [*root.glob("*.py"), *(root / "_async").glob("_[!_]*.py")]:
        path = module.relative_to(README.parent).as_posix()
        assert re.search(rf"(?<![\w/]){re.escape(path)}\b", where), (
            f"the module map leaves out {path}"
        )
    for package in ("cli", "testing"):
        entry = entries[f"onepin/{package}/"]
        for module in (root / package).glob("*.py"):
            if module.stem != "__init__":
                assert re.search(rf"(?<!\w){re.escape(module.stem)}\b", entry), (
                    f"the module map leaves out onepin/{package}/{module.name}"
                )
