"""The ``onepin`` pytest plugin: an in-process OnePin emulator and ready clients for your tests.

Installed with the ``emulator`` extra and registered through the ``pytest11``
entry point, so its fixtures are there with no import and no ``conftest.py``::

    import pytest
    from onepin.testing import Fault

    @pytest.mark.onepin(seed_keys=20, faults=[Fault.status_code(503, retry_after=0)])
    def test_my_listing(onepin_sync_client, onepin_requests):
        assert len(list(onepin_sync_client.api_keys.list())) == 21
        assert [r.status for r in onepin_requests()][:2] == [503, 200]

Fixtures (each test gets a fresh emulator; nothing here opens a socket or
starts a thread unless ``onepin_server`` is asked for):

- ``onepin_emulator``: the :class:`~onepin.testing.Emulator`; ``.bootstrap``
  holds the account's API key and session token, ``.inject(Fault...)`` queues
  faults, ``.seed_keys(n)`` adds keys, ``.create_key(...)`` makes one.
- ``onepin_client``: an async ``onepin.OnePinClient`` on the in-process transport.
- ``onepin_sync_client``: an ``onepin_sync.OnePinClient`` on the in-process sync
  transport (no thread, no socket, no event loop).
- ``onepin_requests``: call it for the request log so far (secrets redacted);
  ``onepin_requests.tally()`` counts it per endpoint; ``.clear()`` empties it.
- ``onepin_server``: the emulator served on a loopback port, for code that
  needs a URL (a subprocess, a client you do not build yourself).

Both clients use the bootstrap account's session token, which may manage keys
under the documented rule; ``@pytest.mark.onepin(token="api_key")`` gives them
the account's all-scopes API key instead (for ``whoami`` and key identity).

The ``onepin`` marker takes the keyword arguments of ``Emulator`` (``seed_keys``,
``seed``, ``latency``, ``rate_limit_window``, ``count_total``, ``key_management``,
``whoami_shape``), plus ``faults`` (faults queued before the test) and ``token``.
The plugin imports the emulator only when a fixture is used, so it costs
nothing to a test session that does not use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import onepin_sync
    from onepin import OnePinClient
    from onepin.testing import Emulator, LoggedRequest, RequestTally, RunningEmulator

__all__ = [
    "EmulatorRequests",
    "onepin_client",
    "onepin_emulator",
    "onepin_requests",
    "onepin_server",
    "onepin_sync_client",
]

MARKER = "onepin"
"""The marker that sets a test's emulator options: ``@pytest.mark.onepin(seed_keys=50)``."""
TOKENS = ("session", "api_key")
"""What ``@pytest.mark.onepin(token=...)`` may give the client fixtures: a session token
(the default: it manages keys) or the bootstrap API key."""


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``onepin`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): the onepin_emulator fixture's Emulator options (seed_keys, "
        "seed, latency, key_management, whoami_shape, ...), faults=[Fault, ...] queued "
        "before the test, token='session' or 'api_key' for the onepin clients",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # closest wins
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    return options


def _token(request: pytest.FixtureRequest, emulator: Emulator) -> str:
    kind = _marker_options(request).get("token", "session")
    if kind not in TOKENS:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}(token=...) is 'session' or 'api_key'")
    return emulator.bootstrap.session_token if kind == "session" else emulator.bootstrap.api_key


@pytest.fixture
def onepin_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A fresh in-process OnePin emulator, built from the ``onepin`` marker's options."""
    from onepin.testing import Emulator

    options = _marker_options(request)
    options.pop("token", None)
    faults = options.pop("faults", ())
    emulator = Emulator(**options)
    for fault in faults:
        emulator.inject(fault)
    return emulator


@pytest.fixture
def onepin_client(request: pytest.FixtureRequest, onepin_emulator: Emulator) -> OnePinClient:
    """An async client of ``onepin_emulator`` over its in-process transport (no socket).

    Use it in async tests as it is, or in ``async with``.
    """
    import httpx

    from onepin import OnePinClient

    http = httpx.AsyncClient(transport=onepin_emulator.transport())
    # Nothing to close: the in-process transport holds no connection.
    return OnePinClient(
        _token(request, onepin_emulator), base_url=onepin_emulator.base_url, http_client=http
    )


@pytest.fixture
def onepin_sync_client(
    request: pytest.FixtureRequest, onepin_emulator: Emulator
) -> Iterator[onepin_sync.OnePinClient]:
    """A sync client of ``onepin_emulator`` over its in-process sync transport."""
    import httpx

    import onepin_sync

    http = httpx.Client(transport=onepin_emulator.sync_transport())
    with onepin_sync.OnePinClient(
        _token(request, onepin_emulator), base_url=onepin_emulator.base_url, http_client=http
    ) as client:
        yield client
    http.close()


class EmulatorRequests:
    """The emulator's request log as a fixture: call it for the requests seen so far."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def __call__(self) -> list[LoggedRequest]:
        """Every API request so far (admin calls excluded), secrets redacted."""
        return self._emulator.requests

    def tally(self) -> RequestTally:
        """The requests so far, counted per endpoint (attempts, keys created and revoked)."""
        from onepin.testing import RequestTally

        return RequestTally.of(self._emulator.requests)

    def clear(self) -> None:
        """Empty the log."""
        self._emulator.clear_requests()


@pytest.fixture
def onepin_requests(onepin_emulator: Emulator) -> EmulatorRequests:
    """The request log of ``onepin_emulator``: ``onepin_requests()``, ``.tally()``, ``.clear()``."""
    return EmulatorRequests(onepin_emulator)


@pytest.fixture
def onepin_server(onepin_emulator: Emulator) -> Iterator[RunningEmulator]:
    """``onepin_emulator`` served on a loopback port (``.base_url``) from a background thread."""
    with onepin_emulator.serve() as server:
        yield server
