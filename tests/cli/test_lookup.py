"""Naming keys and fields on the command line: id prefixes, field typos, scope typos."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.cli.harness import Cli


def test_a_mistyped_json_field_lists_the_fields(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="ci")
    for args in (["list", "--json", "nmae"], ["get", "--json", "nmae", key.id]):
        result = cli("api-keys", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Unknown JSON field 'nmae'" in result.stderr
        assert "name" in result.stderr.split("fields:")[1]
    assert json.loads(cli("api-keys", "get", "--json", "name", key.id).stdout) == {"name": "ci"}


@pytest.fixture
def twins(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ids = iter([uuid.UUID(f"abcd1234-0000-4000-8000-00000000000{n}") for n in (1, 2)])
    with monkeypatch.context() as patch:
        patch.setattr(uuid, "uuid4", lambda: next(ids))
        made = [cli.emulator.create_key(name=f"twin-{n}").id for n in (1, 2)]
    return made


def test_a_unique_id_prefix_names_a_key(cli: Cli, twins: list[str]) -> None:
    cli.login()
    other = cli.emulator.create_key(name="other")
    for ref in (other.id[:8], other.id[:10] + "…"):
        got = cli("api-keys", "get", ref, "--json", "id")
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout) == {"id": other.id}
    unique = cli("api-keys", "get", twins[1][:-1] + "2", "--json", "id")
    assert json.loads(unique.stdout) == {"id": twins[1]}
    ambiguous = cli("api-keys", "get", "abcd1234")
    assert ambiguous.returncode == 2
    assert twins[0] in ambiguous.stderr and twins[1] in ambiguous.stderr


def test_a_scope_typo_is_a_usage_error_listing_the_scopes(cli: Cli) -> None:
    cli.login()
    result = cli("api-keys", "create", "ci", "--scope", "voice:read")
    assert result.returncode == 2
    assert "voices:read" in result.stderr and "workflows:run" in result.stderr
    key = cli.emulator.create_key(name="x")
    update = cli("api-keys", "update", key.id, "--scope", "nope")
    assert update.returncode == 2
    assert [r for r in cli.emulator.requests if r.method in ("POST", "PATCH")] == []


def test_a_second_lookup_by_name_reads_one_key_not_the_listing(cli: Cli) -> None:
    cli.login()
    cli.emulator.seed_keys(450)
    key = cli.emulator.create_key(name="ci")
    first = cli("api-keys", "get", "ci", "--json", "id")
    assert json.loads(first.stdout) == {"id": key.id}
    cli.emulator.clear_requests()
    again = cli("api-keys", "get", "ci", "--json", "id")
    assert json.loads(again.stdout) == {"id": key.id}
    assert [(r.method, r.path) for r in cli.emulator.requests] == [
        ("GET", f"/api/v1/api-keys/{key.id}")
    ]
    assert cli("api-keys", "update", "ci", "--name", "cd").returncode == 0  # drops the cache
    assert cli("api-keys", "get", "ci").returncode == 1  # the old name is gone
