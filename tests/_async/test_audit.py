"""``onepin.audit`` over the SDK's own key stream: one helper for the async stream and its twin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onepin import Scope
from onepin._async import OnePinClient
from onepin.audit import Finding, KeyAudit, Summary, audit_key
from onepin.testing import RunningEmulator

pytestmark = pytest.mark.anyio

ROTATION_DUE, UNUSED, BROAD, UNLIMITED = Finding


def _seed(server: RunningEmulator) -> str:
    """Three keys besides the bootstrap one; returns the id of one to revoke."""
    emulator = server.emulator
    emulator.create_key(name="limited", scopes=[Scope.VOICES_READ], rate_limit_per_min=100)
    emulator.create_key(name="wide")  # every scope, no limit, never used
    return emulator.create_key(name="gone", scopes=[Scope.VOICES_READ]).id


async def test_audit_of_a_listing_today_and_months_later(
    client: OnePinClient, key_client: OnePinClient, server: RunningEmulator
) -> None:
    await key_client.auth.whoami()  # the bootstrap key is used now
    await client.api_keys.delete(_seed(server))
    later = datetime.now(UTC) + timedelta(days=100)

    summary = Summary()
    months_later: dict[str, tuple[Finding, ...]] = {}
    async with client.api_keys.list(status="all", page_size=2) as keys:  # the sliding window
        async for key in keys:
            months_later[key.name] = summary.add(audit_key(key, now=later)).findings

    assert months_later == {
        "bootstrap": (ROTATION_DUE, UNUSED, BROAD, UNLIMITED),  # used now, idle 100 days then
        "limited": (ROTATION_DUE, UNUSED),
        "wide": (ROTATION_DUE, UNUSED, BROAD, UNLIMITED),
        "gone": (),  # revoked: nothing left to fix
    }
    assert summary.as_dict() == {
        "keys": 4,
        "flagged": 3,
        "rotation_due": 3,
        "unused": 3,
        "broad": 2,
        "unlimited": 2,
    }
    assert str(summary) == "4 keys: 3 rotation due, 3 unused, 2 all-scopes, 2 unlimited"

    today: list[KeyAudit] = []
    async for key in client.api_keys.list():  # iterated directly, active keys only
        today.append(audit_key(key, now=datetime.now(UTC)))
    assert {r.key.name: r.findings for r in today} == {
        "bootstrap": (BROAD, UNLIMITED),
        "limited": (),
        "wide": (BROAD, UNLIMITED),
    }
    assert {(r.age_days, r.idle_days) for r in today if r.key.name != "bootstrap"} == {(0, None)}
    assert next(r.idle_days for r in today if r.key.name == "bootstrap") == 0


async def test_every_finding_over_seeded_keys(
    client: OnePinClient, server: RunningEmulator
) -> None:
    server.emulator.seed_keys(200, seed=13)
    now = datetime.now(UTC)
    summary = Summary()
    revoked: list[KeyAudit] = []
    async with client.api_keys.list(status="all") as keys:
        async for key in keys:
            result = summary.add(audit_key(key, now=now))
            if key.revoked_at is not None:
                revoked.append(result)

    assert summary.keys == 201  # with the bootstrap key
    assert all(summary.counts[finding] > 0 for finding in Finding), summary
    assert 0 < summary.flagged < summary.keys
    assert revoked and all(r.findings == () for r in revoked)
    assert str(summary).startswith("201 keys: ")
