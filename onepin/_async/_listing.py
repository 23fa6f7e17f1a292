"""The key stream of ``client.api_keys.list()``: a thin scheduler around a pure cursor.

What to fetch and what to yield is decided by ``onepin._cursor.ListingCursor``
(no I/O); how many pages run at once by ``onepin._window.AdaptiveWindow``. This
module only runs the pages the cursor plans, as many at once as the window says,
and hands them back to the cursor in order.
"""

from __future__ import annotations

import os
import time
from collections import deque
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from onepin._async._pool import closed_error
from onepin._concurrency import AsyncPrefetcher, StopGroup
from onepin._cursor import ListingCursor, Ticket
from onepin._exceptions import APITimeoutError, OnePinError
from onepin._models import ApiKey
from onepin._pacing import RateLimitPacer
from onepin._pagination import Page
from onepin._synchronization import AsyncDeadline, AsyncThreadLock
from onepin._window import AdaptiveWindow

if TYPE_CHECKING:
    from onepin._concurrency import AsyncPending

__all__ = ["FILL_KEYS", "KeyIterator", "PageFetcher"]

FILL_KEYS = 8000
"""About the most keys one refill of a plain loop buffers beyond two windows' worth.

Each refill ends with a round trip run below the window (its last pages
landing), and the sync twin starts a thread pool for each: longer refills
waste fewer of both, at the cost of the keys they hold (about a kilobyte each)."""


class PageFetcher(Protocol):
    """How a listing gets ``limit`` rows of the ``status=all`` view from ``offset``."""

    async def __call__(self, *, offset: int, limit: int) -> Page[ApiKey]:
        """Fetch one page."""
        ...


