"""The demo (``nox -s demo``) runs under the documented rule and shows no secret in full."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests._coverage import untraced

DEMO = Path(__file__).parent.parent.parent / "examples" / "demo.py"
FULL_SECRET = re.compile(r"op_live_[A-Za-z0-9]{32}|sess_[A-Za-z0-9_-]{20,}")


def test_the_demo_runs_and_masks_every_secret() -> None:
    # untraced: the demo repeats what the suite's own tests measure
    env = untraced({k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")})
    result = subprocess.run(
        [sys.executable, str(DEMO), "--seed-keys", "40"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    shown = result.stdout + result.stderr
    assert not FULL_SECRET.search(shown), FULL_SECRET.search(shown)
    assert "op_live_" in shown  # masked, not left out: a secret's first characters
    assert "SESSION_TOKEN_REQUIRED" not in shown
