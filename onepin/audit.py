"""Key hygiene: the documented rules for API keys, checked over :class:`~onepin.ApiKey` values.

OnePin's authentication guide gives three rules for keys: rotate them every 90
days, select the minimum set of scopes a key needs, and revoke the keys you no
longer use. This module checks them with pure functions of a key and a ``now``
(no I/O, no clock), one key at a time, so the same code audits an ``async for``
stream, a blocking one from ``onepin_sync``, or a plain list::

    from datetime import UTC, datetime

    from onepin.audit import Policy, Summary, audit_key

    now, policy, summary = datetime.now(UTC), Policy(), Summary()
    async for key in client.api_keys.list():  # a plain ``for`` with onepin_sync
        result = summary.add(audit_key(key, now=now, policy=policy))
        if result.findings:
            print(key.name, ", ".join(result.findings))
    print(summary)  # 1,204 keys: 87 rotation due, 310 unused, 12 all-scopes, 400 unlimited

The findings (:class:`Finding`):

- ``rotation_due``: created more than ``max_age`` ago. Rotating a key
  replaces it with a new row, so ``created_at`` is also the time it was last
  rotated.
- ``unused``: last used more than ``unused_for`` ago, or never used and
  created more than ``unused_for`` ago.
- ``broad``: holds every scope the SDK knows (:class:`~onepin.Scope`). Which
  scopes a key really needs cannot be known from the API, so this is the one
  privilege finding.
- ``unlimited``: no ``rate_limit_per_min``.

A revoked key (``revoked_at`` set) has nothing left to fix and gets no
finding. Naive datetimes, in a key or in ``now``, are taken as UTC.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta

import msgspec

from onepin._exceptions import OnePinError
from onepin._models import ApiKey, Scope

__all__ = [
    "DurationError",
    "Finding",
    "KeyAudit",
    "Policy",
    "Summary",
    "audit_key",
    "parse_duration",
]

_DAY = timedelta(days=1)
_ALL_SCOPES = frozenset(scope.value for scope in Scope)
_DURATION = re.compile(r"([0-9]+)([hdw])", re.ASCII | re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": _DAY, "w": timedelta(weeks=1)}


class DurationError(OnePinError, ValueError):
    """A duration that :func:`parse_duration` cannot read, or one that is not positive."""


def parse_duration(text: str) -> timedelta:
    """A duration written as a whole number and a unit: ``90d``, ``12h`` or ``2w``.

    Units are ``h`` (hours), ``d`` (days) and ``w`` (weeks), in either case;
    surrounding blanks are ignored. Raises :class:`DurationError` for anything
    else, for zero, and for a length ``timedelta`` cannot hold. The message
    does not repeat the input, which could be a mistyped secret.
    """
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DurationError(
            "a duration is a whole number and a unit h, d or w (hours, days, weeks): 90d, 12h, 2w"
        )
    count = int(match[1])
    if count == 0:
        raise DurationError("a duration must be longer than zero")
    try:
        return count * _UNITS[match[2].lower()]
    except OverflowError:
        raise DurationError("a duration must be shorter than a million days") from None


class Finding(enum.StrEnum):
    """Something about a key that breaks one of the rules (values are stable, for JSON)."""

    ROTATION_DUE = "rotation_due"
    UNUSED = "unused"
    BROAD = "broad"
    UNLIMITED = "unlimited"

    @property
    def label(self) -> str:
        """The words a person reads: ``rotation due``, ``unused``, ``all-scopes``, ``unlimited``."""
        return _LABELS[self]


_LABELS = {
    Finding.ROTATION_DUE: "rotation due",
    Finding.UNUSED: "unused",
    Finding.BROAD: "all-scopes",
    Finding.UNLIMITED: "unlimited",
}


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    """The thresholds of an audit.

    ``max_age`` defaults to the documented rotation period (90 days);
    ``unused_for`` to 30 days. Both must be positive (else :class:`DurationError`).
    """

    max_age: timedelta = timedelta(days=90)
    unused_for: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.max_age <= timedelta(0) or self.unused_for <= timedelta(0):
            raise DurationError("max_age and unused_for must be longer than zero")


class KeyAudit(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The audit of one key: its findings, in :class:`Finding` order, and its ages.

    ``age_days`` counts whole days since ``created_at`` (the last rotation);
    ``idle_days`` whole days since ``last_used_at``, None if never used. A
    timestamp later than ``now`` (clock skew) counts as 0 days.
    """

    key: ApiKey
    findings: tuple[Finding, ...]
    age_days: int
    idle_days: int | None

    def as_dict(self) -> dict[str, object]:
        """``{id, name, findings, age_days, idle_days}``, ready for JSON."""
        return {
            "id": self.key.id,
            "name": self.key.name,
            "findings": [finding.value for finding in self.findings],
            "age_days": self.age_days,
            "idle_days": self.idle_days,
        }


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _days(elapsed: timedelta) -> int:
    days = elapsed.days  # whole days, rounded down
    return days if days > 0 else 0


_DEFAULT_POLICY = Policy()

# Every set of findings, in Finding order, indexed by a bit mask (bit n: the n-th finding).
_COMBINATIONS = tuple(
    tuple(finding for n, finding in enumerate(Finding) if mask >> n & 1) for mask in range(16)
)


def audit_key(key: ApiKey, *, now: datetime, policy: Policy = _DEFAULT_POLICY) -> KeyAudit:
    """Check one key against ``policy`` at the moment ``now``; see the module's rules.

    A threshold is broken only when strictly exceeded: a key exactly
    ``max_age`` old is not yet due.
    """
    now = _utc(now)
    age = now - _utc(key.created_at)
    idle = None if key.last_used_at is None else now - _utc(key.last_used_at)
    mask = 0
    if key.revoked_at is None:
        mask = (
            (age > policy.max_age)
            | ((age if idle is None else idle) > policy.unused_for) << 1
            | (len(key.scopes) >= len(_ALL_SCOPES) and _ALL_SCOPES.issubset(key.scopes)) << 2
            | (key.rate_limit_per_min is None) << 3
        )
    return KeyAudit(
        key=key,
        findings=_COMBINATIONS[mask],
        age_days=_days(age),
        idle_days=None if idle is None else _days(idle),
    )


class Summary:
    """Counts over audited keys, accumulated one result at a time.

    ``keys`` is how many were added, ``flagged`` how many had a finding, and
    ``counts`` how many had each finding. ``str()`` gives the one-line summary.
    """

    __slots__ = ("counts", "flagged", "keys")

    def __init__(self) -> None:
        self.keys = 0
        self.flagged = 0
        self.counts: dict[Finding, int] = dict.fromkeys(Finding, 0)

    def add(self, result: KeyAudit) -> KeyAudit:
        """Count ``result`` and return it, so a loop can audit and count in one expression."""
        self.keys += 1
        if result.findings:
            self.flagged += 1
            for finding in result.findings:
                self.counts[finding] += 1
        return result

    def as_dict(self) -> dict[str, int]:
        """``{keys, flagged, rotation_due, unused, broad, unlimited}``, ready for JSON."""
        return {"keys": self.keys, "flagged": self.flagged} | {
            finding.value: count for finding, count in self.counts.items()
        }

    def __str__(self) -> str:
        noun = "key" if self.keys == 1 else "keys"
        parts = ", ".join(f"{count:,} {finding.label}" for finding, count in self.counts.items())
        return f"{self.keys:,} {noun}: {parts}"

    def __repr__(self) -> str:
        return f"Summary({self.as_dict()!r})"
