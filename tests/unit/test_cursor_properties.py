"""Property tests of the listing cursor: a model server written to between page fetches.

Pure, no I/O. The server is an ordered list of rows (insertion order, or newest
first); keys are revoked (a soft delete: the row stays) and created at any
moment between fetches; pages planned side by side are fetched in any order in
time, as a window does, and handed back to the cursor in the order planned, as
the scheduler (``onepin._async._listing``) does. The guarantee checked is the
one ``KeyIterator`` states: every key in the requested status from the start of
the listing to its end comes out exactly once, no id twice, in server order;
shards together make exactly that listing. Hostile servers (repeated ids, a
``next`` link going backwards, an empty page mid-listing, a row removed) give
a typed ``OnePinError`` or a correct result, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onepin._cursor import ListingCursor, Ticket
from onepin._exceptions import OnePinError
from onepin._models import ApiKey
from onepin._pagination import Page
from onepin_sync._resources import ApiKeysResource
from tests.unit.test_cursor import key

STATUSES = ["active", "revoked", "all"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def in_status(row: ApiKey, status: str) -> bool:
    revoked = row.revoked_at is not None
    return status == "all" or (status == "revoked") == revoked


@dataclass
class Server:
    """The ``status=all`` view of a model server, and what a hostile one does to it."""

    rows: list[ApiKey]
    newest_first: bool = False
    cap: int | None = None  # the largest page it serves
    counts: bool = True  # whether pages carry a total
    links: bool = True  # whether pages carry a next link
    hostile: str | None = None  # "repeat", "recycle", "backwards", "empty"
    created: int = 0
    served: int = 0

    def page(self, offset: int, limit: int) -> Page[ApiKey]:
        self.served += 1
        limit = min(limit, self.cap or limit)
        items = self.rows[offset : offset + limit]
        end = offset + len(items)
        more = end < len(self.rows)
        link = f"https://h/v1/api-keys?offset={end}&limit={limit}" if more else None
        if self.hostile == "repeat" and len(items) >= 2 and self.served % 3 == 0:
            items = [*items[:-1], items[0]]  # the page repeats an id of its own
        elif self.hostile == "recycle" and len(items) >= 2 and offset and self.served % 3 == 0:
            items = [*items[:-1], self.rows[offset - 1]]  # an id of the page before, again
        elif self.hostile == "backwards" and more and self.served % 4 == 0:
            link = f"https://h/v1/api-keys?offset={max(offset - 1, 0)}&limit={limit}"
        elif self.hostile == "empty" and offset and self.served % 5 == 0:
            items = []  # an empty page before the end of the view
        return Page(
            items=items,
            offset=offset,
            limit=limit,
            total=len(self.rows) if self.counts else None,
            next=link if self.links else None,
        )

    def list_page(self, *, offset: int = 0, limit: int = 100, status: str = "all") -> Page[Any]:
        assert status == "all"
        return self.page(offset, limit)

    def write(self, op: str, where: int) -> None:
        if op == "revoke" and self.rows:
            i = where % len(self.rows)
            self.rows[i] = key(self.rows[i].id, revoked=True)
        elif op == "create":
            self.created += 1
            new = key(f"new{self.created:04d}")
            if self.newest_first:
                self.rows.insert(0, new)
            else:
                self.rows.append(new)
        elif op == "remove" and self.rows:
            del self.rows[where % len(self.rows)]


@dataclass
class Run:
    """One listing driven as the scheduler drives it: plan, fetch in any order, take in order."""

    cursor: ListingCursor
    ahead: list[list[Any]] = field(default_factory=list)  # [ticket, page or None]
    out: list[ApiKey] = field(default_factory=list)

    def step(self, action: str, n: int, server: Server) -> None:
        if self.cursor.done:
            return
        if action == "plan":
            self.ahead += [[t, None] for t in self.cursor.plan(n % 9)]
        elif action == "fetch":
            waiting = [a for a in self.ahead if a[1] is None]
            if waiting:
                got = waiting[n % len(waiting)]
                got[1] = server.page(got[0].offset, got[0].limit)
        elif action == "take":
            if self.ahead and self.ahead[0][1] is not None:
                ticket, page = self.ahead.pop(0)
                self.take(ticket, page)
        elif action == "lose":  # a page failed: what was planned is lost, planned again
            self.ahead.clear()
            self.cursor.rewind()

    def take(self, ticket: Ticket, page: Page[ApiKey]) -> None:
        generation = self.cursor.generation
        self.out += self.cursor.take(ticket, page)
        if self.cursor.generation != generation:
            self.ahead.clear()  # the scheduler lets stale pages go

    def finish(self, server: Server, width: int) -> None:
        """No more writes: slide a window of ``width`` to the end (bounded: no endless loop)."""
        for _ in range(10 * len(server.rows) + 100):
            if self.cursor.done:
                return
            if not self.ahead:
                self.ahead += [[t, None] for t in self.cursor.plan(width)]
                assert self.ahead, "the cursor neither ended nor planned a page"
            ticket, page = self.ahead.pop(0)
            self.take(ticket, page or server.page(ticket.offset, ticket.limit))
        raise AssertionError("the listing did not end")


actions = st.lists(
    st.tuples(
        st.sampled_from(["plan", "fetch", "fetch", "take", "take", "write", "lose"]),
        st.integers(0, 1000),
        st.sampled_from(["revoke", "create"]),
    ),
    max_size=120,
)


def server_rows(n: int, revoked_every: int) -> list[ApiKey]:
    return [
        key(f"k{i:04d}", revoked=revoked_every > 0 and i % revoked_every == 0) for i in range(n)
    ]


def throughout(before: list[ApiKey], after: list[ApiKey], status: str) -> list[str]:
    """Ids in ``status`` both at the start and at the end, in the order of the end."""
    was = {k.id for k in before if in_status(k, status)}
    return [k.id for k in after if k.id in was and in_status(k, status)]


def check(out: list[ApiKey], before: list[ApiKey], server: Server, status: str) -> None:
    ids = [k.id for k in out]
    assert len(ids) == len(set(ids)), "an id came out twice"
    assert all(in_status(k, status) for k in out), "a key of another status came out"
    must = throughout(before, server.rows, status)
    missed = set(must) - set(ids)
    assert not missed, f"missed {sorted(missed)}"
    position = {k: i for i, k in enumerate(ids)}
    assert sorted(must, key=position.__getitem__) == must, "not in server order"


@SETTINGS
@given(
    n=st.integers(0, 60),
    revoked_every=st.integers(0, 4),
    page_size=st.integers(2, 12),
    status=st.sampled_from(STATUSES),
    newest_first=st.booleans(),
    cap=st.none() | st.integers(2, 12),
    counts=st.booleans(),
    links=st.booleans(),
    width=st.integers(1, 8),
    steps=actions,
)
def test_every_key_throughout_comes_out_once_in_order(
    n: int,
    revoked_every: int,
    page_size: int,
    status: str,
    newest_first: bool,
    cap: int | None,
    counts: bool,
    links: bool,
    width: int,
    steps: list[tuple[str, int, str]],
) -> None:
    if not counts and not links:
        links = True  # a server that neither counts nor links cannot be paged
    server = Server(server_rows(n, revoked_every), newest_first, cap, counts, links)
    before = list(server.rows)
    run = Run(ListingCursor(page_size=page_size, status=status))
    for action, i, op in steps:
        if action == "write":
            server.write(op, i)
        else:
            run.step(action, i, server)
    run.finish(server, width)
    check(run.out, before, server, status)


@SETTINGS
@given(
    n=st.integers(0, 60),
    revoked_every=st.integers(0, 4),
    parts=st.integers(1, 7),
    page_size=st.integers(2, 12),
    status=st.sampled_from(STATUSES),
    newest_first=st.booleans(),
    cut_writes=st.lists(st.tuples(st.integers(0, 1000), st.sampled_from(["revoke", "create"]))),
    steps=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.sampled_from(["plan", "fetch", "take", "write", "lose"]),
            st.integers(0, 1000),
            st.sampled_from(["revoke", "create"]),
        ),
        max_size=200,
    ),
)
def test_shards_together_are_exactly_the_listing(
    n: int,
    revoked_every: int,
    parts: int,
    page_size: int,
    status: str,
    newest_first: bool,
    cut_writes: list[tuple[int, str]],
    steps: list[tuple[int, str, int, str]],
) -> None:
    server = Server(server_rows(n, revoked_every), newest_first)
    before = list(server.rows)
    writes = iter(cut_writes)

    class Cutting(Server):
        """Written to between the requests ``shards()`` makes."""

        def list_page(self, **kwargs: Any) -> Page[Any]:
            for i, op in writes:
                server.write(op, i)
                break
            return server.list_page(**kwargs)

    ranges = ApiKeysResource.shards(Cutting([]), parts, status=status)  # type: ignore[arg-type]
    runs = [Run(ListingCursor.for_shard(r, page_size)) for r in ranges]
    for which, action, i, op in steps:  # the shards run side by side
        if action == "write":
            server.write(op, i)
        else:
            runs[which % len(runs)].step(action, i, server)
    for run in runs:
        run.finish(server, 4)
    check([k for run in runs for k in run.out], before, server, status)


@SETTINGS
@given(
    n=st.integers(0, 60),
    page_size=st.integers(2, 12),
    status=st.sampled_from(STATUSES),
    newest_first=st.booleans(),
    hostile=st.sampled_from(["repeat", "recycle", "backwards", "empty", "remove"]),
    width=st.integers(1, 8),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["plan", "fetch", "fetch", "take", "take", "write", "lose"]),
            st.integers(0, 1000),
            st.sampled_from(["revoke", "create", "remove"]),
        ),
        max_size=120,
    ),
)
def test_a_hostile_server_gives_a_typed_error_or_a_correct_listing(
    n: int,
    page_size: int,
    status: str,
    newest_first: bool,
    hostile: str,
    width: int,
    steps: list[tuple[str, int, str]],
) -> None:
    server = Server(
        server_rows(n, 3), newest_first, hostile=None if hostile == "remove" else hostile
    )
    before = list(server.rows)
    run = Run(ListingCursor(page_size=page_size, status=status))
    try:
        for action, i, op in steps:
            if action == "write":
                server.write("remove" if hostile == "remove" else op, i)
            else:
                run.step(action, i, server)
        run.finish(server, width)
    except OnePinError:
        ids = [k.id for k in run.out]
        assert len(ids) == len(set(ids)), "an id came out twice before the error"
        return
    check(run.out, before, server, status)
