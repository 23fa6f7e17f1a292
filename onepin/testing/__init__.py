"""A faithful, stateful local emulator of the OnePin API, for your tests.

In-process, with no socket (fast; async clients)::

    from onepin.testing import Emulator

    emu = Emulator(seed_keys=250)
    async with OnePinClient(token=emu.bootstrap.session_token, base_url=emu.base_url,
                            http_client=httpx.AsyncClient(transport=emu.transport())) as client:
        ...

(sync clients: ``httpx.Client(transport=emu.sync_transport())``, no thread either).
Key management takes the session token (the documented rule; an API key gets
403 ``SESSION_TOKEN_REQUIRED`` unless ``Emulator(key_management="any")``);
``emu.bootstrap.api_key`` is for ``whoami``. In pytest, the ``onepin`` plugin's
fixtures (``onepin_emulator``, ``onepin_client``, ``onepin_sync_client``) do this.

Over a real loopback socket, served from a background thread (any client,
sync or async, or a subprocess)::

    with Emulator().serve() as server:
        client = onepin_sync.OnePinClient(token=server.emulator.bootstrap.session_token,
                                          base_url=server.base_url)

In a child process of its own (``EmulatorProcess``), driven through its control API::

    with EmulatorProcess(seed_keys=1000, latency=0.01) as proc:
        client = OnePinClient(token=proc.bootstrap.session_token, base_url=proc.base_url)
        proc.admin("GET", "requests")

Faults (``emu.inject(Fault.status_code(503, times=2))``; every kind is in
``FAULT_KINDS``, every endpoint in ``Endpoint``), a request log (``emu.requests``,
counted per endpoint by ``RequestTally.of(...)``) and a per-key rate limit follow
the contract. ``emu.seed_keys(1000, seed=7)`` adds realistic keys. From a shell:
``python -m onepin.testing --port 8000 --seed-keys 1000 --seed 7``.

Needs the ``emulator`` extra (Starlette and uvicorn).
"""

from onepin.testing._emulator import Emulator, RunningEmulator
from onepin.testing._endpoints import Endpoint
from onepin.testing._extra import ExtraMissing
from onepin.testing._faults import FAULT_KINDS, Fault, FaultKind
from onepin.testing._options import EmulatorOptions, KeyManagement, ResetFormat, WhoAmIShape
from onepin.testing._records import ALL_SCOPES, Account, CreatedKeyRow, KeyRow, new_secret
from onepin.testing._requestlog import LoggedRequest, RequestTally
from onepin.testing._serve import EmulatorProcess
from onepin.testing._sync_transport import SyncEmulatorTransport
from onepin.testing._transport import EmulatorTransport

__all__ = [
    "ALL_SCOPES",
    "FAULT_KINDS",
    "Account",
    "CreatedKeyRow",
    "Emulator",
    "EmulatorOptions",
    "EmulatorProcess",
    "EmulatorTransport",
    "Endpoint",
    "ExtraMissing",
    "Fault",
    "FaultKind",
    "KeyManagement",
    "KeyRow",
    "LoggedRequest",
    "RequestTally",
    "ResetFormat",
    "RunningEmulator",
    "SyncEmulatorTransport",
    "WhoAmIShape",
    "new_secret",
]
