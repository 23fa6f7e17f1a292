"""The async OnePin client: one connection pool, one retry loop, typed results."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import msgspec
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.stop import stop_base

from onepin._async._resources import ApiKeysResource, AuthResource
from onepin._base import (
    DEFAULT_BASE_URL,
    ClientOptions,
    build_headers,
    checked_token,
    connection_error,
    decode,
    error_from_response,
    logger,
    new_idempotency_key,
)
from onepin._concurrency import AsyncDeadline, async_sleep
from onepin._exceptions import (
    APITimeoutError,
    OnePinError,
    RateLimitError,
)
from onepin._pacing import RateLimitPacer

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["OnePinClient"]

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


class OnePinClient:
    """The OnePin API client.

    Use it as a context manager (or call ``aclose()``) so its connection pool
    is released::

        async with OnePinClient(token=os.environ["ONEPIN_API_KEY"]) as client:
            me = await client.auth.whoami()

    Args:
        token: an API key (``op_live_...``) or a browser-session token.
        base_url: the API root, ``https://api.onepin.ai`` by default.
        workspace_id: sent as ``X-Workspace-Id`` on every request when set.
        timeout: seconds (or an ``httpx.Timeout``) for each attempt.
        max_retries: retries after the first attempt (see ``onepin._retry``).
        deadline: seconds for a whole call, every attempt and wait included.
        max_retry_wait: the longest ``Retry-After`` honoured; longer raises at once.
        trust_idempotency_keys: also retry create/rotate after a 5xx or a read
            error, relying on the server to deduplicate by ``Idempotency-Key``.
        prefetch: pages a listing fetches side by side once the total is known.
        http_client: your own ``httpx`` client (you close it); else one is made.

    The token is never shown by ``repr()``, logs or error messages.
    """

    auth: AuthResource
    """``whoami()``."""
    api_keys: ApiKeysResource
    """List, create, get, update, delete and rotate API keys."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        deadline: float | None = None,
        max_retry_wait: float = 60.0,
        trust_idempotency_keys: bool = False,
        prefetch: int = 8,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._token = checked_token(token)
        self._options = ClientOptions.create(
            base_url=base_url,
            workspace_id=workspace_id,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            trust_idempotency_keys=trust_idempotency_keys,
            prefetch=prefetch,
        )
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._pacer = RateLimitPacer()
        self.auth = AuthResource(self)
        self.api_keys = ApiKeysResource(self)

    @classmethod
    def from_env(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        credentials_path: Path | None = None,
        **options: Any,
    ) -> OnePinClient:
        """A client from ``ONEPIN_API_KEY`` / ``ONEPIN_BASE_URL``, else the credentials file.

        Raises ``OnePinConfigurationError`` when no key is found or the file is unsafe.
        ``options`` are the constructor's keyword arguments.
        """
        from onepin.credentials import resolve

        creds = resolve(
            options.pop("token", None),
            options.pop("base_url", None),
            env=env,
            path=credentials_path,
        )
        return cls(creds.api_key, base_url=creds.base_url, **options)

    def with_options(self, **changes: Any) -> OnePinClient:
        """A client sharing this one's connection pool, with some options changed.

        For one call: ``await client.with_options(max_retries=0).api_keys.get(key_id)``.
        Accepts ``workspace_id``, ``timeout``, ``max_retries``, ``deadline``,
        ``max_retry_wait``, ``trust_idempotency_keys`` and ``prefetch``.
        Closing the copy does not close the shared pool.
        """
        clone = copy.copy(self)
        clone._options = self._options.updated(**changes)
        clone._owns_http = False
        clone.auth = AuthResource(clone)
        clone.api_keys = ApiKeysResource(clone)
        return clone

    @property
    def base_url(self) -> str:
        """The API root this client talks to."""
        return self._options.base_url

    @property
    def workspace_id(self) -> str | None:
        """The ``X-Workspace-Id`` sent with each request, if any."""
        return self._options.workspace_id

    def __repr__(self) -> str:
        return f"OnePinClient(base_url={self.base_url!r}, workspace_id={self.workspace_id!r})"

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> OnePinClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the data path ----------------------------------------------------------

    async def _request(
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
        """Send one logical call: retries, deadline, status check, decoding.

        ``paced`` calls (a listing's pages) wait for their slot when the key is
        rate limited, so a long listing runs at the allowed rate.
        """
        options = self._options
        policy = options.retry
        idempotency_key = None if idempotent else new_idempotency_key()
        content = _encoder.encode(body) if body is not None else None
        started = time.monotonic()
        send = partial(
            self._attempt,
            method,
            path,
            decoder,
            params=params,
            content=content,
            idempotency_key=idempotency_key,
            started=started,
            idempotent=idempotent,
            paced=paced,
        )
        async with AsyncDeadline(options.deadline):
            # The first attempt runs outside tenacity: the common, successful call
            # pays nothing for the retry machinery.
            try:
                return await send(retry_count=0)
            except OnePinError as exc:
                if policy.max_retries == 0 or not policy.should_retry(exc, idempotent=idempotent):
                    raise
                first_failure = exc
            stop: stop_base = stop_after_attempt(policy.max_retries + 1)
            if options.deadline is not None:
                left = options.deadline - (time.monotonic() - started)
                stop = stop | stop_before_delay(max(0.0, left))
            retrying = AsyncRetrying(
                stop=stop,
                wait=policy.wait,
                retry=retry_if_exception(partial(policy.should_retry, idempotent=idempotent)),
                sleep=async_sleep,
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    if number == 1:
                        # Replay the fast path's failure so tenacity's wait and stop see it.
                        raise first_failure
                    return await send(retry_count=number - 1)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    async def _attempt(
        self,
        method: str,
        path: str,
        decoder: msgspec.json.Decoder[T],
        *,
        params: Mapping[str, str | int] | None,
        content: bytes | None,
        idempotency_key: str | None,
        retry_count: int,
        started: float,
        idempotent: bool,
        paced: bool,
    ) -> T:
        options = self._options
        remaining = None
        if options.deadline is not None:
            remaining = options.deadline - (time.monotonic() - started)
            if remaining <= 0:
                raise APITimeoutError(f"The call's deadline of {options.deadline:g}s was exceeded")
        if paced:
            wait = self._pacer.reserve()
            if 0 < wait <= options.retry.max_retry_wait:
                await async_sleep(wait)
        headers = build_headers(
            self._token,
            options.workspace_id,
            retry_count=retry_count,
            idempotency_key=idempotency_key,
        )
        if content is not None:
            headers["Content-Type"] = "application/json"
        request = self._http.build_request(
            method,
            options.base_url + path,
            params=params,
            content=content,
            headers=headers,
            timeout=options.attempt_timeout(remaining),
        )
        t0 = time.perf_counter()
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            logger.debug(
                "%s %s -> %s after %.1f ms (attempt %d)",
                method,
                request.url,
                type(exc).__name__,
                (time.perf_counter() - t0) * 1000,
                retry_count + 1,
            )
            raise connection_error(exc, idempotent=idempotent) from exc
        headers_in = response.headers
        logger.debug(
            "%s %s -> %d in %.1f ms (attempt %d, request_id=%s)",
            method,
            request.url,
            response.status_code,
            (time.perf_counter() - t0) * 1000,
            retry_count + 1,
            headers_in.get("x-request-id"),
        )
        self._pacer.observe(
            headers_in.get("x-ratelimit-remaining"), headers_in.get("x-ratelimit-reset")
        )
        if response.is_success:
            return decode(decoder, response)
        error = error_from_response(response, outcome_unknown=not idempotent)
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            self._pacer.back_off(error.retry_after)
        raise error
