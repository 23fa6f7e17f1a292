"""The API's resources, ``client.auth`` and ``client.api_keys``, bound to a request method."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import msgspec

from onepin._async._listing import KeyIterator
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, RotatedApiKey, WhoAmI
from onepin._options import ClientOptions
from onepin._pacing import RateLimitPacer
from onepin._pagination import KeyRange, Page, list_params, page_from_envelope, split_ranges
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

    def __init__(self, request: Request, options: ClientOptions, pacer: RateLimitPacer) -> None:
        self._request = request
        self._options = options
        self._pacer = pacer

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
        status: KeyStatus | str = KeyStatus.ACTIVE,
        page_size: int = 100,
        max_concurrency: int | None = None,
        start: int = 0,
        stop: int | None = None,
    ) -> KeyIterator:
        """Every key from offset ``start`` (to ``stop``, else the end), in server order.

        ``async for key in client.api_keys.list():`` fetches pages side by side
        in a window that adapts to the server (see ``KeyIterator``), up to
        ``max_concurrency`` pages (default: the client's). Keys still come out
        in order, each once, and at most a window of pages is held in memory.
        ``start``/``stop`` list a range, as ``shards()`` hands out.
        """
        list_params(start, page_size, status)
        if stop is not None and stop < start:
            raise ValueError("stop must be None or >= start")
        cap = self._options.max_concurrency if max_concurrency is None else max_concurrency
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError("max_concurrency must be an integer >= 1")
        return KeyIterator(
            partial(self._page, status=status, paced=True),
            self._pacer,
            page_size=page_size,
            max_concurrency=cap,
            start=start,
            stop=stop,
        )

    async def shards(
        self, n: int, *, status: KeyStatus | str = KeyStatus.ACTIVE
    ) -> builtins.list[KeyRange]:
        """Split the listing into ``n`` contiguous ranges, to list in ``n`` processes.

        Each ``KeyRange`` pickles; a worker lists it with its own client::

            client.api_keys.list(status=r.status, start=r.start, stop=r.stop)

        Together the ranges yield the listing exactly; the last one runs to the
        end, keys created meanwhile included. One request (a one-key page) tells
        the total; when the server does not count, there is a single range.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError("the number of shards must be an integer >= 1")
        first = await self.list_page(limit=1, status=status)
        if first.total is None:
            return [KeyRange(0, None, str(status))]
        return split_ranges(first.total, n, str(status))

    async def create(
        self,
        *,
        name: str,
        scopes: Sequence[str] | None = None,
        rate_limit_per_min: int | None = None,
        idempotency_key: str | None = None,
    ) -> CreatedApiKey:
        """Create a live key; its secret is in ``.api_key``, returned this once only.

        ``scopes=None`` grants the caller's own scopes; ``rate_limit_per_min=None``
        means unlimited. Sent with an ``Idempotency-Key`` (``idempotency_key``, else
        a new one); not retried after a 5xx or read error unless the client trusts
        idempotency keys. Repeating a create whose answer was lost with the same
        ``idempotency_key`` (and the same fields) returns the key it made.
        """
        body: dict[str, object] = {"name": name, "rate_limit_per_min": rate_limit_per_min}
        if scopes is not None:
            body["scopes"] = [str(s) for s in scopes]
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
