"""Counted pagination: the ``Page`` model, where a listing goes next, list parameters."""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar

import msgspec

from onepin._exceptions import APIResponseValidationError
from onepin._models import KeyStatus
from onepin._wire import ListEnvelope

__all__ = [
    "KeyRange",
    "Page",
    "list_params",
    "next_offset",
    "page_from_envelope",
    "split_offsets",
]

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """One page of a counted list.

    ``total`` is None when the server did not count; ``next``/``prev`` are the
    server's absolute links (None at either end).
    """

    items: list[T]
    offset: int
    limit: int
    total: int | None = None
    next: str | None = None
    prev: str | None = None
    request_id: str | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page follows this one."""
        if self.total is not None:
            return self.offset + len(self.items) < self.total
        return self.next is not None


def page_from_envelope(envelope: ListEnvelope[T], *, offset: int, limit: int) -> Page[T]:
    """A ``Page`` from a decoded list envelope and the offset/limit it was asked for."""
    pagination = envelope.pagination
    return Page(
        items=envelope.data,
        offset=offset,
        limit=pagination.limit or limit,
        total=pagination.total,
        next=pagination.next,
        prev=pagination.prev,
        request_id=envelope.meta.request_id,
    )


def next_offset(page: Page[Any]) -> int | None:
    """Where the server says its rows go on after ``page`` (None: they end there).

    A ``next`` link from a page with items wins over a count that is stale; a
    page without a link goes on while the count says rows follow. A link that
    does not move forward (or is negative) raises ``APIResponseValidationError``:
    followed, it would list the same rows again, without end.
    """
    computed = page.offset + len(page.items)
    if not page.items:
        return None
    if page.next is None:
        return computed if page.total is not None and computed < page.total else None
    try:
        linked = _linked_offset(page.next)
    except ValueError:
        return computed if page.has_more else None
    if linked <= page.offset:
        raise APIResponseValidationError(
            f"The server's next link (offset {linked}) does not move past the page at"
            f" offset {page.offset}: the listing cannot go on",
            status_code=200,
            request_id=page.request_id,
        )
    return linked


_OFFSET_PARAM = re.compile(r"[?&]offset=([^&#]*)")


def _linked_offset(link: str) -> int:
    """The ``offset`` query parameter of a ``next`` link (``ValueError`` if there is none).

    A search, not a URL parse: this runs once per page of every listing.
    """
    found = _OFFSET_PARAM.search(link)
    if found is None:
        raise ValueError("no offset in the link")
    return int(found.group(1))


def list_params(offset: int, limit: int, status: str) -> dict[str, str | int]:
    """Query parameters of one list request, checked before any I/O."""
    if offset < 0:
        raise ValueError("offset must be >= 0")
    if not 1 <= limit <= 100:
        raise ValueError("limit must be between 1 and 100")
    if not isinstance(status, str) or not status:  # a status added later is sent as it is
        raise ValueError(
            f"status must be a non-empty string such as active, revoked, all; got {status!r}"
        )
    return {"offset": offset, "limit": limit, "status": str(status)}


class KeyRange(msgspec.Struct, frozen=True):
    """A slice of a key listing, to list in a worker of its own: ``list(shard=r)``.

    It starts after the key ``after`` (None: at the start) and ends with the key
    ``until`` (None: at the end, keys created meanwhile included); ``start`` and
    ``stop`` are where those keys were when the listing was cut (offsets of the
    ``status=all`` view), where a worker starts looking. Picklable; it holds key
    ids, no secret.
    """

    start: int
    stop: int | None
    status: str = KeyStatus.ACTIVE
    after: str | None = None
    until: str | None = None

    @property
    def empty(self) -> bool:
        """Whether the range holds no key at all (more shards than keys)."""
        return self.stop is not None and self.stop <= self.start


def split_offsets(total: int, parts: int) -> list[int]:
    """Where ``parts`` contiguous ranges over ``total`` rows start, as even as can be."""
    if parts < 1:
        raise ValueError("the number of shards must be >= 1")
    size = -(-total // parts)  # ceiling division
    return [min(i * size, total) for i in range(parts)]