class KeyIterator:
    """An async stream of the keys of a listing, in server order.

    **What comes out.** Every key that is in the requested status from the
    start of the listing to its end comes out exactly once; no id comes out
    twice; keys created, revoked or otherwise changing status meanwhile may or
    may not come out. This holds for a server whose ``status=all`` view keeps
    revoked rows in a stable order (OnePin revokes by a soft delete): the
    stream walks that view, keeps the requested status on this side, and
    overlaps each page with the one before by one key to find its place again
    (see ``onepin._cursor``). A server that removed a row for good, or whose
    pages repeat a key, makes the stream raise ``APIResponseValidationError``
    rather than skip or repeat keys. Once its client is closed, the stream
    raises ``OnePinConfigurationError`` rather than end early; an open block's
    worker threads (sync twin) stop then.

    **How fast.** The first page comes alone; it sizes the first full window
    (``onepin._window``): as wide as its round trip leaves room for, at least
    eight pages, at most ``max_concurrency`` and the pages left. The window
    then slides, narrows on 429/503, latency growth or pages queueing for this
    process's CPU, regrows fast, and never passes the server's
    ``X-RateLimit-Remaining``; a rate-limited key's pages are also paced.

    **What runs when.**

    * Iterated directly (``async for key in client.api_keys.list()``), requests
      run only inside ``__anext__`` when its buffer is empty: it slides the
      window over up to eight windows' worth of pages (while their keys stay
      under ``FILL_KEYS``; two windows at least), or over all the pages left
      when they are at most a quarter more, then lets the last ones land
      and returns. Nothing runs between two items, so leaving the loop early leaves nothing behind
      (the sync twin's worker threads live only inside that call).
    * As a context manager the window slides all along: requests keep running
      in the block's task group while you consume; leaving the block, or
      ``aclose()``, cancels them (the sync twin does not wait for them when
      the block ends with an error)::

          async with client.api_keys.list(status="all") as keys:
              async for key in keys:
                  ...

    **Deadlines.** The client's ``deadline=`` bounds each page (every attempt
    and wait of it); ``list(deadline=...)`` bounds the whole stream, from its
    first page to its last: past it the stream raises ``APITimeoutError``.
    """

    def __init__(
        self,
        fetch: PageFetcher,
        pacer: RateLimitPacer,
        cursor: ListingCursor,
        *,
        max_concurrency: int,
        deadline: float | None = None,
        stops: StopGroup | None = None,
    ) -> None:
        self._fetch = fetch
        self._pacer = pacer
        self._cursor = cursor
        self._window = AdaptiveWindow(max_concurrency)
        self._sized = False  # whether the first page has sized the window
        self._deadline = deadline
        self._ends_at: float | None = None
        self._buffer: deque[ApiKey] = deque()
        # Pages started, in the cursor's order; how many still run; how many a fill may start.
        self._ahead: deque[tuple[Ticket, AsyncPending[Page[ApiKey]]]] = deque()
        self._running = 0
        self._fill_left: int | None = None  # pages a plain fill may still start (None: no fill)
        self._runner: AsyncPrefetcher | None = None  # where pages run now
        self._block: AsyncPrefetcher | None = None  # the `async with` block's, if open
        self._closed = False
        self._stopped = False  # the client closed: start nothing, yield nothing more
        self._pid = os.getpid()
        self._lock = AsyncThreadLock()  # the sync twin's workers plan from their threads
        self.pages_fetched = 0
        """How many pages were taken from the server so far."""
        if stops is not None:
            stops.add(self)

    @property
    def total(self) -> int | None:
        """The server's last count of the rows the stream walks (None: before a page, or uncounted).

        The stream walks every key of the workspace whatever its status (the
        ``status=all`` view), so this is the exact size of a ``status="all"``
        listing and an upper bound of the others: the count of a single status
        is not known until the stream ends.
        """
        return self._cursor.total

    def __aiter__(self) -> KeyIterator:
        return self

    async def __anext__(self) -> ApiKey:
        while not self._buffer:
            if self._closed or self._cursor.done:
                raise StopAsyncIteration
            if self._stopped:
                raise closed_error()
            self._check_process()
            if self._block is not None:
                await self._take_next()
            else:
                await self._fill()
        return self._buffer.popleft()

    async def __aenter__(self) -> KeyIterator:
        if self._block is not None:
            raise RuntimeError("this key stream is already open")
        block = AsyncPrefetcher(self._window.cap)
        await block.__aenter__()
        self._block = self._runner = block
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            block, self._block, self._runner = self._block, None, None
            self._ahead.clear()
            self._closed = True  # a closed stream yields nothing more
        self._buffer.clear()
        if block is not None:
            await block.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        """End the stream now: cancel what its window still runs; it yields nothing more."""
        await self.__aexit__(None, None, None)

    def stop(self) -> None:
        """The client closed: start no more pages; the stream raises its closed error.

        Called from the thread closing the client; the sync twin's workers end
        as soon as the pages they run do, even while the block stays open.
        """
        with self._lock:
            self._stopped = True
            runner = self._runner
        if runner is not None and os.getpid() == self._pid:
            runner.stop()

    def _check_process(self) -> None:
        """In a forked child, the parent's pages in flight never land: plan them again here.

        The parent's workers (and their lock, perhaps held at the fork) are left
        alone; the child goes on with fills of its own, as if iterated directly.
        """
        if os.getpid() == self._pid:
            return
        self._pid = os.getpid()
        self._lock = AsyncThreadLock()
        self._ahead.clear()
        self._running = 0
        self._block = self._runner = None
        self._cursor.rewind()

    async def _fill(self) -> None:
        """Iterated directly: slide over a few windows of pages, then let them land.

        The first page, and every page of a window of one, is fetched right here.
        """
        if not self._sized or self._window.cap == 1:
            with self._lock:
                self._cursor.rewind()
                ticket = self._cursor.plan(1)[0]
            page = await self._fetch_page(ticket)
            with self._lock:
                keys = self._cursor.take(ticket, page)
            self.pages_fetched += 1
            self._buffer.extend(keys)
            return
        async with AsyncPrefetcher(self._window.cap) as runner:
            with self._lock:
                self._runner = runner
                self._fill_left = self._fill_budget()
            try:
                await self._take_next()
                while self._ahead and not self._closed:
                    await self._take_next()
            finally:
                with self._lock:
                    self._runner = None
                    self._fill_left = None
                    self._ahead.clear()

    async def _take_next(self) -> None:
        """Wait for the next page in order and hand it to the cursor; keep the window full."""
        with self._lock:
            self._top_up()
            if not self._ahead:
                if not self._running:
                    self._cursor.rewind()  # pages planned were lost (a failure ended a fill)
                # Pages dropped as stale may still hold the window: start one anyway.
                self._top_up(least=1)
            head = self._ahead.popleft() if self._ahead else None
        if head is None:
            return
        ticket, pending = head
        page = await pending.result()
        with self._lock:
            generation = self._cursor.generation
            keys = self._cursor.take(ticket, page)
            if self._cursor.generation != generation:
                self._ahead.clear()  # pages planned before are stale: let them go
            self._top_up()
        if ticket.generation == generation:
            self.pages_fetched += 1
        self._buffer.extend(keys)

    def _top_up(self, least: int = 0) -> None:
        """Start the pages the cursor plans while fewer than the window run (lock held).

        Called by the consumer and by each page as it lands, so a slot is
        refilled as soon as it frees; ``least``: start that many pages anyway.
        """
        runner = self._runner
        if runner is None or self._closed or self._stopped:
            return
        left = self._cursor.remaining_pages()
        width = self._window.in_flight(None if left is None else left + self._running)
        want = min(width - self._running, 2 * width - len(self._ahead))
        if self._fill_left is not None:  # a plain fill starts its budget at most
            want = min(want, self._fill_left)
        for ticket in self._cursor.plan(max(want, least)):
            self._running += 1
            if self._fill_left is not None:
                self._fill_left -= 1
            self._ahead.append((ticket, runner.start(partial(self._run_page, ticket))))

    def _fill_budget(self) -> int:
        """How many pages a plain fill starts (lock held): see the class's docstring."""
        width = self._window.size
        budget = max(2 * width, min(8 * width, FILL_KEYS // self._cursor.page_size))
        left = self._cursor.remaining_pages()
        if left is not None and left <= budget + budget // 4:
            return max(budget, left)  # the rest now, not in a short fill of its own
        return budget

    async def _run_page(self, ticket: Ticket) -> Page[ApiKey]:
        """Fetch a page for the runner; a page that landed frees its slot for the next.

        A page that failed does not: its error ends the stream when the consumer
        reaches it, so nothing more is started after it.
        """
        landed = False
        try:
            page = await self._fetch_page(ticket)
            landed = True
            return page
        finally:
            with self._lock:
                self._running -= 1
                if landed:
                    self._top_up()

    async def _fetch_page(self, ticket: Ticket) -> Page[ApiKey]:
        """One page (paced if the key is rate limited, within the stream's deadline)."""
        first, self._sized = not self._sized, True
        throttles = self._pacer.throttles
        started, cpu = time.monotonic(), time.thread_time()
        try:
            page = await self._within_deadline(ticket)
        except OnePinError:
            with self._lock:
                self._window.on_failure()
            raise
        latency = time.monotonic() - started
        with self._lock:
            if first:
                self._window.on_first_page(latency, time.thread_time() - cpu)
            else:
                throttled = self._pacer.throttles != throttles
                self._window.on_page(
                    latency,
                    throttled=throttled,
                    budget=self._pacer.budget,
                    clock=time.process_time(),
                )
        return page

    async def _within_deadline(self, ticket: Ticket) -> Page[ApiKey]:
        """The page, or ``APITimeoutError`` once the stream's own deadline has passed."""
        if self._deadline is None:
            return await self._fetch(offset=ticket.offset, limit=ticket.limit)
        if self._ends_at is None:
            self._ends_at = time.monotonic() + self._deadline
        left = self._ends_at - time.monotonic()
        if left <= 0:
            raise self._exceeded()
        try:
            async with AsyncDeadline(left):
                return await self._fetch(offset=ticket.offset, limit=ticket.limit)
        except APITimeoutError as exc:
            if self._ends_at - time.monotonic() <= 0.001:
                raise self._exceeded() from exc
            raise

    def _exceeded(self) -> APITimeoutError:
        return APITimeoutError(
            f"The listing's deadline of {self._deadline:g}s was exceeded", request_sent=True
        )
