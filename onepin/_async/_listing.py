"""The key stream of ``client.api_keys.list()``: every key, in server order, each once."""

from __future__ import annotations

import time
from collections import deque
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from onepin._concurrency import AsyncBatches, AsyncPrefetcher
from onepin._exceptions import OnePinError
from onepin._models import ApiKey
from onepin._pacing import RateLimitPacer
from onepin._pagination import Page, next_offset
from onepin._synchronization import AsyncThreadLock
from onepin._window import AdaptiveWindow

if TYPE_CHECKING:
    from onepin._concurrency import AsyncPending

__all__ = ["KeyIterator", "PageFetcher"]


class PageFetcher(Protocol):
    """How a listing gets ``limit`` keys from ``offset``."""

    async def __call__(self, *, offset: int, limit: int) -> Page[ApiKey]:
        """Fetch one page."""
        ...


class KeyIterator:
    """An async stream of every key of a listing, in server order, each once.

    The first page comes alone (it tells the total); then pages are fetched
    side by side in an adaptive window (``onepin._window``): it starts at two
    pages, widens while page latency holds and no 429/503 comes back, narrows
    when either changes, and never passes ``max_concurrency`` nor the server's
    ``X-RateLimit-Remaining``; a rate-limited key's pages are also paced to its
    allowed rate. Offsets computed ahead are checked against the server's
    ``next`` links; where they disagree, or the total is unknown, the stream
    follows the links one page at a time.

    What runs when:

    * Iterated directly (``async for key in client.api_keys.list()``), requests
      run only inside ``__anext__``: when its buffer is empty it fetches a
      window of pages side by side and returns once they are all in. Nothing
      runs between two items, so leaving the loop early leaves nothing behind
      (the sync twin's worker threads wait idle between windows and stop when
      the stream ends, is closed or is dropped).
    * As a context manager, the window slides: requests keep running in the
      block's task group while you consume, so the next pages are usually
      there when you need them. Leaving the block, or ``aclose()``, cancels
      them::

          async with client.api_keys.list(status="all") as keys:
              async for key in keys:
                  ...

    Writes during a listing: keys created meanwhile come at the end (the
    stream follows ``next`` links past the total it first saw). A key met in
    the last two pages is never yielded again; when one comes back (keys were
    inserted before it), or the total shrinks (keys were deleted; the stream
    steps back by as much), the stream drops the pages fetched ahead and goes
    on one page at a time, so every key that exists throughout comes out
    exactly once.
    """

    def __init__(
        self,
        fetch: PageFetcher,
        pacer: RateLimitPacer,
        *,
        page_size: int,
        max_concurrency: int,
        start: int = 0,
        stop: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._pacer = pacer
        self._page_size = page_size
        self._stop = stop
        self._window = AdaptiveWindow(max_concurrency)
        self._buffer: deque[ApiKey] = deque()
        self._offset: int | None = start if stop is None or start < stop else None
        self._sequential = False
        self._recent: deque[set[str]] = deque(maxlen=2)  # ids of the last pages taken
        self._peak_total: int | None = None  # the highest total seen since the last step back
        self._shrunk = 0  # keys deleted since then
        self._generation = 0  # step backs so far: older pages tell nothing new
        self._batches = AsyncBatches(max_concurrency)  # the windows of plain iteration
        self._prefetcher: AsyncPrefetcher | None = None  # the sliding window of `async with`
        # The sliding window: pages requested ahead, in order, and how many still run.
        self._ahead: deque[tuple[int, AsyncPending[Page[ApiKey]]]] = deque()
        self._next_start = start
        self._running = 0
        self._lock = AsyncThreadLock()  # the sync twin's workers refill from their threads
        self.total: int | None = None
        """The total the server last reported (None before the first page, or if not counted)."""
        self.pages_fetched = 0
        """How many pages were consumed from the server so far."""

    def __aiter__(self) -> KeyIterator:
        return self

    async def __anext__(self) -> ApiKey:
        while not self._buffer:
            if self._offset is None:
                await self._batches.aclose()
                raise StopAsyncIteration
            await self._fill(self._offset)
        return self._buffer.popleft()

    async def __aenter__(self) -> KeyIterator:
        if self._prefetcher is not None:
            raise RuntimeError("this key stream is already open")
        prefetcher = AsyncPrefetcher(self._window.cap)
        await prefetcher.__aenter__()
        self._prefetcher = prefetcher
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            prefetcher, self._prefetcher = self._prefetcher, None
            self._ahead.clear()
        self._buffer.clear()
        self._offset = None  # a closed stream yields nothing more
        await self._batches.aclose()
        if prefetcher is not None:
            await prefetcher.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        """End the stream now: cancel what its window still runs; it yields nothing more."""
        await self.__aexit__(None, None, None)

    async def _fill(self, offset: int) -> None:
        """Fetch the page at ``offset`` (and, in a window, those after it); take them in order."""
        if self.total is None or self._sequential:
            pages = [await self._fetch_page(offset)]
        elif self._prefetcher is not None:
            pages = [await self._next_ahead(self._prefetcher, offset)]
        else:
            offsets = self._plan(offset, self._window.size)
            pages = await self._batches.run([partial(self._fetch_page, o) for o in offsets])
        for i, page in enumerate(pages):
            if i + 1 < len(pages):
                expected: int | None = pages[i + 1].offset
            else:
                with self._lock:
                    expected = self._ahead[0][0] if self._ahead else None
            if not self._take(page, expected):
                return

    def _end(self) -> int:
        """Where offsets computed ahead stop: the total, or the range's stop."""
        total = self.total or 0
        return total if self._stop is None else min(total, self._stop)

    def _plan(self, first: int, count: int) -> list[int]:
        """``first`` and the offsets of up to ``count - 1`` pages after it, within the end."""
        size = self._page_size
        return [first, *range(first + size, min(self._end(), first + count * size), size)]

    async def _fetch_page(self, offset: int) -> Page[ApiKey]:
        """One page (paced by the client if the key is rate limited); the window learns from it."""
        limit = self._page_size if self._stop is None else min(self._page_size, self._stop - offset)
        throttles = self._pacer.throttles
        generation = self._generation
        started = time.monotonic()
        try:
            page = await self._fetch(offset=offset, limit=limit)
        except OnePinError:
            with self._lock:
                self._window.on_failure()
            raise
        latency = time.monotonic() - started
        with self._lock:
            self._window.on_page(
                latency, throttled=self._pacer.throttles != throttles, budget=self._pacer.budget
            )
            if page.total is not None and generation == self._generation:
                peak = self._peak_total
                if peak is not None and page.total < peak:
                    self._shrunk = max(self._shrunk, peak - page.total)
                self._peak_total = page.total if peak is None else max(peak, page.total)
        return page

    async def _next_ahead(self, prefetcher: AsyncPrefetcher, offset: int) -> Page[ApiKey]:
        """The page at ``offset``, with the window's requests running behind it."""
        with self._lock:
            if not self._ahead or self._ahead[0][0] != offset:
                self._ahead.clear()  # the listing moved elsewhere: drop the guesses
                self._next_start = offset
            self._top_up(prefetcher)
            head = self._ahead.popleft() if self._ahead else None
        if head is None:  # nothing could start (past the total): ask directly
            return await self._fetch_page(offset)
        return await head[1].result()

    def _top_up(self, prefetcher: AsyncPrefetcher) -> None:
        """Start requests while fewer than the window run and fewer than twice it wait.

        Called with the lock held, by the consumer and by each request as it
        finishes, so a slot is refilled as soon as it frees.
        """
        if self.total is None or self._sequential:
            return
        end = self._end()
        size = self._window.size
        while self._running < size and len(self._ahead) < 2 * size and self._next_start < end:
            start = self._next_start
            self._next_start += self._page_size
            self._running += 1
            self._ahead.append((start, prefetcher.start(partial(self._fetch_ahead, start))))

    async def _fetch_ahead(self, offset: int) -> Page[ApiKey]:
        try:
            return await self._fetch_page(offset)
        finally:
            with self._lock:
                self._running -= 1
                if self._prefetcher is not None:
                    self._top_up(self._prefetcher)

    def _take(self, page: Page[ApiKey], expected: int | None) -> bool:
        """Buffer the new keys of ``page``; work out where the listing goes on.

        ``expected`` is the offset of the page fetched to follow it, if any.
        False: the pages fetched after this one are not to be taken.
        """
        self.pages_fetched += 1
        with self._lock:
            shrunk, self._shrunk = self._shrunk, 0
            if shrunk:
                self._peak_total = None
                self._generation += 1
        if shrunk:
            # Keys were deleted meanwhile: those not listed yet moved back by up to
            # `shrunk` places. Step back (as far as the ids remembered reach).
            remembered = sum(len(ids) for ids in self._recent)
            self._go_on(max(0, page.offset - min(shrunk, remembered)), sequential=True)
            return False
        items = page.items if self._stop is None else page.items[: self._stop - page.offset]
        seen = set().union(*self._recent) if self._recent else ()
        fresh = [k for k in items if k.id not in seen] if seen else items
        self._buffer.extend(fresh)
        self._recent.append({k.id for k in items})
        self.total = page.total
        following = next_offset(page)
        if following.offset is None or (
            self._stop is not None and page.offset + len(items) >= self._stop
        ):
            self._go_on(None, sequential=False)
            return False
        if (
            following.mismatch
            or len(fresh) < len(items)  # keys moved forward: pages fetched ahead may miss some
            or (expected is not None and expected != following.offset)
        ):
            # The pages do not fit together as computed: follow the server's links from here.
            self._go_on(following.offset, sequential=True)
            return False
        self._offset = following.offset
        return True

    def _go_on(self, offset: int | None, *, sequential: bool) -> None:
        """Continue at ``offset`` (None: the end), dropping the pages requested ahead."""
        self._offset = offset
        with self._lock:
            self._sequential = self._sequential or sequential
            self._ahead.clear()
