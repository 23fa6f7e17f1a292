"""The API's resources, ``client.auth`` and ``client.api_keys``, bound to a request method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import msgspec

from onepin._async._listing import KeyIterator
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, RotatedApiKey, WhoAmI
from onepin._pagination import Page, list_params, page_from_envelope
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
    ) -> T:
        """Send the call (retried as the client's options say) and decode the answer."""
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

    def __init__(self, request: Request, *, prefetch: int) -> None:
        self._request = request
        self._prefetch = prefetch

    async def list_page(
        self, *, offset: int = 0, limit: int = 50, status: KeyStatus | str = KeyStatus.ACTIVE
    ) -> Page[ApiKey]:
        """One page of keys: ``limit`` (1-100) keys from ``offset``, filtered by ``status``."""
        return await self._page(offset, limit, status, paced=False)

    async def _page(self, offset: int, limit: int, status: str, *, paced: bool) -> Page[ApiKey]:
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
        prefetch: int | None = None,
    ) -> KeyIterator:
        """Every key, page after page, in server order: ``async for key in ...list():``.

        Once the first page tells the total, up to ``prefetch`` pages (default:
        the client's ``prefetch``) are fetched side by side; items still come out
        in order and at most one window of pages is held in memory.
        """
        list_params(0, page_size, status)
        return KeyIterator(
            partial(self._page, limit=page_size, status=KeyStatus(status), paced=True),
            page_size=page_size,
            prefetch=self._prefetch if prefetch is None else prefetch,
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
        envelope = await self._request(
            "POST", _KEYS, Decoders.created_api_key, body=body, idempotent=False
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

    async def rotate(self, key_id: str) -> RotatedApiKey:
        """Revoke a key and create its successor (same name, scopes and limit).

        The successor's secret is in ``.new_key.api_key``, returned this once only.
        Not retried after a 5xx or read error unless the client trusts idempotency
        keys: a lost answer would lose the only copy of the new secret.
        """
        envelope = await self._request(
            "PATCH", _key_path(key_id, "/rotate"), Decoders.rotated_api_key, idempotent=False
        )
        return envelope.data
