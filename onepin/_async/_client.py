"""The async OnePin client: one connection pool, one retry loop, typed results."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, Unpack

import httpx
import msgspec

from onepin._async._pool import SharedPool, send_open
from onepin._async._resources import ApiKeysResource, AuthResource
from onepin._concurrency import StopGroup
from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinError
from onepin._failures import (
    from_http_error,
    from_response,
    from_transport,
    from_undecodable,
)
from onepin._options import ClientOptions, OptionChanges, as_timeout, checked_token
from onepin._pacing import RateLimitPacer
from onepin._retry import RetryPolicy, retry_loops
from onepin._synchronization import AsyncDeadline, AsyncGate, async_sleep
from onepin._wire import BearerAuth, Call, decode, forget_token, log_attempt, refuse_pickle

if TYPE_CHECKING:
    from pathlib import Path

    from tenacity import AsyncRetrying

__all__ = ["OnePinClient"]

T = TypeVar("T")


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
        max_concurrency: the most pages a listing fetches side by side; its
            window adapts below this cap.
        http_client: your own ``httpx`` client (you close it); else one is made.

    A bad option value raises ``OnePinConfigurationError``, and so does a call
    on a closed client. The token is never shown by ``repr()``, logs, error
    messages or traceback locals. The client's own pool is per process and per
    event loop: after ``os.fork()``, or in another ``anyio.run``, the client
    starts a fresh pool there (an ``http_client`` of yours is used as it is).
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
        max_concurrency: int = 32,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        try:
            self._auth = BearerAuth(checked_token(token))
        finally:  # also when the check raises: no frame local of ours holds it
            del token  # (tracebacks show locals)
        self._pacer = RateLimitPacer()
        self._stops = StopGroup()  # its listings' (and its copies'), stopped on close
        self._configure(
            ClientOptions(
                base_url=base_url,
                workspace_id=workspace_id,
                timeout=as_timeout(timeout),
                max_retries=max_retries,
                deadline=deadline,
                max_retry_wait=max_retry_wait,
                trust_idempotency_keys=trust_idempotency_keys,
                max_concurrency=max_concurrency,
            )
        )
        self._pool = SharedPool(
            https=self._options.base_url.startswith("https://"), http_client=http_client
        )
        self._owns_pool = True

    def _configure(self, options: ClientOptions) -> None:
        """Adopt ``options``: the retry loop and the resources follow them."""
        self._options = options
        self._policy = RetryPolicy(
            max_retry_wait=options.max_retry_wait,
            trust_idempotency_keys=options.trust_idempotency_keys,
        )
        self._retrying: dict[bool, AsyncRetrying] | None = None  # built on the first retry
        self.auth = AuthResource(self._request)
        self.api_keys = ApiKeysResource(self._request, options, self._pacer, self._stops)

    @classmethod
    def from_env(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        credentials_path: Path | None = None,
        token: str | None = None,
        base_url: str | None = None,
        profile: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        **options: Unpack[OptionChanges],
    ) -> OnePinClient:
        """A client from ``ONEPIN_API_KEY`` / ``ONEPIN_BASE_URL``, else the credentials file.

        The file's profile is ``profile``, else ``ONEPIN_PROFILE``, else the
        file's active one, else ``[default]``. ``token`` and ``base_url``, when
        given, win over all. A key from ``token`` or ``ONEPIN_API_KEY`` goes to
        ``base_url``, else ``ONEPIN_BASE_URL``, else the default URL, never to
        a URL saved in the file, and needs no home directory. The other options
        are the constructor's (left out: the constructor's default). Raises
        ``OnePinConfigurationError`` when no key is found, the file is unsafe or
        an option is bad.
        """
        from onepin.credentials import Inputs, resolve_inputs

        inputs = Inputs.take(token, base_url, env)
        del token, env  # if anything below raises, no frame local holds the key
        creds = resolve_inputs(inputs, path=credentials_path, profile=profile)
        checked = ClientOptions(base_url=creds.base_url).replace(**options)
        return cls(creds.api_key, http_client=http_client, **msgspec.structs.asdict(checked))

    def with_options(self, **changes: Unpack[OptionChanges]) -> OnePinClient:
        """A client sharing this one's connection pool, with the given options changed.

        For one call: ``await client.with_options(max_retries=0).api_keys.get(key_id)``.
        Takes the constructor's options but ``base_url`` (see ``OptionChanges``);
        a bad value raises ``OnePinConfigurationError``, an unknown name
        ``TypeError``. Closing the copy does not close the shared pool.
        """
        options = self._options.replace(**changes)
        clone = copy.copy(self)
        clone._owns_pool = False
        clone._configure(options)
        return clone

    @property
    def base_url(self) -> str:
        """The API root this client talks to."""
        return self._options.base_url

    @property
    def workspace_id(self) -> str | None:
        """The ``X-Workspace-Id`` sent with each request, if any."""
        return self._options.workspace_id

    def __reduce__(self) -> NoReturn:
        refuse_pickle(type(self).__name__)

    def __copy__(self) -> OnePinClient:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __repr__(self) -> str:
        options = getattr(self, "_options", None)  # None while __init__ has not set it
        if options is None:
            return f"{type(self).__name__}(<not configured>)"
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, workspace_id={self.workspace_id!r})"
        )

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``); never raises.

        Later calls raise ``OnePinConfigurationError``. A pool this process or
        event loop did not make is left alone.
        """
        if self._owns_pool:
            await self._pool.aclose()
            self._stops.stop_all()

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
        idempotency_key: str | None = None,
    ) -> T:
        """Send one logical call: attempts and waits within the deadline, then decoding.

        Without a deadline nothing is set up around the call. A ``paced`` call
        (a listing's page) first waits for its slot when the key is rate
        limited; that wait counts against the deadline too.
        """
        options = self._options
        call = Call(
            method,
            options.base_url + path,
            params=params,
            body=body,
            idempotent=idempotent,
            idempotency_key=idempotency_key,
        )
        deadline = AsyncDeadline.for_call(options.deadline, call)
        if deadline is None:
            return await self._send(call, decoder, None, paced)
        async with deadline:
            return await self._send(call, decoder, deadline, paced)

    async def _send(
        self,
        call: Call,
        decoder: msgspec.json.Decoder[T],
        deadline: AsyncDeadline | None,
        paced: bool,
    ) -> T:
        """The attempts of ``call``: the first on its own; after a retryable failure, the rest.

        The first attempt costs no retry machinery. Only when it fails in a
        way the policy retries does tenacity's loop start, handed that first
        failure as its attempt number 1, so counts, waits and stops are its.
        """
        http, gate = self._pool.current()
        if paced:
            wait = self._pacer.reserve()
            if 0 < wait <= self._options.max_retry_wait:
                if deadline is not None:
                    deadline.check(wait)
                await async_sleep(wait)
        try:
            return await self._attempt(call, decoder, deadline, http, gate)
        except OnePinError as exc:
            if self._options.max_retries == 0 or not self._policy.should_retry(
                exc, idempotent=call.idempotent
            ):
                raise
            failure: OnePinError | None = exc
        retrying = self._retry_loop(call.idempotent, deadline)
        async for attempt in retrying:
            with attempt:
                if failure is not None:  # attempt 1: the one already made
                    first = failure
                    failure = None
                    raise first
                return await self._attempt(call, decoder, deadline, http, gate)
        raise AssertionError("tenacity's loop ends by returning or raising")  # pragma: no cover

    def _retry_loop(self, idempotent: bool, deadline: AsyncDeadline | None) -> AsyncRetrying:
        """A fresh tenacity loop for one call's retries (a loop holds its call's state).

        The client's two loops (for idempotent calls and for the others) are
        built once, on its first retry (so tenacity is imported only then);
        each call takes a copy, its deadline added to the stop.
        """
        loops = self._retrying
        if loops is None:
            from tenacity import AsyncRetrying

            max_retries = self._options.max_retries
            loops = retry_loops(self._policy, max_retries, AsyncRetrying, async_sleep)
            self._retrying = loops
        loop = loops[idempotent]
        if deadline is None:
            return loop.copy()
        attempts = loop.stop
        return loop.copy(stop=lambda state: attempts(state) or deadline(state))

    async def _attempt(
        self,
        call: Call,
        decoder: msgspec.json.Decoder[T],
        deadline: AsyncDeadline | None,
        http: httpx.AsyncClient,
        gate: AsyncGate,
    ) -> T:
        """One attempt of ``call``: send (through the gate), check the status, decode."""
        options = self._options
        timeout = options.timeout if deadline is None else deadline.attempt_timeout(options.timeout)
        request = http.build_request(
            call.method,
            call.url,
            content=call.content,
            headers=call.headers(options.workspace_id),
            timeout=timeout,
        )
        call.attempts += 1
        t0 = time.perf_counter()
        try:
            await gate.acquire(timeout.pool)
            try:
                response = await send_open(http, request, self._auth)
                if response.history:  # a client of the user's that followed redirects
                    forget_token(response)
                try:
                    await response.aread()
                except httpx.DecodingError as exc:
                    raise from_undecodable(response, exc, idempotent=call.idempotent) from exc
                finally:
                    await response.aclose()
            finally:
                gate.release()
        except httpx.HTTPError as exc:
            forget_token(exc)
            log_attempt(call, type(exc).__name__, t0)
            if not isinstance(exc, httpx.TransportError):  # a redirect loop, a bad encoding
                raise from_http_error(exc, idempotent=call.idempotent) from exc
            if deadline is not None and deadline.expired():  # the blocking client ran out
                raise deadline.exceeded() from exc
            raise from_transport(exc, idempotent=call.idempotent) from exc
        headers = response.headers
        log_attempt(call, response.status_code, t0, headers)
        # sent for a rate-limited key
        self._pacer.observe(headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset"))
        if response.is_success:
            return decode(decoder, response, idempotent=call.idempotent)
        error = from_response(response, outcome_unknown=not call.idempotent)
        if error.status_code in (429, 503):
            self._pacer.throttled(error.retry_after if error.status_code == 429 else None)
        raise error
