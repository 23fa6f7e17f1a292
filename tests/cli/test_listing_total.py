"""A cut listing counts the keys of the status asked for, not every row the stream walks."""

from __future__ import annotations

from tests.cli.harness import Cli


def test_a_cut_listing_counts_only_its_status(cli: Cli) -> None:
    cli.emulator.seed_keys(99)
    store = cli.emulator.store
    principal = store.authenticate(f"Bearer {cli.emulator.bootstrap.api_key}", None)
    rows, _ = store.list_keys(principal, offset=1, limit=30, status="all")
    for row in rows:
        store.revoke_key(principal, row.id)
    cli.login()
    result = cli("api-keys", "list", "--limit", "10")
    assert len(result.stdout.splitlines()) == 10
    assert result.stderr.strip() == "Showing 10 of 70 keys; use --all or --limit"
    assert cli("api-keys", "list", "--limit", "70").stderr == ""
