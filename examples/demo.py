"""The main job: start the embedded OnePin emulator and show how to reach it."""

from __future__ import annotations

import sys

from onepin.testing import __main__ as emulator_cli

if __name__ == "__main__":
    sys.exit(emulator_cli.main(["--port", "0", "--seed-keys", "250", *sys.argv[1:]]))
