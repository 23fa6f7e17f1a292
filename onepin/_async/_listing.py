"""The key stream of ``client.api_keys.list()``: every key, in server order."""

from __future__ import annotations

from collections import deque
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from onepin._concurrency import AsyncPrefetcher, async_gather
from onepin._models import ApiKey
from onepin._pagination import Page, next_offset
from onepin._synchronization import AsyncThreadLock

if TYPE_CHECKING:
    from onepin._concurrency import AsyncPending

__all__ = ["KeyIterator", "PageFetcher"]


class PageFetcher(Protocol):
    """How a listing gets the page of keys that starts at ``offset``."""

    async def __call__(self, offset: int) -> Page[ApiKey]:
        """Fetch one page."""
        ...


class KeyIterator:
    """An async stream of every key of a listing, in server order.

    The first page comes alone (it tells the total); then up to ``prefetch``
    pages are fetched side by side, checked against the server's ``next``
    links. When a link disagrees with the offsets computed, or the total is
    unknown, the stream falls back to following ``next`` one page at a time.

    Iterated directly (``async for key in client.api_keys.list()``), it fetches
    windows of pages while the buffer is empty and nothing runs between two
    items, so leaving the loop early leaves nothing in flight. Used as a
    context manager, it keeps ``prefetch`` requests in flight continuously
    (a sliding window) while you consume; leaving the block cancels them::

        async with client.api_keys.list(status="all") as keys:
            async for key in keys:
                ...
    """

    def __init__(self, fetch: PageFetcher, *, page_size: int, prefetch: int) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be >= 1")
        self._fetch = fetch
        self._page_size = page_size
        self._prefetch = prefetch
        self._buffer: deque[ApiKey] = deque()
        self._offset: int | None = 0
        self._sequential = False
        self._prefetcher: AsyncPrefetcher | None = None
        # Sliding window: pages requested ahead, in order, and how many still run.
        self._in_flight: deque[tuple[int, AsyncPending[Page[ApiKey]]]] = deque()
        self._next_start = 0
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
                raise StopAsyncIteration
            await self._fill()
        return self._buffer.popleft()

    async def __aenter__(self) -> KeyIterator:
        if self._prefetcher is not None:
            raise RuntimeError("this key stream is already open")
        prefetcher = AsyncPrefetcher(self._prefetch)
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
            self._in_flight.clear()
        self._buffer.clear()
        self._offset = None  # a closed stream yields nothing more
        if prefetcher is not None:
            await prefetcher.__aexit__(exc_type, exc, tb)

    async def _fill(self) -> None:
        offset = self._offset
        assert offset is not None
        if self.total is None or self._sequential:
            pages = [await self._fetch(offset)]
        elif self._prefetcher is not None:
            pages = [await self._next_in_flight(self._prefetcher, offset)]
        else:
            stop = min(self.total, offset + self._prefetch * self._page_size)
            offsets = range(offset, max(stop, offset + 1), self._page_size)
            pages = await async_gather([partial(self._fetch, o) for o in offsets])
        self.pages_fetched += len(pages)
        self._take(pages)

    async def _next_in_flight(self, prefetcher: AsyncPrefetcher, offset: int) -> Page[ApiKey]:
        """The page at ``offset``, with up to ``prefetch`` requests running behind it."""
        with self._lock:
            if not self._in_flight or self._in_flight[0][0] != offset:
                self._in_flight.clear()  # the listing moved elsewhere: drop the guesses
                self._next_start = offset
            self._top_up(prefetcher)
            head = self._in_flight.popleft() if self._in_flight else None
        if head is None:  # nothing could start (the total shrank): ask directly
            return await self._fetch(offset)
        return await head[1].result()

    def _top_up(self, prefetcher: AsyncPrefetcher) -> None:
        """Start requests while fewer than ``prefetch`` run and fewer than twice that wait.

        Called with the lock held, by the consumer and by each request as it
        finishes, so a slot is refilled as soon as it frees, not when the
        consumer gets to it.
        """
        total = self.total
        if total is None:  # the server stopped counting: the consumer goes on by links
            return
        while (
            self._running < self._prefetch
            and len(self._in_flight) < 2 * self._prefetch
            and self._next_start < total
        ):
            start = self._next_start
            self._next_start += self._page_size
            self._running += 1
            self._in_flight.append((start, prefetcher.start(partial(self._fetch_ahead, start))))

    async def _fetch_ahead(self, offset: int) -> Page[ApiKey]:
        try:
            return await self._fetch(offset)
        finally:
            with self._lock:
                self._running -= 1
                if self._prefetcher is not None and not self._sequential:
                    self._top_up(self._prefetcher)

    def _take(self, pages: list[Page[ApiKey]]) -> None:
        """Buffer the pages in order; work out where the listing continues."""
        for i, page in enumerate(pages):
            self._buffer.extend(page.items)
            self.total = page.total
            following = next_offset(page)
            self._offset = following.offset
            if following.offset is None:
                with self._lock:
                    self._in_flight.clear()
                return
            with self._lock:
                if i + 1 < len(pages):
                    expected = pages[i + 1].offset
                elif self._in_flight:
                    expected = self._in_flight[0][0]
                else:
                    expected = following.offset
            if following.mismatch or expected != following.offset:
                # The server pages differently than computed: follow its links from here.
                with self._lock:
                    self._sequential = True
                    self._in_flight.clear()
                return
