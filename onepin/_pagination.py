"""Counted pagination: the ``Page`` model, where a listing goes next, list parameters."""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar

import msgspec

from onepin._exceptions import APIResponseValidationError
from onepin._models import KeyStatus
from onepin._wire import ListEnvelope

__all__ = [
    "Continuation",
    "KeyRange",
    "Page",
    "list_params",
    "next_offset",
    "page_from_envelope",
    "split_ranges",
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


class Continuation(msgspec.Struct, frozen=True):
    """Where a listing goes on after a page (``offset`` None: it is done).

    ``mismatch`` is true when the server's ``next`` link disagrees with the
    offset computed from the page (or the page looked like the last one, yet a
    link follows), so pages computed ahead must not be trusted.
    """

    offset: int | None
    mismatch: bool


def next_offset(page: Page[Any]) -> Continuation:
    """The continuation after ``page``: the server's ``next`` link checked against arithmetic.

    A ``next`` link from a page with items wins: a listing goes on while the
    server links further pages, even past a total it reported earlier. A link
    that does not move forward (or is negative) raises ``APIResponseValidationError``.
    """
    computed = page.offset + len(page.items)
    done = not page.items or (page.total is not None and computed >= page.total)
    if page.next is None:
        return Continuation(None, mismatch=not done and page.total is not None)
    try:
        linked = _linked_offset(page.next)
    except ValueError:
        return Continuation(None if done else computed, mismatch=True)
    if not page.items:  # an empty page ends a listing, whatever it links to
        return Continuation(None, mismatch=True)
    if linked <= page.offset:
        # Followed, such a link would list the same keys again, without end.
        raise APIResponseValidationError(
            f"The server's next link (offset {linked}) does not move past the page at"
            f" offset {page.offset}: the listing cannot go on",
            status_code=200,
            request_id=page.request_id,
        )
    return Continuation(linked, mismatch=done or linked != computed)


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
    """A slice of a key listing, to list in a worker process of its own.

    ``stop`` None: to the end, keys created meanwhile included. Picklable;
    list it with ``client.api_keys.list(status=r.status, start=r.start, stop=r.stop)``.
    """

    start: int
    stop: int | None
    status: str = KeyStatus.ACTIVE


def split_ranges(total: int, parts: int, status: str) -> list[KeyRange]:
    """``parts`` contiguous ranges covering offsets ``0..total``, as even as can be."""
    if parts < 1:
        raise ValueError("the number of shards must be >= 1")
    size = -(-total // parts)  # ceiling division
    bounds = [min(i * size, total) for i in range(parts)]
    return [
        KeyRange(start, bounds[i + 1] if i + 1 < parts else None, str(status))
        for i, start in enumerate(bounds)
    ]
