"""Seeded keys: many rows at once, fast, with no secret that could authenticate as them."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from onepin.testing._records import BASE62, KeyRow, key_row

__all__ = ["plain_rows"]


def _key_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _suffix(rng: random.Random) -> str:
    return "".join(rng.choices(BASE62, k=8))


def plain_rows(
    workspace_id: str, count: int, prefix: str, now: Callable[[], datetime]
) -> Iterator[KeyRow]:
    """``count`` active, scope-less, unlimited keys named ``{prefix}-{n}``, created now."""
    rng = random.Random()  # noqa: S311 - ids and suffixes of keys that have no secret
    width = max(1, len(str(count)))
    for n in range(count):
        yield key_row(
            id=_key_id(rng),
            workspace_id=workspace_id,
            name=f"{prefix}-{n:0{width}d}",
            suffix=_suffix(rng),
            created_at=now(),
            scopes=[],
        )
