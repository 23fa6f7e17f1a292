"""Where a key listing stands and what to fetch next: pure bookkeeping, no I/O.

Offset pages over a view that loses rows before your position skip rows. The
``status=all`` view never loses one (revoking a key is a soft delete: its row
stays, in place), so a listing walks that view and keeps the keys of the
requested status on this side. Keys created meanwhile may still push rows
forward (a newest-first server inserts them at the front), so consecutive pages
overlap by one key, the *anchor*: the page that follows a page ending at key X
is fetched at the offset where X was, and only what follows X in it is taken.

* X first in the next page: the pages fit; take the rest.
* X further in: keys were inserted before it; take only what follows it.
* X absent: the pages do not fit (fetched out of order in time, or a page's
  worth of keys was inserted before X). The pages fetched ahead are dropped
  (``generation`` moves on) and the cursor searches forward, one page at a
  time, from where X was; found, it takes what follows and the window resumes.

Only the last page's anchor is remembered: memory stays flat. A shard starts
by searching for the key that ends the previous shard and stops at the key that
ends its own, so shards listed side by side make exactly one listing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import msgspec

from onepin._exceptions import APIResponseValidationError
from onepin._models import ApiKey, KeyStatus
from onepin._pagination import KeyRange, Page, next_offset

__all__ = ["ListingCursor", "Ticket", "status_filter", "walked_view"]


class Ticket(msgspec.Struct, frozen=True):
    """One page to fetch: ``limit`` rows of the ``status=all`` view from ``offset``.

    ``generation`` tells a page fetched before the cursor changed its plans:
    :meth:`ListingCursor.take` ignores it.
    """

    offset: int
    limit: int
    generation: int


def walked_view(status: str) -> str:
    """The server's view a ``status`` listing walks.

    ``status=all`` for the statuses this SDK knows (``active``, ``revoked``,
    ``all``): exact under writes, filtered on this side. A status it does not
    know (one a newer server added) is the server's to filter: its own view is
    walked, with the same anchors, but without that guarantee (rows may leave it).
    """
    return KeyStatus.ALL if status in KeyStatus.__members__.values() else status


def status_filter(status: str) -> Callable[[ApiKey], bool] | None:
    """Which rows of the walked view belong to a ``status`` listing (None: every row).

    See ``walked_view``: a status this SDK does not know is filtered by the server.
    """
    if status == KeyStatus.ACTIVE:
        return lambda key: key.active and key.revoked_at is None
    if status == KeyStatus.REVOKED:
        return lambda key: not key.active or key.revoked_at is not None
    return None


class ListingCursor:
    """The state of one listing: the anchor, the pages planned ahead, the end.

    The scheduler asks :meth:`plan` for pages to fetch and hands each page
    back to :meth:`take`, in the order planned (a page whose ``Ticket`` is of
    an older generation is ignored); ``take`` returns the keys to yield.

    Args:
        page_size: rows per page asked for, at least two (a server serving fewer wins).
        status: the status kept (``active``, ``revoked`` or ``all``).
        start: the offset where the listing (or the search for ``after``) starts.
        after: the id of the key the listing starts after (a shard's start).
        until: the id of the last key to list (a shard's end); None: to the end.
        stop: with ``until``, the offset just past where that key was (a shard's
            ``stop``): pages are planned ahead only up to there; past it (keys
            were inserted before the end key) the cursor goes on a page at a time.
    """

    def __init__(
        self,
        *,
        page_size: int,
        status: str,
        start: int = 0,
        after: str | None = None,
        until: str | None = None,
        stop: int | None = None,
    ) -> None:
        self._size = max(page_size, 2)  # one row overlaps the page before
        self._stop = stop if until is not None else None
        self._keep = status_filter(status)
        self._until = until
        self._anchor = after  # the id the next page must contain (None: take all)
        self._last: frozenset[str] = frozenset()  # the ids of the page taken last
        self._anchor_at = start  # where it was last seen
        self._searching = after is not None
        self._next = start  # the offset of the next page to plan
        self._planned: deque[int] = deque()  # offsets planned and not yet taken
        self.generation = 0
        """Moves on each time pages planned ahead are dropped."""
        self.done = False
        """True once the listing has reached its end (or ``until``)."""
        self.total: int | None = None
        """The server's last count of the ``status=all`` view (None: not counted)."""

    @classmethod
    def for_shard(cls, shard: KeyRange, page_size: int) -> ListingCursor:
        """The cursor of one shard: from the key before its start up to its end key."""
        cursor = cls(
            page_size=page_size,
            status=shard.status,
            start=max(shard.start - 1, 0),
            after=shard.after,
            until=shard.until,
            stop=shard.stop,
        )
        cursor.done = shard.empty
        return cursor

    @property
    def page_size(self) -> int:
        """Rows asked for per page (the server's own page size once it serves fewer)."""
        return self._size

    def plan(self, count: int) -> list[Ticket]:
        """Up to ``count`` more pages to fetch now, in order (none: wait for those planned).

        Before the first page, while searching, or when the server does not
        count, one page at a time; otherwise pages ahead up to the last count.
        """
        if self.done or count <= 0:
            return []
        sequential = self._searching or self.total is None or self._anchor is None
        if sequential:
            return [self._claim(self._size)] if not self._planned else []
        tickets: list[Ticket] = []
        while len(tickets) < count and self._next < self._end():
            tickets.append(self._claim(self._size))
        if not tickets and not self._planned:
            tickets.append(self._claim(self._size))  # past the count: look once more
        return tickets

    def _claim(self, limit: int) -> Ticket:
        ticket = Ticket(self._next, limit, self.generation)
        self._planned.append(self._next)
        # Searching, pages follow each other; else they overlap by the anchor.
        self._next += limit if self._searching else limit - 1
        return ticket

    def _end(self) -> int:
        """Offsets from here on hold no row the last count knew of (past the anchor).

        A shard's end is its end key's offset when it was planned, not the total.
        """
        end = self.total or 0
        if self._stop is not None:
            end = min(end, self._stop)
        return end - 1

    def remaining_pages(self) -> int | None:
        """Pages the last count says are still to plan (None: not known)."""
        if self.done:
            return 0
        if self.total is None or self._anchor is None or self._searching:
            return None
        return max(0, -(-(self._end() - self._next) // (self._size - 1)))  # _size >= 2

    def take(self, ticket: Ticket, page: Page[ApiKey]) -> list[ApiKey]:
        """The keys of ``page`` (fetched for ``ticket``) to yield; the plan moves on.

        Raises ``APIResponseValidationError`` if a search reaches the end of the
        view without finding the anchor (the server removed a row: offsets
        cannot list it exactly), or if the server's order is not stable: a page
        holds a key twice, or repeats past the anchor a key of the page before.
        """
        if ticket.generation != self.generation or self.done:
            return []
        self._planned.popleft()
        if page.total is not None:
            self.total = page.total
        items: Sequence[ApiKey] = page.items
        ids = [k.id for k in items]
        if len(set(ids)) != len(ids):
            raise _inconsistent(page, "a page of the key listing holds the same key twice")
        if 1 < page.limit < ticket.limit and len(items) == page.limit:
            self._size = page.limit  # the server serves smaller pages than asked: adopt them
        if self._anchor is not None:
            found = next((i for i, k in enumerate(items) if k.id == self._anchor), None)
            if found is None:
                return self._lost(ticket, page)
            items = items[found + 1 :]
            _check_fresh(ids[found + 1 :], self._last, page)
            if self._searching:
                self._searching = False
                self._replan(page.offset + len(page.items) - 1)
        if page.items:
            self._last = frozenset(ids)
            self._anchor = page.items[-1].id
            self._anchor_at = page.offset + len(page.items) - 1
        if self._until is not None:
            end = next((i for i, k in enumerate(items) if k.id == self._until), None)
            if end is not None:
                items = items[: end + 1]
                self.done = True
        if not _more(page):
            self.done = True
        elif not self._planned and self._next != self._anchor_at:
            self._replan(self._anchor_at)  # a short page: the next one starts at its end
        keep = self._keep
        return list(items) if keep is None else [k for k in items if keep(k)]

    def _lost(self, ticket: Ticket, page: Page[ApiKey]) -> list[ApiKey]:
        """The anchor is not in ``page``: drop the pages ahead, search from where it was."""
        if self._searching:
            if not _more(page):
                raise APIResponseValidationError(
                    f"The key listing lost its place: key {self._anchor} is no longer in"
                    " the status=all view (the server removed a row, so offset pages"
                    " cannot list it exactly)",
                    status_code=200,
                    request_id=page.request_id,
                )
            # Rows only move forward: the anchor is past this page; no overlap is needed.
            self._replan(page.offset + len(page.items))
            return []
        self._searching = True
        self._replan(self._anchor_at)
        return []

    def rewind(self) -> None:
        """Forget the pages planned and not taken (they were lost): plan them again."""
        if self._planned:
            self._replan(self._planned[0])

    def _replan(self, offset: int) -> None:
        """Drop the pages planned ahead; plan again from ``offset``."""
        if self._planned:
            self.generation += 1
            self._planned.clear()
        self._next = offset


def _check_fresh(ids: Sequence[str], before: frozenset[str], page: Page[ApiKey]) -> None:
    """Raise if a key past the anchor was in the page taken before (out of order)."""
    if before and not before.isdisjoint(ids):
        raise _inconsistent(page, "a page of the key listing repeats a key of the page before")


def _inconsistent(page: Page[ApiKey], what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{what}: the server's order is not stable, the listing cannot go on exactly",
        status_code=200,
        request_id=page.request_id,
    )


def _more(page: Page[ApiKey]) -> bool:
    """Whether rows follow ``page``: it is full, and a ``next`` link or the count says so.

    A link wins over a count that is stale (see ``next_offset``); a short page
    ends the listing whatever a stale count says, so it cannot loop on its last row.
    """
    if len(page.items) < page.limit:
        return False
    return next_offset(page) is not None
