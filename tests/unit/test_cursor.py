"""The listing cursor, pure: pages over a view that changes between them, no I/O."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from onepin._cursor import ListingCursor, Ticket
from onepin._exceptions import APIResponseValidationError
from onepin._models import ApiKey
from onepin._pagination import Page

NOW = datetime(2024, 4, 15, tzinfo=UTC)


def key(key_id: str, *, revoked: bool = False) -> ApiKey:
    return ApiKey(
        id=key_id,
        workspace_id="ws",
        name=key_id,
        active=not revoked,
        created_at=NOW,
        updated_at=NOW,
        revoked_at=NOW if revoked else None,
    )


class View:
    """A ``status=all`` view: rows in a stable order, revocation keeps the row."""

    def __init__(self, n: int) -> None:
        self.rows = [key(f"k{i:05d}") for i in range(n)]
        self.created = 0

    def page(self, ticket: Ticket) -> Page[ApiKey]:
        rows = self.rows[ticket.offset : ticket.offset + ticket.limit]
        end = ticket.offset + len(rows)
        link = f"https://h/x?offset={end}" if end < len(self.rows) else None
        return Page(
            items=rows, offset=ticket.offset, limit=ticket.limit, total=len(self.rows), next=link
        )

    def revoke(self, index: int) -> None:
        row = self.rows[index]
        self.rows[index] = key(row.id, revoked=True)

    def create(self, *, front: bool = False) -> None:
        self.created += 1
        new = key(f"new{self.created:05d}")
        if front:
            self.rows.insert(0, new)
        else:
            self.rows.append(new)


def drain(
    cursor: ListingCursor, view: View, *, width: int, write: object = None, shuffle: int = 0
) -> list[str]:
    """List through ``cursor``: ``width`` pages planned at once, fetched in a shuffled order."""
    rng = random.Random(shuffle)
    out: list[str] = []
    while not cursor.done:
        tickets = cursor.plan(width)
        assert tickets, "the cursor neither ended nor planned a page"
        order = list(range(len(tickets)))
        if shuffle:
            rng.shuffle(order)
        pages: dict[int, Page[ApiKey]] = {}
        for i in order:  # fetched in this order in time, writes in between
            pages[i] = view.page(tickets[i])
            if callable(write):
                write(view)
        for i, ticket in enumerate(tickets):
            out.extend(k.id for k in cursor.take(ticket, pages[i]))
    return out


def active_throughout(before: list[ApiKey], after: View) -> list[str]:
    still = {k.id for k in after.rows if k.revoked_at is None}
    return [k.id for k in before if k.revoked_at is None and k.id in still]


@pytest.mark.parametrize("width", [1, 4, 16])
def test_a_quiet_view_is_listed_once_in_order(width: int) -> None:
    view = View(1000)
    got = drain(ListingCursor(page_size=100, status="active"), view, width=width)
    assert got == [k.id for k in view.rows]


@pytest.mark.parametrize("width", [1, 4, 16])
@pytest.mark.parametrize("front", [False, True])
@pytest.mark.parametrize("shuffle", [0, 1, 2])
def test_revokes_and_creates_between_pages_miss_nothing(
    width: int, front: bool, shuffle: int
) -> None:
    view = View(1000)
    before = list(view.rows)
    rng = random.Random(width * 10 + shuffle)

    def write(v: View) -> None:
        v.revoke(rng.randrange(len(v.rows)))
        v.create(front=front)

    got = drain(
        ListingCursor(page_size=50, status="active"),
        view,
        width=width,
        write=write,
        shuffle=shuffle,
    )
    assert len(got) == len(set(got))  # nothing twice
    assert set(active_throughout(before, view)) <= set(got)  # nothing missed
    assert all(not k.startswith("k") or view.rows for k in got)


def test_many_keys_inserted_in_front_make_it_search_forward() -> None:
    view = View(500)
    before = [k.id for k in view.rows]
    cursor = ListingCursor(page_size=20, status="all")

    fetched = []

    def burst(v: View) -> None:
        fetched.append(1)
        if len(fetched) in (3, 9):
            for _ in range(45):  # more than a page's worth before the anchor
                v.create(front=True)

    got = drain(cursor, view, width=8, write=burst)
    assert len(got) == len(set(got))
    assert set(before) <= set(got)
    assert cursor.generation > 0  # pages fetched ahead were dropped


def test_the_status_filter_keeps_what_was_asked() -> None:
    view = View(30)
    for i in range(0, 30, 3):
        view.revoke(i)
    revoked = drain(ListingCursor(page_size=7, status="revoked"), view, width=3)
    active = drain(ListingCursor(page_size=7, status="active"), view, width=3)
    assert revoked == [k.id for k in view.rows if k.revoked_at is not None]
    assert sorted(revoked + active) == sorted(k.id for k in view.rows)


def test_a_shard_lists_after_its_start_key_up_to_its_end_key() -> None:
    view = View(100)
    for _ in range(7):
        view.create(front=True)  # the start key moved forward since the shards were cut
    cursor = ListingCursor(page_size=10, status="all", start=30, after="k00029", until="k00059")
    assert drain(cursor, view, width=4) == [f"k{i:05d}" for i in range(30, 60)]


def test_a_row_removed_for_good_is_a_typed_error() -> None:
    view = View(100)
    cursor = ListingCursor(page_size=10, status="all", start=20, after="gone")
    with pytest.raises(APIResponseValidationError, match="lost its place"):
        drain(cursor, view, width=2)


def test_a_page_ending_exactly_at_the_end_then_one_look() -> None:
    view = View(199)  # pages at 0, 99, 198: the last one holds the anchor alone
    cursor = ListingCursor(page_size=100, status="all")
    got = drain(cursor, view, width=8)
    assert got == [k.id for k in view.rows]


def test_a_server_serving_smaller_pages_is_followed() -> None:
    view = View(95)

    class Capped(View):
        def page(self, ticket: Ticket) -> Page[ApiKey]:
            page = view.page(Ticket(ticket.offset, min(ticket.limit, 10), ticket.generation))
            return Page(
                items=page.items, offset=page.offset, limit=10, total=page.total, next=page.next
            )

    capped = Capped(0)
    got = drain(ListingCursor(page_size=20, status="all"), capped, width=4)
    assert got == [k.id for k in view.rows]


def test_pages_stay_at_least_two_rows_whatever_is_asked_or_served() -> None:
    """One row overlaps the page before, so a page is never under two rows (its stride never 0)."""
    view = View(40)
    cursor = ListingCursor(page_size=1, status="all")
    assert cursor.page_size == 2
    first = cursor.plan(4)[0]
    cursor.take(first, view.page(first))
    assert cursor.remaining_pages() == 38  # rows 1..38 past the anchor, one new row a page
    assert drain(cursor, view, width=4) == [k.id for k in view.rows[2:]]

    class OneRow(View):
        def page(self, ticket: Ticket) -> Page[ApiKey]:
            page = view.page(Ticket(ticket.offset, 1, ticket.generation))
            return Page(
                items=page.items, offset=page.offset, limit=1, total=page.total, next=page.next
            )

    cursor = ListingCursor(page_size=20, status="all")
    first = cursor.plan(1)[0]
    cursor.take(first, OneRow(0).page(first))  # a server serving single rows
    assert cursor.page_size == 20  # is not followed below two


def test_stale_tickets_are_ignored() -> None:
    view = View(300)
    cursor = ListingCursor(page_size=10, status="all")
    first = cursor.plan(4)
    assert len(first) == 1  # the first page comes alone
    assert len(cursor.take(first[0], view.page(first[0]))) == 10
    ahead = cursor.plan(4)
    assert [t.offset for t in ahead] == [9, 18, 27, 36]  # one key of overlap
    for _ in range(12):
        view.create(front=True)  # more than a page before the anchor
    assert cursor.take(ahead[0], view.page(ahead[0])) == []  # the anchor moved out of it
    assert cursor.take(ahead[1], view.page(ahead[1])) == []  # planned before: ignored
    assert len(cursor.plan(4)) == 1  # searching: one page at a time


def test_a_status_this_sdk_does_not_know_is_the_servers_to_filter() -> None:
    from onepin._cursor import status_filter, walked_view

    assert [walked_view(s) for s in ("active", "revoked", "all")] == ["all"] * 3
    assert walked_view("expiring") == "expiring"  # sent as it is, never widened to all
    assert status_filter("expiring") is None  # the server's view holds only those rows
    assert status_filter("active") is not None and status_filter("revoked") is not None


@pytest.mark.parametrize("inserted", [0, 7, 25])
def test_a_shard_plans_pages_ahead_only_up_to_its_end(inserted: int) -> None:
    view = View(1000)
    for _ in range(inserted):
        view.create(front=True)  # the end key moved forward since the shards were cut
    cursor = ListingCursor(page_size=10, status="all", until="k00299", stop=300)
    fetched: list[int] = []
    page = view.page

    def counting(ticket: Ticket) -> Page[ApiKey]:
        fetched.append(ticket.offset)
        return page(ticket)

    view.page = counting  # type: ignore[method-assign]
    got = drain(cursor, view, width=16)
    assert got[-1] == "k00299" and len(got) == len(set(got))
    assert [k for k in got if k.startswith("k")] == [f"k{i:05d}" for i in range(300)]
    # no page planned past the end key's offset, but those the insertions moved it by
    assert max(fetched) < 300 + inserted + 10
