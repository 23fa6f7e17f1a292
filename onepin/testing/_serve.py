"""Serving an emulator on a real loopback port: from a thread, or from a child process.

``ThreadServer`` runs any ASGI app under uvicorn in a background thread (the
:class:`~onepin.testing.RunningEmulator` is one). ``EmulatorProcess`` runs
``python -m onepin.testing --json`` in a child process and reads how to reach
it from the one JSON line the child prints once it listens.
"""

from __future__ import annotations

import abc
import subprocess
import sys
import threading
from typing import IO, TYPE_CHECKING, Any, Self

import httpx
import msgspec

from onepin.testing._extra import ExtraMissing
from onepin.testing._options import EmulatorOptions, KeyManagement, ResetFormat, WhoAmIShape
from onepin.testing._records import Account
from onepin.testing._requestlog import LoggedRequest

if TYPE_CHECKING:
    import uvicorn

__all__ = ["EmulatorProcess", "Ready", "Served", "ThreadServer", "admin_request"]


def admin_request(base_url: str, admin_token: str, method: str, path: str, json: Any) -> Any:
    """Call an emulator's control API (``/_emulator/<path>``) and return its ``data``."""
    response = httpx.request(
        method,
        base_url + "/_emulator/" + path.lstrip("/"),
        json=json,
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    response.raise_for_status()
    return msgspec.json.decode(response.content)["data"]


class Served(abc.ABC):
    """A running emulator reached over a socket: start, stop, and its control API."""

    @property
    @abc.abstractmethod
    def base_url(self) -> str:
        """``http://host:port`` of the server."""

    @property
    @abc.abstractmethod
    def admin_token(self) -> str:
        """The bearer token of its ``/_emulator/`` control API."""

    @abc.abstractmethod
    def start(self) -> None:
        """Start serving; return once the socket listens."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving and wait until it has."""

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (``/_emulator/...``) and return its ``data``."""
        return admin_request(self.base_url, self.admin_token, method, path, json)

    def requests(self) -> list[LoggedRequest]:
        """The server's request log, through its control API (count it with ``RequestTally``)."""
        return [LoggedRequest.from_json(entry) for entry in self.admin("GET", "requests")]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ThreadServer(Served):
    """An emulator's ASGI app served by uvicorn on ``host:port`` from a background thread."""

    def __init__(self, app: Any, admin_token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._admin_token = admin_token
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (the real port once started)."""
        return f"http://{self._host}:{self._port}"

    @property
    def admin_token(self) -> str:
        """The bearer token of the served emulator's control API."""
        return self._admin_token

    def start(self) -> None:
        """Start serving; return once the socket listens."""
        try:
            import uvicorn
        except ModuleNotFoundError as exc:
            raise ExtraMissing.from_error(exc) from None

        config = uvicorn.Config(
            self._app,
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
        self._port = server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


class Ready(msgspec.Struct, frozen=True):
    """What ``python -m onepin.testing --json`` prints, on one line, once it listens."""

    base_url: str
    admin_token: str
    account: Account

    def __repr__(self) -> str:
        return f"Ready(base_url={self.base_url!r}, account={self.account!r})"


def _first_line(stream: IO[bytes], timeout: float) -> bytes:
    """The first line of ``stream``, or ``b""`` if none came within ``timeout`` seconds."""
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else b""


class EmulatorProcess(Served):
    """An emulator in a child process (``python -m onepin.testing``) on a loopback port.

    Use it as a context manager; inside, ``base_url``, ``bootstrap`` (the account,
    with its API key and session token) and ``admin_token`` say how to reach it,
    and :meth:`admin` drives its control API. The secrets travel over a pipe,
    never on a command line. Options are those of :class:`~onepin.testing.Emulator`
    (``options`` holds them), plus where to listen and how long to wait for it.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed_keys: int = 0,
        seed: int | None = None,
        latency: float = 0.0,
        rate_limit_window: float = 60.0,
        count_total: bool = True,
        key_management: KeyManagement = "session",
        whoami_shape: WhoAmIShape = "full",
        rate_limit_reset: ResetFormat = "seconds",
        startup_timeout: float = 30.0,
    ) -> None:
        self.options = EmulatorOptions(
            seed_keys=seed_keys,
            seed=seed,
            latency=latency,
            rate_limit_window=rate_limit_window,
            count_total=count_total,
            key_management=key_management,
            whoami_shape=whoami_shape,
            rate_limit_reset=rate_limit_reset,
        )
        """The child's emulator options."""
        self._argv = [
            sys.executable,
            "-m",
            "onepin.testing",
            "--json",
            f"--host={host}",
            f"--port={port}",
            *self.options.argv(),
        ]
        self._startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready: Ready | None = None

    def __repr__(self) -> str:
        where = self._ready.base_url if self._ready else "not started"
        return f"EmulatorProcess({where})"

    @property
    def ready(self) -> Ready:
        """How to reach the running child (``RuntimeError`` before :meth:`start`)."""
        if self._ready is None:
            raise RuntimeError("the emulator process is not running: call start() first")
        return self._ready

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the child."""
        return self.ready.base_url

    @property
    def admin_token(self) -> str:
        """The bearer token of the child's ``/_emulator/`` control API."""
        return self.ready.admin_token

    @property
    def bootstrap(self) -> Account:
        """The child's bootstrap account: workspace, all-scopes API key, session token."""
        return self.ready.account

    @property
    def pid(self) -> int | None:
        """The child's process id once started."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the child; return once it listens (``RuntimeError`` if it cannot)."""
        proc = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            self._argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
        )
        self._proc = proc
        assert proc.stdout is not None
        line = _first_line(proc.stdout, self._startup_timeout)
        if not line.strip():
            self.stop()
            raise RuntimeError(
                f"the emulator process did not start (exit code {proc.returncode}); "
                "its error is on stderr"
            )
        self._ready = msgspec.json.decode(line, type=Ready)

    def stop(self) -> None:
        """Stop the child and wait for it."""
        proc, self._ready = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
