"""``onepin.audit``: every rule on both sides of its threshold, with a fixed ``now``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onepin import ApiKey, OnePinError, Scope
from onepin.audit import (
    DurationError,
    Finding,
    KeyAudit,
    Policy,
    Summary,
    audit_key,
    parse_duration,
)

ROTATION_DUE, UNUSED, BROAD, UNLIMITED = Finding
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
EVERY_SCOPE = tuple(scope.value for scope in Scope)


def make_key(
    *,
    age: timedelta = timedelta(days=1),
    idle: timedelta | None = timedelta(hours=1),
    scopes: tuple[str, ...] = ("voices:read",),
    rate_limit_per_min: int | None = 60,
    revoked: bool = False,
) -> ApiKey:
    """A key created ``age`` before NOW and last used ``idle`` before it; clean by default."""
    created = NOW - age
    return ApiKey(
        id="key-1",
        workspace_id="ws-1",
        name="ci",
        active=not revoked,
        created_at=created,
        updated_at=created,
        scopes=scopes,
        last_used_at=None if idle is None else NOW - idle,
        rate_limit_per_min=rate_limit_per_min,
        revoked_at=NOW if revoked else None,
    )


def findings(key: ApiKey, policy: Policy | None = None) -> tuple[Finding, ...]:
    return audit_key(key, now=NOW, policy=policy or Policy()).findings


# -- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("1h", timedelta(hours=1)),
        (" 30D ", timedelta(days=30)),
        ("007w", timedelta(weeks=7)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "d", "90", "90 d", "9.5d", "-1d", "+1d", "1m", "1y", "1d2h", "0d", "0h",
     "\u0669\u0660d", "99999999999999w", "op_live_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"],
)  # fmt: skip
def test_bad_durations_are_typed_errors_that_do_not_echo_the_input(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, OnePinError)
    if len(text.strip()) > 2:  # (shorter ones are parts of the examples)
        assert text.strip() not in str(caught.value)


def test_a_duration_must_be_a_string() -> None:
    with pytest.raises(DurationError):
        parse_duration(90)  # type: ignore[arg-type]


@given(st.text(max_size=30))
def test_any_text_is_a_positive_duration_or_a_duration_error(text: str) -> None:
    with contextlib.suppress(DurationError):
        assert parse_duration(text) > timedelta(0)


@pytest.mark.parametrize(
    "changes", [{"max_age": timedelta(0)}, {"unused_for": -SECOND}, {"max_age": -timedelta(days=1)}]
)
def test_a_policy_needs_positive_thresholds(changes: dict[str, timedelta]) -> None:
    with pytest.raises(DurationError):
        Policy(**changes)


# -- each rule, both sides of its threshold --------------------------------------------


def test_a_fresh_limited_narrow_key_is_clean() -> None:
    assert findings(make_key()) == ()


def test_rotation_due_after_the_documented_90_days() -> None:
    assert findings(make_key(age=timedelta(days=90))) == ()
    assert findings(make_key(age=timedelta(days=90) + SECOND)) == (ROTATION_DUE,)


def test_rotation_due_with_a_custom_max_age() -> None:
    weekly = Policy(max_age=timedelta(weeks=1))
    assert findings(make_key(age=timedelta(weeks=1)), weekly) == ()
    assert findings(make_key(age=timedelta(weeks=1) + SECOND), weekly) == (ROTATION_DUE,)


def test_unused_by_last_use() -> None:
    old = timedelta(days=60)
    assert findings(make_key(age=old, idle=timedelta(days=30))) == ()
    assert findings(make_key(age=old, idle=timedelta(days=30) + SECOND)) == (UNUSED,)


def test_unused_when_never_used_and_older_than_the_threshold() -> None:
    assert findings(make_key(age=timedelta(days=30), idle=None)) == ()
    assert findings(make_key(age=timedelta(days=30) + SECOND, idle=None)) == (UNUSED,)


def test_an_old_key_in_use_is_due_for_rotation_but_not_unused() -> None:
    assert findings(make_key(age=timedelta(days=400), idle=timedelta(0))) == (ROTATION_DUE,)


def test_unused_with_a_custom_threshold() -> None:
    policy = Policy(unused_for=timedelta(hours=12))
    assert findings(make_key(idle=timedelta(hours=12)), policy) == ()
    assert findings(make_key(idle=timedelta(hours=12) + SECOND), policy) == (UNUSED,)


def test_broad_means_every_known_scope() -> None:
    assert findings(make_key(scopes=EVERY_SCOPE)) == (BROAD,)
    assert findings(make_key(scopes=(*EVERY_SCOPE, "future:scope"))) == (BROAD,)
    assert findings(make_key(scopes=tuple(reversed(EVERY_SCOPE)))) == (BROAD,)
    for missing in EVERY_SCOPE:
        narrower = tuple(s for s in EVERY_SCOPE if s != missing)
        assert findings(make_key(scopes=(*narrower, "future:scope"))) == ()
    assert findings(make_key(scopes=())) == ()


def test_unlimited_means_no_rate_limit() -> None:
    assert findings(make_key(rate_limit_per_min=None)) == (UNLIMITED,)
    assert findings(make_key(rate_limit_per_min=1)) == ()
    assert findings(make_key(rate_limit_per_min=0)) == ()


def test_every_finding_at_once_in_a_stable_order() -> None:
    key = make_key(age=timedelta(days=365), idle=None, scopes=EVERY_SCOPE, rate_limit_per_min=None)
    assert findings(key) == (ROTATION_DUE, UNUSED, BROAD, UNLIMITED)


def test_a_revoked_key_has_nothing_left_to_fix() -> None:
    key = make_key(
        age=timedelta(days=365),
        idle=None,
        scopes=EVERY_SCOPE,
        rate_limit_per_min=None,
        revoked=True,
    )
    result = audit_key(key, now=NOW)
    assert result.findings == ()
    assert result.age_days == 365


def test_ages_in_whole_days() -> None:
    result = audit_key(make_key(age=timedelta(days=3, hours=23), idle=timedelta(hours=25)), now=NOW)
    assert (result.age_days, result.idle_days) == (3, 1)
    assert audit_key(make_key(idle=None), now=NOW).idle_days is None


def test_timestamps_after_now_count_as_zero_days() -> None:
    result = audit_key(make_key(age=-timedelta(days=2), idle=-timedelta(hours=1)), now=NOW)
    assert (result.age_days, result.idle_days, result.findings) == (0, 0, ())


def test_naive_datetimes_are_utc() -> None:
    key = make_key(age=timedelta(days=91))
    naive_key = msgspec.structs.replace(
        key,
        created_at=key.created_at.replace(tzinfo=None),
        last_used_at=None,
    )
    assert audit_key(naive_key, now=NOW).findings == (ROTATION_DUE, UNUSED)
    assert audit_key(key, now=NOW.replace(tzinfo=None)).findings == (ROTATION_DUE,)
    # Exactly 90 days in another zone is not yet due: offsets are honoured.
    tokyo = timezone(timedelta(hours=9))
    created = (NOW - timedelta(days=90)).astimezone(tokyo)
    exact = msgspec.structs.replace(key, created_at=created)
    assert audit_key(exact, now=NOW).findings == ()


# -- results and summary ------------------------------------------------------------


def test_result_as_dict_is_the_json_shape() -> None:
    result = audit_key(make_key(age=timedelta(days=100), idle=None), now=NOW)
    assert result.as_dict() == {
        "id": "key-1",
        "name": "ci",
        "findings": ["rotation_due", "unused"],
        "age_days": 100,
        "idle_days": None,
    }
    assert msgspec.json.decode(msgspec.json.encode(result.as_dict())) == result.as_dict()


def test_summary_counts_each_finding_and_reads_as_one_line() -> None:
    summary = Summary()
    assert str(summary) == "0 keys: 0 rotation due, 0 unused, 0 all-scopes, 0 unlimited"
    keys = (
        [make_key(age=timedelta(days=100))] * 87
        + [make_key(idle=timedelta(days=31))] * 310
        + [make_key(scopes=EVERY_SCOPE, rate_limit_per_min=None)] * 12
        + [make_key(rate_limit_per_min=None)] * 388
        + [make_key()] * 407
    )
    for key in keys:
        result = summary.add(audit_key(key, now=NOW))
        assert isinstance(result, KeyAudit)
    assert str(summary) == "1,204 keys: 87 rotation due, 310 unused, 12 all-scopes, 400 unlimited"
    assert summary.as_dict() == {
        "keys": 1204,
        "flagged": 797,
        "rotation_due": 87,
        "unused": 310,
        "broad": 12,
        "unlimited": 400,
    }
    assert "1204" in repr(summary)


def test_one_key_is_singular() -> None:
    summary = Summary()
    summary.add(audit_key(make_key(), now=NOW))
    assert str(summary).startswith("1 key: ")
    assert summary.flagged == 0


def test_labels() -> None:
    assert [f.label for f in Finding] == ["rotation due", "unused", "all-scopes", "unlimited"]
    assert [str(f) for f in Finding] == ["rotation_due", "unused", "broad", "unlimited"]


def test_importing_onepin_leaves_the_audit_unloaded() -> None:
    code = (
        "import sys, onepin\n"
        "print('onepin.audit' in sys.modules)\n"
        "from onepin import audit\n"
        "print('onepin.audit' in sys.modules, callable(audit.audit_key))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False", "True True"]


# -- any key at all ---------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


moments = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(st.none(), st.timezones()),
)
scope_lists = st.lists(st.sampled_from(EVERY_SCOPE) | st.text(max_size=12), max_size=15)
api_keys = st.builds(
    ApiKey,
    id=st.uuids().map(str),
    workspace_id=st.uuids().map(str),
    name=st.text(max_size=20),
    active=st.booleans(),
    created_at=moments,
    updated_at=moments,
    scopes=scope_lists.map(tuple),
    last_used_at=st.none() | moments,
    rate_limit_per_min=st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    revoked_at=st.none() | moments,
)
policies = st.builds(
    Policy,
    max_age=st.timedeltas(min_value=SECOND, max_value=timedelta(days=3650)),
    unused_for=st.timedeltas(min_value=SECOND, max_value=timedelta(days=3650)),
)


@given(api_keys, moments, policies)
def test_any_key_gets_exactly_the_findings_its_fields_call_for(
    key: ApiKey, now: datetime, policy: Policy
) -> None:
    result = audit_key(key, now=now, policy=policy)
    found = set(result.findings)
    assert list(result.findings) == [f for f in Finding if f in found]
    assert result.age_days >= 0
    assert (result.idle_days is None) == (key.last_used_at is None)
    if key.revoked_at is not None:
        assert found == set()
        return
    age = _utc(now) - _utc(key.created_at)
    idle = age if key.last_used_at is None else _utc(now) - _utc(key.last_used_at)
    assert (ROTATION_DUE in found) == (age > policy.max_age)
    assert (UNUSED in found) == (idle > policy.unused_for)
    assert (BROAD in found) == set(EVERY_SCOPE).issubset(key.scopes)
    assert (UNLIMITED in found) == (key.rate_limit_per_min is None)
    assert result.age_days == max(0, age.days)


@given(api_keys, moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=999)))
def test_time_only_adds_findings(key: ApiKey, now: datetime, later: timedelta) -> None:
    before = set(audit_key(key, now=now).findings)
    after = set(audit_key(key, now=now + later).findings)
    assert before <= after


@given(api_keys, moments)
def test_a_key_audits_the_same_after_a_trip_through_json(key: ApiKey, now: datetime) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(key), type=ApiKey)
    before, after = audit_key(key, now=now), audit_key(decoded, now=now)
    assert (after.findings, after.age_days, after.idle_days) == (
        before.findings,
        before.age_days,
        before.idle_days,
    )


@settings(max_examples=40)  # up to 20 keys an example
@given(st.lists(api_keys, max_size=20), moments)
def test_the_summary_adds_up(keys: list[ApiKey], now: datetime) -> None:
    summary = Summary()
    results = [summary.add(audit_key(key, now=now)) for key in keys]
    counts: dict[str, Any] = summary.as_dict()
    assert counts["keys"] == len(keys)
    assert counts["flagged"] == sum(1 for r in results if r.findings)
    for finding in Finding:
        assert counts[finding.value] == sum(finding in r.findings for r in results)
