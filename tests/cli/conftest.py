"""The ``cli`` fixture: the ``onepin`` command against a fresh emulator over a socket."""

from __future__ import annotations

from pathlib import Path

import pytest

from onepin.testing import RunningEmulator
from tests.cli.harness import Cli


@pytest.fixture
def cli(tmp_path: Path, server: RunningEmulator) -> Cli:
    return Cli(tmp_path, server)
