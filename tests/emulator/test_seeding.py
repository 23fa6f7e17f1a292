"""Seeded keys: plain ones for paging, realistic reproducible ones for audits."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from onepin.testing import ALL_SCOPES, Emulator, KeyRow, RunningEmulator
from tests.emulator.helpers import KEYS, data

pytestmark = pytest.mark.anyio

DAY = timedelta(days=1)


def rows(emu: Emulator, status: str = "all") -> list[KeyRow]:
    """Every row of the bootstrap workspace but the bootstrap key."""
    principal = emu.store.authenticate(f"Bearer {emu.bootstrap.api_key}", None)
    found, _ = emu.store.list_keys(principal, offset=0, limit=10**9, status=status)
    return [row for row in found if row.id != emu.bootstrap.api_key_id]


def findings(row: KeyRow, now: datetime) -> set[str]:
    """The contract's three rules plus the rate limit, at the audit's default thresholds."""
    found = set()
    if now - row.created_at > 90 * DAY:
        found.add("rotation_due")
    if now - (row.last_used_at or row.created_at) > 30 * DAY:
        found.add("unused")
    if set(row.scopes) == set(ALL_SCOPES):
        found.add("all_scopes")
    if row.rate_limit_per_min is None:
        found.add("unlimited")
    return found


# A guard against seeding that grows faster than the keys (a quadratic seed of 20,000
# keys takes minutes); how fast seeding is, is the benchmarks' to say.
def test_plain_seed_20k_keys_is_fast_and_ordered() -> None:
    start = time.process_time()
    emu = Emulator(seed_keys=20_000)
    assert time.process_time() - start < 5
    principal = emu.store.authenticate(f"Bearer {emu.bootstrap.api_key}", None)
    page, total = emu.store.list_keys(principal, offset=19_900, limit=100, status="active")
    assert total == 20_001
    assert [r.name for r in page] == [f"seed-{n:05d}" for n in range(19_899, 19_999)]
    owner = emu.store.owner(emu.bootstrap.workspace_id)
    assert owner is not None
    assert {r.created_by for r in page} == {owner}  # made in setup, as realistic seeds are


def test_realistic_seed_20k_keys_is_fast() -> None:
    emu = Emulator()
    start = time.process_time()
    emu.seed_keys(20_000, seed=1)
    assert time.process_time() - start < 5
    assert len(rows(emu)) == 20_000
    assert len({r.id for r in rows(emu)}) == 20_000


@pytest.mark.parametrize("count", [6, 1000])
def test_realistic_keys_show_every_audit_finding(count: int) -> None:
    emu = Emulator(seed_keys=count, seed=42)
    now = datetime.now(UTC)
    active = rows(emu, "active")
    seen = [findings(row, now) for row in active]
    every = {"rotation_due", "unused", "all_scopes", "unlimited"}
    assert set().union(*seen) == every
    assert set() in seen  # and a key with nothing to report
    never_used = [r for r in active if r.last_used_at is None]
    recent = [r for r in active if r.last_used_at and now - r.last_used_at < DAY]
    assert never_used and recent
    if count >= 1000:
        revoked = rows(emu, "revoked")
        assert 0.04 < len(revoked) / count < 0.14
        assert 0.12 < len(never_used) / count < 0.28
        assert all(not r.active and r.revoked_at for r in revoked)
        for kind in every:
            assert sum(kind in f for f in seen) >= count // 20, kind


def test_realistic_keys_are_consistent_in_time() -> None:
    emu = Emulator(seed_keys=2000, seed=3)
    now = datetime.now(UTC)
    seeded = rows(emu)
    assert [r.created_at for r in seeded] == sorted(r.created_at for r in seeded)
    assert now - seeded[0].created_at < 366 * DAY
    assert now - seeded[0].created_at > 300 * DAY  # spread over the year
    for row in seeded:
        assert row.created_at <= now
        if row.last_used_at is not None:
            assert row.created_at <= row.last_used_at <= now
        if row.revoked_at is not None:
            assert row.last_used_at is None or row.last_used_at <= row.revoked_at
            assert row.updated_at == row.revoked_at and not row.active
        else:
            assert row.updated_at == row.created_at and row.active
        assert row.scopes == sorted(row.scopes) and set(row.scopes) <= set(ALL_SCOPES)
        assert row.scopes and row.preview == "op_live_" + row.key_suffix
        assert row.name.startswith("seed-")
        assert row.created_by == emu.store.owner(emu.bootstrap.workspace_id)
    assert len({r.name for r in seeded}) == len(seeded)


def test_same_seed_same_keys_other_seed_other_keys() -> None:
    def shape(seed: int) -> list[tuple[object, ...]]:
        emu = Emulator(seed_keys=300, seed=seed)
        now = datetime.now(UTC)
        return [
            (
                r.name,
                r.scopes,
                r.rate_limit_per_min,
                r.active,
                round((now - r.created_at) / DAY),
                r.last_used_at and round((now - r.last_used_at) / DAY),
            )
            for r in rows(emu)
        ]

    assert shape(5) == shape(5)
    assert shape(5) != shape(6)


def test_seeded_keys_cannot_authenticate_and_other_workspaces_are_untouched() -> None:
    emu = Emulator()
    other = emu.create_account()
    emu.seed_keys(50, seed=1, workspace_id=other.workspace_id, prefix="ws2")
    assert rows(emu) == []
    principal = emu.store.authenticate(f"Bearer {other.api_key}", None)
    theirs, total = emu.store.list_keys(principal, offset=0, limit=100, status="all")
    assert total == 51 and all(r.name.startswith("ws2-") for r in theirs[1:])


async def test_realistic_keys_over_http(http: httpx.AsyncClient, emulator: Emulator) -> None:
    emulator.seed_keys(120, seed=9)
    listed = data(await http.get(f"{KEYS}?status=all&limit=100"))
    assert len(listed) == 100
    some = next(k for k in listed if k["name"] != "bootstrap")
    assert data(await http.get(f"{KEYS}/{some['id']}")) == some
    assert {k["active"] for k in listed} == {True, False}
    assert any(k["last_used_at"] is None for k in listed)
    rotated = await http.patch(f"{KEYS}/{next(k for k in listed if k['active'])['id']}/rotate")
    assert rotated.status_code == 200


def test_admin_seed_takes_a_seed(server: RunningEmulator) -> None:
    assert server.admin("POST", "seed", {"count": 20, "seed": 4}) == {"seeded": 20}
    assert any(not r.active for r in rows(server.emulator))
    assert any(r.name.startswith("seed-ci-runner-") for r in rows(server.emulator))


def test_cli_seed_needs_seed_keys() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "onepin.testing", "--port", "0", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--seed needs --seed-keys" in result.stderr
