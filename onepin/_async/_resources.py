"""The API's resources, ``client.auth`` and ``client.api_keys``, bound to a request method."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import msgspec

from onepin._async._listing import KeyIterator
from onepin._concurrency import StopGroup
from onepin._cursor import ListingCursor, walked_view
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, RotatedApiKey, WhoAmI
from onepin._options import ClientOptions, checked_concurrency, checked_deadline
from onepin._pacing import RateLimitPacer
from onepin._pagination import KeyRange, Page, list_params, page_from_envelope, split_offsets
from onepin._types import NOT_GIVEN, NotGiven
from onepin._wire import Decoders

__all__ = ["ApiKeysResource", "AuthResource", "Request"]

T = TypeVar("T")


class Request(Protocol):
    """What a resource needs from its client: send one call, return its decoded body."""

    async def __call__(
        self,
        method: str,
        path: str,
        decoder: msgspec.json.Decoder[T],
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
        paced: bool = False,
        idempotency_key: str | None = None,
    ) -> T:
        """Send the call (retried as the client's options say) and decode the answer.

        ``paced``: wait first for the rate-limited key's next slot (a listing's pages).
        ``idempotency_key``: the ``Idempotency-Key`` of a call that is not idempotent
        (else a new one).
        """
        ...


_KEYS = "/api/v1/api-keys"


def _key_path(key_id: str, suffix: str = "") -> str:
    if not isinstance(key_id, str) or not key_id:
        raise ValueError("key_id must be a non-empty string")
    if key_id in (".", ".."):  # a dot segment: the URL would resolve it away
        raise ValueError(f"key_id must not be {key_id!r}")
    return f"{_KEYS}/{quote(key_id, safe='')}{suffix}"


class AuthResource:
    """``client.auth``: who the token belongs to."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def whoami(self) -> WhoAmI:
        """The identity, workspace and scopes behind the client's token."""
        envelope = await self._request("GET", "/api/v1/auth/whoami", Decoders.whoami)
        return envelope.data


