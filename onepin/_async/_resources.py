"""The API's resources: ``client.auth`` and ``client.api_keys``, and the key listing stream."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote

from onepin._base import NOT_GIVEN, Decoders, NotGiven, list_params, next_offset, page_from_envelope
from onepin._concurrency import AsyncPrefetcher, async_gather
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, Page, RotatedApiKey, WhoAmI

if TYPE_CHECKING:
    from onepin._async._client import OnePinClient
    from onepin._concurrency import AsyncPending

__all__ = ["ApiKeysResource", "AuthResource", "KeyIterator"]

_KEYS = "/api/v1/api-keys"


def _key_path(key_id: str, suffix: str = "") -> str:
    if not isinstance(key_id, str) or not key_id:
        raise ValueError("key_id must be a non-empty string")
    return f"{_KEYS}/{quote(key_id, safe='')}{suffix}"


class AuthResource:
    """``client.auth``: who the token belongs to."""

    def __init__(self, client: OnePinClient) -> None:
        self._client = client

    async def whoami(self) -> WhoAmI:
        """The identity, workspace and scopes behind the client's token."""
        envelope = await self._client._request("GET", "/api/v1/auth/whoami", Decoders.whoami)
        return envelope.data


class ApiKeysResource:
    """``client.api_keys``: the workspace's API keys."""

    def __init__(self, client: OnePinClient) -> None:
        self._client = client

    async def list_page(
        self, *, offset: int = 0, limit: int = 50, status: KeyStatus | str = KeyStatus.ACTIVE
    ) -> Page[ApiKey]:
        """One page of keys: ``limit`` (1-100) keys from ``offset``, filtered by ``status``."""
        return await self._page(offset, limit, status, paced=False)

    async def _page(self, offset: int, limit: int, status: str, *, paced: bool) -> Page[ApiKey]:
        params = list_params(offset, limit, status)
        envelope = await self._client._request(
            "GET", _KEYS, Decoders.api_key_list, params=params, paced=paced
        )
        return page_from_envelope(envelope, offset=offset, limit=limit)

    def list(
        self,
        *,
        status: KeyStatus | str = KeyStatus.ACTIVE,
        page_size: int = 100,
        prefetch: int | None = None,
    ) -> KeyIterator:
        """Every key, page after page, in server order: ``async for key in ...list():``.

        Once the first page tells the total, up to ``prefetch`` pages (default:
        the client's ``prefetch``) are fetched side by side; items still come out
        in order and at most one window of pages is held in memory.
        """
        list_params(0, page_size, status)
        return KeyIterator(
            self,
            status=KeyStatus(status),
            page_size=page_size,
            prefetch=self._client._options.prefetch if prefetch is None else prefetch,
        )

    async def create(
        self,
        *,
        name: str,
        scopes: Sequence[str] | None = None,
        rate_limit_per_min: int | None = None,
    ) -> CreatedApiKey:
        """Create a live key; its secret is in ``.api_key``, returned this once only.

        ``scopes=None`` grants the caller's own scopes; ``rate_limit_per_min=None``
        means unlimited. Sent with an ``Idempotency-Key``; not retried after a 5xx
        or read error unless the client trusts idempotency keys.
        """
        body: dict[str, object] = {"name": name, "rate_limit_per_min": rate_limit_per_min}
        if scopes is not None:
            body["scopes"] = [str(s) for s in scopes]
        envelope = await self._client._request(
            "POST", _KEYS, Decoders.created_api_key, body=body, idempotent=False
        )
        return envelope.data

    async def get(self, key_id: str) -> ApiKey:
        """One key by id."""
        envelope = await self._client._request("GET", _key_path(key_id), Decoders.api_key)
        return envelope.data

    async def update(
        self,
        key_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        scopes: Sequence[str] | NotGiven = NOT_GIVEN,
        rate_limit_per_min: int | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> ApiKey:
        """Change some of a key's fields; only the arguments given are sent.

        ``rate_limit_per_min=None`` removes the limit.
        """
        body: dict[str, object] = {}
        if not isinstance(name, NotGiven):
            body["name"] = name
        if not isinstance(scopes, NotGiven):
            body["scopes"] = [str(s) for s in scopes]
        if not isinstance(rate_limit_per_min, NotGiven):
            body["rate_limit_per_min"] = rate_limit_per_min
        if not isinstance(active, NotGiven):
            body["active"] = active
        envelope = await self._client._request(
            "PATCH", _key_path(key_id), Decoders.api_key, body=body
        )
        return envelope.data

    async def delete(self, key_id: str) -> ApiKey:
        """Revoke a key (a soft delete); returns the revoked key."""
        envelope = await self._client._request("DELETE", _key_path(key_id), Decoders.api_key)
        return envelope.data

    async def rotate(self, key_id: str) -> RotatedApiKey:
        """Revoke a key and create its successor (same name, scopes and limit).

        The successor's secret is in ``.new_key.api_key``, returned this once only.
        Not retried after a 5xx or read error unless the client trusts idempotency
        keys: a lost answer would lose the only copy of the new secret.
        """
        envelope = await self._client._request(
            "PATCH", _key_path(key_id, "/rotate"), Decoders.rotated_api_key, idempotent=False
        )
        return envelope.data


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

    def __init__(
        self, resource: ApiKeysResource, *, status: KeyStatus, page_size: int, prefetch: int
    ) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be >= 1")
        self._resource = resource
        self._status = status
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
        self._lock = threading.Lock()  # the sync twin's workers refill from their threads
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

    async def _fetch(self, offset: int) -> Page[ApiKey]:
        return await self._resource._page(offset, self._page_size, self._status, paced=True)

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
