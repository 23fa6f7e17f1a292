"""A faithful, stateful local emulator of the OnePin API, for your tests.

In-process, with no socket (fast; async clients)::

    from onepin.testing import Emulator

    emu = Emulator(seed_keys=250)
    async with OnePinClient(token=emu.bootstrap.api_key, base_url=emu.base_url,
                            http_client=httpx.AsyncClient(transport=emu.transport())) as client:
        ...

Over a real loopback socket, served from a background thread (any client,
sync or async, or a subprocess)::

    with Emulator().serve() as server:
        client = onepin_sync.OnePinClient(token=server.emulator.bootstrap.api_key,
                                          base_url=server.base_url)

Faults (``emu.inject(Fault.status_code(503, times=2))``), a request log
(``emu.requests``) and a per-key rate limit follow the contract. From a shell:
``python -m onepin.testing --port 8000 --seed-keys 1000``.

Needs the ``emulator`` extra (Starlette and uvicorn).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from onepin.testing._faults import Fault, FaultKind, FaultPlan, LoggedRequest
from onepin.testing._store import ALL_SCOPES, CreatedKeyRow, KeyRow, Store, new_secret

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "ALL_SCOPES",
    "Account",
    "CreatedKeyRow",
    "Emulator",
    "EmulatorTransport",
    "Fault",
    "FaultKind",
    "KeyRow",
    "LoggedRequest",
    "RunningEmulator",
    "new_secret",
]

DEFAULT_BASE_URL = "http://onepin.test"


@dataclass(frozen=True)
class Account:
    """A workspace with its owner, an all-scopes API key and a browser-session token.

    ``repr()`` leaves the secrets out.
    """

    workspace_id: str
    user_id: str
    email: str | None
    api_key: str
    api_key_id: str
    session_token: str

    def __repr__(self) -> str:
        return (
            f"Account(workspace_id={self.workspace_id!r}, user_id={self.user_id!r}, "
            f"email={self.email!r}, api_key_id={self.api_key_id!r})"
        )

    def to_json(self) -> dict[str, Any]:
        """Every field, secrets included (for the admin API and the startup banner)."""
        return {
            "workspace_id": self.workspace_id,
            "user_id": self.user_id,
            "email": self.email,
            "api_key": self.api_key,
            "api_key_id": self.api_key_id,
            "session_token": self.session_token,
        }


class Emulator:
    """The OnePin API in a box: state, faults, request log, and two ways to serve them.

    Args:
        seed_keys: keys to create in the bootstrap workspace at start.
        latency: seconds added to every API request (a simulated round trip).
        rate_limit_window: length of a key's rate-limit window in seconds; a key
            with ``rate_limit_per_min=L`` gets ``ceil(L * window / 60)`` requests
            a window. Shorten it to test pacing without waiting minutes.
        admin_token: bearer token of the ``/_emulator/`` control API (random if None).
        count_total: whether list answers carry ``pagination.total`` (some OnePin
            list endpoints omit it; switch it off to test clients without it).
    """

    def __init__(
        self,
        *,
        seed_keys: int = 0,
        latency: float = 0.0,
        rate_limit_window: float = 60.0,
        admin_token: str | None = None,
        count_total: bool = True,
    ) -> None:
        try:
            from onepin.testing._app import EmulatorASGI
        except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
            raise ModuleNotFoundError(
                f"onepin.testing needs the emulator extra ({exc.name} is missing): "
                "pip install 'onepin[emulator]'"
            ) from exc

        self.store = Store(rate_limit_window=rate_limit_window)
        self.faults = FaultPlan()
        self.latency = latency
        self.count_total = count_total
        self.admin_token = admin_token or "emu_admin_" + secrets.token_urlsafe(24)
        self._requests: list[LoggedRequest] = []
        self._requests_lock = threading.Lock()
        self.bootstrap = self.create_account(email="dev@onepin.test")
        if seed_keys:
            self.seed_keys(seed_keys)
        self.app = EmulatorASGI(self)

    def __repr__(self) -> str:
        return f"Emulator(workspace_id={self.bootstrap.workspace_id!r})"

    @property
    def base_url(self) -> str:
        """The base URL of the in-process transport."""
        return DEFAULT_BASE_URL

    # -- setup ------------------------------------------------------------------

    def create_account(self, email: str | None = None) -> Account:
        """A new workspace, its owner, an all-scopes key and a session token."""
        workspace_id, user_id = self.store.create_workspace(email)
        key = self.store.insert_key(workspace_id, name="bootstrap", created_by=user_id)
        return Account(
            workspace_id=workspace_id,
            user_id=user_id,
            email=email,
            api_key=key.api_key,
            api_key_id=key.id,
            session_token=self.store.create_session(user_id),
        )

    def create_key(
        self,
        *,
        workspace_id: str | None = None,
        name: str = "key",
        scopes: Iterable[str] = ALL_SCOPES,
        rate_limit_per_min: int | None = None,
    ) -> CreatedKeyRow:
        """A key in ``workspace_id`` (default: the bootstrap one), with its secret."""
        return self.store.insert_key(
            workspace_id or self.bootstrap.workspace_id,
            name=name,
            scopes=scopes,
            rate_limit_per_min=rate_limit_per_min,
            created_by=self.bootstrap.user_id,
        )

    def seed_keys(
        self, count: int, *, workspace_id: str | None = None, prefix: str = "seed"
    ) -> None:
        """Add ``count`` scope-less keys named ``{prefix}-{n}`` (fast: 100,000 in seconds)."""
        self.store.seed_keys(workspace_id or self.bootstrap.workspace_id, count, name_prefix=prefix)

    def key(self, key_id: str) -> KeyRow | None:
        """A key row by id, whatever its workspace."""
        return self.store.get_row(key_id)

    # -- faults and log -----------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Queue ``fault`` for the next matching request(s)."""
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every pending fault."""
        self.faults.clear()

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every API request seen so far (admin calls excluded), secrets redacted."""
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._requests_lock:
            self._requests.clear()

    def _record(self, entry: LoggedRequest) -> None:
        with self._requests_lock:
            self._requests.append(entry)

    # -- serving ------------------------------------------------------------------

    def transport(self) -> EmulatorTransport:
        """An in-process ``httpx`` async transport to this emulator (no socket)."""
        return EmulatorTransport(self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningEmulator]:
        """Serve over a real socket from a background thread until the block ends."""
        server = RunningEmulator(self, host, port)
        server.start()
        try:
            yield server
        finally:
            server.stop()


class EmulatorTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to the emulator, where a dropped connection is a real one.

    A ``Fault.drop()`` surfaces as ``httpx.RemoteProtocolError``, as it does over a socket.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._inner = httpx.ASGITransport(app=emulator.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the app."""
        from onepin.testing._app import ConnectionDropped

        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def aclose(self) -> None:
        """Close the transport."""
        await self._inner.aclose()


class RunningEmulator:
    """An emulator served by uvicorn on a loopback port from a background thread."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        return f"http://{self._host}:{self._port}"

    def start(self) -> None:
        """Start serving; return once the socket listens."""
        import uvicorn

        config = uvicorn.Config(
            self.emulator.app,
            host=self._host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, name="onepin-emulator", daemon=True)
        self._thread.start()
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the emulator could not listen on {self._host}:{self._port}")
            threading.Event().wait(0.005)
        sock = server.servers[0].sockets[0]
        self._port = sock.getsockname()[1]

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (``/_emulator/...``) and return its ``data``."""
        response = httpx.request(
            method,
            self.base_url + "/_emulator/" + path.lstrip("/"),
            json=json,
            headers={"Authorization": f"Bearer {self.emulator.admin_token}"},
        )
        response.raise_for_status()
        return msgspec.json.decode(response.content)["data"]
