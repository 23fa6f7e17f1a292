"""Seeded keys: many rows at once, fast, with no secret that could authenticate as them.

Plain keys are all alike (active, scope-less, unlimited, created now): what
pagination tests want. Realistic keys follow the shape of a busy workspace, drawn
from a seed number so the same seed always gives the same keys (names, scopes,
limits, ages, use, revocation; ids are fresh):

- ``created_at`` spread over the past year;
- about a fifth never used, half used in the past week, the rest at any time since creation;
- about one in eight holds every scope, the others one to four;
- about three in five have a ``rate_limit_per_min``;
- about one in twelve is revoked.

The first keys drawn are one of each kind (a clean key, one per audit finding, a
revoked one), so even a few keys show every finding: rotation due (> 90 days),
unused (> 30 days or never), every scope, no rate limit.
"""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from onepin.testing._records import ALL_SCOPES, BASE62, KeyRow, key_row

__all__ = ["plain_rows", "realistic_rows"]

_T = TypeVar("_T")
_DAY = 86_400.0
_PURPOSES = ("ci-runner", "integration", "backend", "deploy", "staging", "zapier", "analytics")
_LIMITS = (60, 120, 300, 600, 1200, 3000)


class _Shape(NamedTuple):
    """One key's draw: ages in days before now (``idle`` None: never used)."""

    purpose: str
    age: float
    idle: float | None
    scopes: list[str]
    rate_limit: int | None
    revoked_ago: float | None


_NARROW = ["voices:read", "workflows:read"]
_EVERY = sorted(ALL_SCOPES)
_ARCHETYPES = (
    _Shape("backend", 20, 0.5, _NARROW, 600, None),  # nothing to report
    _Shape("ci-runner", 200, 1, _NARROW, 600, None),  # rotation due
    _Shape("integration", 60, 45, _NARROW, 300, None),  # unused for 45 days
    _Shape("zapier", 40, None, _NARROW, 300, None),  # never used
    _Shape("deploy", 10, 0.1, _EVERY, 1200, None),  # every scope
    _Shape("analytics", 15, 2, _NARROW, None, None),  # unlimited
    _Shape("staging", 300, 150, _NARROW, 120, 100),  # revoked
    _Shape("integration", 250, None, _EVERY, None, None),  # every finding
)


_SUBSETS = [sorted(c) for k in range(1, 5) for c in itertools.combinations(ALL_SCOPES, k)]
_SUFFIX_ALPHABET = bytes((BASE62 * 5)[:256], "ascii")  # a random byte -> a base62 character


def _pick(rng: random.Random, items: Sequence[_T]) -> _T:
    return items[int(rng.random() * len(items))]


def _draw(rng: random.Random) -> _Shape:
    r = rng.random
    age = 0.5 + r() * 364.5
    usage = r()
    idle = None if usage < 0.2 else r() * min(age, 7) if usage < 0.7 else r() * age
    scopes = _EVERY if r() < 0.12 else _pick(rng, _SUBSETS)
    rate_limit = _pick(rng, _LIMITS) if r() < 0.6 else None
    revoked_ago = r() * (age if idle is None else idle) if r() < 0.08 else None
    return _Shape(_pick(rng, _PURPOSES), age, idle, scopes, rate_limit, revoked_ago)


def _fresh_ids(count: int) -> Iterator[tuple[str, str]]:
    """``count`` random (key id, 8-character suffix) pairs, made in bulk."""
    hexes = secrets.token_hex(16 * count)
    suffixes = secrets.token_bytes(8 * count).translate(_SUFFIX_ALPHABET).decode("ascii")
    for n in range(count):
        h = hexes[32 * n : 32 * n + 32]
        key_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"
        yield key_id, suffixes[8 * n : 8 * n + 8]


def realistic_rows(
    workspace_id: str,
    count: int,
    *,
    seed: int,
    now: datetime,
    prefix: str = "seed",
    created_by: str | None = None,
) -> list[KeyRow]:
    """``count`` realistic keys named ``{prefix}-{purpose}-{n}``, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible on purpose
    shapes = [_ARCHETYPES[n] if n < len(_ARCHETYPES) else _draw(rng) for n in range(count)]
    width = max(1, len(str(count)))

    now_ts = now.timestamp()

    def ago(days: float) -> datetime:
        return datetime.fromtimestamp(now_ts - days * _DAY, UTC)

    rows = []
    for n, (shape, (key_id, suffix)) in enumerate(zip(shapes, _fresh_ids(count), strict=True)):
        rows.append(
            key_row(
                id=key_id,
                workspace_id=workspace_id,
                name=f"{prefix}-{shape.purpose}-{n:0{width}d}",
                suffix=suffix,
                created_at=ago(shape.age),
                scopes=list(shape.scopes),
                rate_limit_per_min=shape.rate_limit,
                created_by=created_by,
                last_used_at=None if shape.idle is None else ago(shape.idle),
                revoked_at=None if shape.revoked_ago is None else ago(shape.revoked_ago),
            )
        )
    rows.sort(key=lambda row: row.created_at)
    return rows


def plain_rows(
    workspace_id: str,
    count: int,
    prefix: str,
    now: Callable[[], datetime],
    created_by: str | None = None,
) -> Iterator[KeyRow]:
    """``count`` active, scope-less, unlimited keys named ``{prefix}-{n}``, created now."""
    width = max(1, len(str(count)))
    for n, (key_id, suffix) in enumerate(_fresh_ids(count)):
        yield key_row(
            id=key_id,
            workspace_id=workspace_id,
            name=f"{prefix}-{n:0{width}d}",
            suffix=suffix,
            created_at=now(),
            scopes=[],
            created_by=created_by,
        )
