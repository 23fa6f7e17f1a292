"""Named profiles, and a hand-kept credentials file that login and logout edit, never clobber."""

from __future__ import annotations

import json
import os
import stat
import tomllib

from tests.cli.harness import Cli

HAND_KEPT = """\
# kept by hand: the CLI must not lose a byte of this
tags = ["laptop", "dev"]
rotated = 2024-04-15T09:30:00Z

[profiles.prod]
api_key = "op_live_PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"  # prod, do not touch

[default]
api_key = "op_live_OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO"  # replaced on login
base_url = "http://old.example"
note = "stays"
"""


def test_login_and_logout_keep_everything_else(cli: Cli) -> None:
    cli.creds.parent.mkdir(mode=0o700)
    cli.creds.write_text(HAND_KEPT)
    os.chmod(cli.creds, 0o600)
    key = cli.emulator.bootstrap.api_key
    cli.login(None, "--force")  # replaces the saved key: asked for, or --force
    assert cli.creds.read_text() == HAND_KEPT.replace("op_live_" + "O" * 32, key).replace(
        "http://old.example", cli.server.base_url
    )
    assert cli("logout").returncode == 0
    assert cli.creds.read_text() == HAND_KEPT[: HAND_KEPT.index("[default]")]


def test_profiles(cli: Cli) -> None:
    cli.login()
    staging = cli.emulator.create_key(name="staging-key", scopes=["voices:read"])
    result = cli.login(staging.api_key, "--profile", "staging")
    assert "Saved to: ~/.onepin/credentials (profile staging)" in result.stdout
    saved = tomllib.loads(cli.creds.read_text())
    assert saved["staging"]["api_key"] == staging.api_key
    assert saved["default"]["api_key"] == cli.emulator.bootstrap.api_key

    assert "Key name: bootstrap" in cli("whoami").stdout
    named = cli("whoami", "--profile", "staging")
    assert "Key name: staging-key" in named.stdout
    assert 'profile "staging"' in named.stderr
    from_env = cli("whoami", env={"ONEPIN_PROFILE": "staging"})
    assert "Key name: staging-key" in from_env.stdout
    root_flag = cli("--profile", "staging", "api-keys", "get", "staging-key", "--json", "name")
    assert json.loads(root_flag.stdout) == {"name": "staging-key"}

    missing = cli("whoami", "--profile", "nope")
    assert missing.returncode == 4
    assert "onepin login --profile nope" in missing.stderr

    out = cli("logout", "--profile", "staging")
    assert out.stdout == "✓ Credentials removed from ~/.onepin/credentials (profile staging)\n"
    assert "staging" not in tomllib.loads(cli.creds.read_text())
    assert "Key name: bootstrap" in cli("whoami").stdout


def test_a_bad_profile_name_is_refused(cli: Cli) -> None:
    result = cli.try_login(None, "--profile", "a b")
    assert result.returncode == 2  # a usage error
    assert "profile name" in result.stderr
    assert cli.emulator.requests == []


def test_a_symlinked_file_is_written_through(cli: Cli) -> None:
    vault = cli.home / "vault"
    vault.mkdir(mode=0o700)
    target = vault / "onepin-credentials"
    target.write_text(HAND_KEPT)
    os.chmod(target, 0o600)
    cli.creds.parent.mkdir(mode=0o700)
    cli.creds.symlink_to(target)
    cli.login(None, "--force")  # replaces the hand-kept key
    assert cli.creds.is_symlink()
    assert tomllib.loads(target.read_text())["default"]["api_key"] == cli.emulator.bootstrap.api_key
    assert "# kept by hand" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
