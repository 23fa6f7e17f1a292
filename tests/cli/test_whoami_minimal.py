"""``whoami`` against a server with the official SDK's minimal whoami shape (#20.2).

That shape is ``auth_kind, user_id, workspace_id, api_key_id, scopes``: no
``email``, no ``key_name``; the emulator serves it with ``whoami_shape="minimal"``.
"""

from __future__ import annotations

import json

import pytest

from tests.cli.harness import Cli


@pytest.fixture
def minimal(cli: Cli) -> str:
    """The emulator's base URL, serving the minimal whoami shape for this test."""
    cli.emulator.whoami_shape = "minimal"
    return cli.server.base_url


def test_whoami_falls_back_to_the_key_and_the_user_id(cli: Cli, minimal: str) -> None:
    cli.emulator.key_management = "any"  # where an API key may read keys, the name is found
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["voices:read"])
    env = {"ONEPIN_API_KEY": key.api_key, "ONEPIN_BASE_URL": minimal}
    result = cli("whoami", env=env)
    assert result.returncode == 0, result.stderr
    boot = cli.emulator.bootstrap
    assert result.stdout.splitlines() == [
        f"User: {boot.user_id} (no email)",
        f"User ID: {boot.user_id}",
        f"Workspace: {boot.workspace_id}",
        "Key name: ci-pipeline (from the key)",
        "Scopes: voices:read",
    ]
    body = json.loads(cli("whoami", "--json", env=env).stdout)
    assert body == {
        "user_id": boot.user_id,
        "workspace_id": boot.workspace_id,
        "key_name": "ci-pipeline",
        "scopes": ["voices:read"],
    }


def test_whoami_without_a_readable_key_name_says_nothing_false(cli: Cli, minimal: str) -> None:
    cli.emulator.key_management = "session"  # an API key may not read keys: no fallback
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["voices:read"])
    env = {"ONEPIN_API_KEY": key.api_key, "ONEPIN_BASE_URL": minimal}
    result = cli("whoami", env=env)
    assert result.returncode == 0, result.stderr
    assert "Key name: -" in result.stdout.splitlines()
    assert json.loads(cli("whoami", "--json", env=env).stdout)["key_name"] is None