class ApiKeysResource:
    """``client.api_keys``: the workspace's API keys."""

    def __init__(
        self, request: Request, options: ClientOptions, pacer: RateLimitPacer, stops: StopGroup
    ) -> None:
        self._request = request
        self._options = options
        self._pacer = pacer
        self._stops = stops  # the client's listings, stopped when it closes

    async def list_page(
        self, *, offset: int = 0, limit: int = 50, status: KeyStatus | str = KeyStatus.ACTIVE
    ) -> Page[ApiKey]:
        """One page of keys: ``limit`` (1-100) keys from ``offset``, filtered by ``status``."""
        return await self._page(offset=offset, limit=limit, status=status, paced=False)

    async def _page(self, *, offset: int, limit: int, status: str, paced: bool) -> Page[ApiKey]:
        params = list_params(offset, limit, status)
        envelope = await self._request(
            "GET", _KEYS, Decoders.api_key_list, params=params, paced=paced
        )
        return page_from_envelope(envelope, offset=offset, limit=limit)

    def list(
        self,
        *,
        status: KeyStatus | str | None = None,
        page_size: int = 100,
        max_concurrency: int | None = None,
        shard: KeyRange | None = None,
        deadline: float | None = None,
    ) -> KeyIterator:
        """Every key of ``status`` (default ``active``), in server order: see ``KeyIterator``.

        ``async for key in client.api_keys.list():`` fetches pages side by side
        in a window that adapts to the server, up to ``max_concurrency`` pages
        (default: the client's). Every key in ``status`` from the start to the
        end of the listing comes out once, even while keys are created and
        revoked; memory stays flat. ``shard`` lists one of the ranges that
        ``shards()`` hands out (its status is the range's). A status this SDK
        does not know (one a newer server added) is sent as it is, and the
        server's own view of it walked, without that guarantee.

        ``deadline``: seconds for the whole stream, from its first page to its
        last (``APITimeoutError`` past it); the client's own ``deadline=`` keeps
        bounding each page.
        """
        if shard is not None:
            if status is not None and str(status) != shard.status:
                raise ValueError("status must be None or the shard's own")
            status = shard.status
        status = KeyStatus.ACTIVE if status is None else status
        list_params(0, page_size, status)
        cap = self._options.max_concurrency if max_concurrency is None else max_concurrency
        checked_concurrency(cap)
        checked_deadline(deadline)
        cursor = (
            ListingCursor(page_size=page_size, status=str(status))
            if shard is None
            else ListingCursor.for_shard(shard, page_size)
        )
        return KeyIterator(
            partial(self._page, status=walked_view(str(status)), paced=True),
            self._pacer,
            cursor,
            max_concurrency=cap,
            deadline=deadline,
            stops=self._stops,
        )

    async def shards(
        self, n: int, *, status: KeyStatus | str = KeyStatus.ACTIVE
    ) -> builtins.list[KeyRange]:
        """Split the listing into ``n`` contiguous ranges, to list in ``n`` workers.

        Each ``KeyRange`` pickles; a worker lists it with its own client::

            client.api_keys.list(shard=r)

        Each range starts after the key that ends the one before and stops at
        the key that ends its own, so together they yield exactly the listing,
        even with keys created and revoked meanwhile; the last one runs to the
        end, keys created meanwhile included. Costs ``n`` one-key requests (the
        count, then each boundary key); without a count there is a single range.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError("the number of shards must be an integer >= 1")
        list_params(0, 1, status)
        if walked_view(str(status)) != KeyStatus.ALL:
            raise ValueError("shards() splits the active, revoked or all listings only")
        first = await self.list_page(limit=1, status=KeyStatus.ALL)
        if first.total is None:
            return [KeyRange(0, None, str(status))]
        starts = split_offsets(first.total, n)
        stops: builtins.list[int | None] = [*starts[1:], None]
        # The key ending each range, fetched from the last to the first: rows only
        # move forward, so keys fetched later at smaller offsets come earlier.
        ends: dict[int, str] = {}
        for offset in sorted({s for s in starts if s > 0}, reverse=True):
            page = await self.list_page(offset=offset - 1, limit=1, status=KeyStatus.ALL)
            if page.items:
                ends[offset] = page.items[0].id
        return [
            KeyRange(
                start,
                stop,
                str(status),
                after=ends.get(start),
                until=None if stop is None else ends.get(stop),
            )
            for start, stop in zip(starts, stops, strict=True)
        ]

    async def create(
        self,
        *,
        name: str,
        scopes: Sequence[str] | NotGiven | None = NOT_GIVEN,
        rate_limit_per_min: int | NotGiven | None = NOT_GIVEN,
        key_type: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> CreatedApiKey:
        """Create a key; its secret is in ``.api_key``, returned this once only.

        Only the arguments given are sent: a field left out gets the server's
        default (seed 002 shows a name-only key with three scopes and 1000/min),
        while ``None`` is sent as ``null``: no scopes, or no rate limit.
        ``key_type`` is ``"live"`` today (``test`` and ``public`` are reserved:
        the server refuses them with a 422). Sent with an ``Idempotency-Key``
        (``idempotency_key``, else a new one); not retried after a 5xx or read
        error unless the client trusts idempotency keys. Repeating a create whose
        answer was lost with the same ``idempotency_key`` (and the same fields)
        returns the key it made.
        """
        body: dict[str, object] = {"name": name}
        if not isinstance(scopes, NotGiven):
            body["scopes"] = None if scopes is None else [str(s) for s in scopes]
        if not isinstance(rate_limit_per_min, NotGiven):
            body["rate_limit_per_min"] = rate_limit_per_min
        if not isinstance(key_type, NotGiven):
            body["key_type"] = str(key_type)
        envelope = await self._request(
            "POST",
            _KEYS,
            Decoders.created_api_key,
            body=body,
            idempotent=False,
            idempotency_key=idempotency_key,
        )
        return envelope.data

    async def get(self, key_id: str) -> ApiKey:
        """One key by id."""
        envelope = await self._request("GET", _key_path(key_id), Decoders.api_key)
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
        envelope = await self._request("PATCH", _key_path(key_id), Decoders.api_key, body=body)
        return envelope.data

    async def delete(self, key_id: str) -> ApiKey:
        """Revoke a key (a soft delete); returns the revoked key."""
        envelope = await self._request("DELETE", _key_path(key_id), Decoders.api_key)
        return envelope.data

    async def rotate(self, key_id: str, *, idempotency_key: str | None = None) -> RotatedApiKey:
        """Revoke a key and create its successor (same name, scopes and limit).

        The successor's secret is in ``.new_key.api_key``, returned this once only.
        Not retried after a 5xx or read error unless the client trusts idempotency
        keys: a lost answer would lose the only copy of the new secret; repeat the
        call with the same ``idempotency_key`` to get that answer again.
        """
        envelope = await self._request(
            "PATCH",
            _key_path(key_id, "/rotate"),
            Decoders.rotated_api_key,
            idempotent=False,
            idempotency_key=idempotency_key,
        )
        return envelope.data
