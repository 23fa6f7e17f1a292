"""Every endpoint x every fault the emulator knows, through both clients.

For each cell: the outcome is a model or a typed error as the retry policy
says, the attempts are counted, create and rotate never take effect twice, a
call that may have taken effect and failed says ``outcome_unknown``, and the
deadline holds. The suite runs the async cells on asyncio; ``nox -s fuzz``
(which sets ``ONEPIN_FUZZ_EXAMPLES``) runs them on trio too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

import onepin
import onepin_sync
from onepin.testing import (
    FAULT_KINDS,
    Emulator,
    Endpoint,
    Fault,
    FaultKind,
    RequestTally,
    RunningEmulator,
)

DEADLINE = 1.0
OPTIONS: dict[str, Any] = {"max_retries": 2, "timeout": 0.5, "deadline": DEADLINE}
BACKENDS = ["asyncio", "trio"] if os.environ.get("ONEPIN_FUZZ_EXAMPLES") else ["asyncio"]

# name -> (endpoint, call taking the client and a fresh key id)
CALLS: dict[str, tuple[Endpoint, Callable[[Any, str], Any]]] = {
    "whoami": (Endpoint.WHOAMI, lambda c, k: c.auth.whoami()),
    "list_page": (Endpoint.LIST_KEYS, lambda c, k: c.api_keys.list_page(limit=5)),
    "create": (Endpoint.CREATE_KEY, lambda c, k: c.api_keys.create(name="matrix-new")),
    "get": (Endpoint.GET_KEY, lambda c, k: c.api_keys.get(k)),
    "update": (Endpoint.UPDATE_KEY, lambda c, k: c.api_keys.update(k, name="matrix-renamed")),
    "delete": (Endpoint.DELETE_KEY, lambda c, k: c.api_keys.delete(k)),
    "rotate": (Endpoint.ROTATE_KEY, lambda c, k: c.api_keys.rotate(k)),
}
SECRET_MAKING = {"create", "rotate"}
RETRIED_FAILURES = {"status", "drop", "commit_then_fail", "html_502"}


def test_every_endpoint_and_fault_is_in_the_matrix() -> None:
    assert {endpoint for endpoint, _ in CALLS.values()} == set(Endpoint)
    assert FAULT_KINDS  # the matrix below is built from the emulator's own list


@pytest.fixture(scope="module")
def matrix_server() -> Iterator[RunningEmulator]:
    """One emulator for the whole matrix (each cell clears faults and the log)."""
    with Emulator().serve() as running:
        yield running


def expected(kind: str, call: str) -> tuple[type[BaseException] | None, int]:
    """The outcome (None: a model) and attempt count the retry policy promises."""
    secret = call in SECRET_MAKING
    if kind in RETRIED_FAILURES:
        if not secret:
            return None, 2
        if kind == "drop":
            return onepin.APIConnectionError, 1
        return onepin.InternalServerError, 1
    if kind == "truncate":
        return onepin.APIResponseValidationError, 1
    if kind == "slow_drip":
        return onepin.APITimeoutError, 1
    return None, 1  # latency, or a kind this table does not know: checked by invariants


def run_cell(
    server: RunningEmulator, kind: FaultKind, call: str, invoke: Callable[[Any], Any]
) -> None:
    emu = server.emulator
    endpoint, _ = CALLS[call]
    key_id = emu.create_key(name="matrix-victim").id
    emu.clear_faults()
    emu.clear_requests()
    emu.inject(Fault.of_kind(kind, method=endpoint.method, path=endpoint.path))
    started = time.monotonic()
    try:
        outcome: Any = invoke(lambda c: CALLS[call][1](c, key_id))
    except onepin.OnePinError as exc:
        outcome = exc
    elapsed = time.monotonic() - started
    time.sleep(0.1 if kind == "slow_drip" else 0)  # let an abandoned drip finish its work
    tally = RequestTally.of(emu.requests)

    assert elapsed < DEADLINE + 0.5, f"{elapsed:.2f}s"
    assert tally.attempts[endpoint] <= OPTIONS["max_retries"] + 1
    assert tally.created[Endpoint.CREATE_KEY] <= 1, "create took effect twice"
    assert tally.created[Endpoint.ROTATE_KEY] <= 1, "rotate took effect twice"
    if (
        isinstance(outcome, onepin.OnePinError)
        and call in SECRET_MAKING
        and tally.created[endpoint]
    ):
        assert getattr(outcome, "outcome_unknown", False), "a secret was made and lost, silently"
        assert "list" in str(outcome).lower()
    want, attempts = expected(kind, call)
    if kind in (
        "status",
        "latency",
        "drop",
        "commit_then_fail",
        "truncate",
        "html_502",
        "slow_drip",
    ):
        if want is None:
            assert not isinstance(outcome, BaseException), repr(outcome)
        else:
            assert type(outcome) is want, repr(outcome)
        assert tally.attempts[endpoint] == attempts
    else:  # a fault added to the emulator later: typed or a model, at least
        assert isinstance(outcome, onepin.OnePinError) or not isinstance(outcome, BaseException)


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_sync_cell(matrix_server: RunningEmulator, kind: FaultKind, call: str) -> None:
    token = matrix_server.emulator.bootstrap.session_token
    with onepin_sync.OnePinClient(token, base_url=matrix_server.base_url, **OPTIONS) as client:
        run_cell(matrix_server, kind, call, lambda f: f(client))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_async_cell(
    matrix_server: RunningEmulator, kind: FaultKind, call: str, backend: str
) -> None:
    token = matrix_server.emulator.bootstrap.session_token

    def invoke(f: Callable[[Any], Any]) -> Any:
        async def main() -> Any:
            async with onepin.OnePinClient(
                token, base_url=matrix_server.base_url, **OPTIONS
            ) as client:
                return await f(client)

        return anyio.run(main, backend=backend)

    run_cell(matrix_server, kind, call, invoke)
