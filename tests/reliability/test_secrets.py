"""The token and new secrets never leak: reprs (rich's too), traceback locals, errors, objects.

The only place the plain token may live is one private slot of the client;
the ``Authorization`` header is made where httpx sends the request.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from rich.pretty import pretty_repr

import onepin
import onepin_sync
from onepin.testing import Emulator, Fault, RunningEmulator
from tests.reliability._helpers import MISSING, TOKEN


def _with_locals(exc: BaseException) -> str:
    """The traceback as pytest ``-l`` or Sentry shows it: every frame's locals included."""
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


def _failures(server: RunningEmulator) -> Iterator[tuple[str, onepin.OnePinError]]:
    """One error of each family, raised through the sync client over a real socket."""
    # The token stays out of this frame's locals: it is where the errors are caught.
    emu = server.emulator
    cases: list[tuple[str, Fault | None, dict[str, Any]]] = [
        ("status", None, {}),
        ("dropped", Fault.drop(times=None), {"max_retries": 1}),
        ("timeout", Fault.latency(2), {"max_retries": 0, "timeout": 0.2}),
        ("truncated", Fault.truncate(), {}),
    ]
    for name, fault, options in cases:
        emu.clear_faults()
        if fault is not None:
            emu.inject(fault)
        with onepin_sync.OnePinClient(
            emu.bootstrap.session_token, base_url=server.base_url, **options
        ) as client:
            try:
                client.api_keys.get(MISSING)
            except onepin.OnePinError as exc:
                yield name, exc
            else:
                raise AssertionError(f"{name}: the call did not fail")


def test_no_traceback_local_holds_the_token_sync(server: RunningEmulator) -> None:
    token = server.emulator.bootstrap.session_token
    for name, exc in _failures(server):
        text = _with_locals(exc)
        assert "client" in text  # locals really were captured
        assert token not in text, name


async def _async_failure(server: RunningEmulator, endpoint: str, **options: Any) -> BaseException:
    async with onepin.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url, **options
    ) as client:
        try:
            if endpoint == "create":
                await client.api_keys.create(name="x")
            else:
                await client.api_keys.get(MISSING)
        except onepin.OnePinError as exc:
            return exc
    raise AssertionError("the call did not fail")


@pytest.mark.anyio
async def test_no_traceback_local_holds_the_token_async(server: RunningEmulator) -> None:
    server.emulator.inject(Fault.drop(times=None))
    errors = [
        await _async_failure(server, "get", max_retries=1),
        await _async_failure(server, "create", max_retries=1),
    ]
    server.emulator.clear_faults()
    errors.append(await _async_failure(server, "get"))
    assert isinstance(errors[-1], onepin.NotFoundError)
    for exc in errors:
        assert server.emulator.bootstrap.session_token not in _with_locals(exc)


def test_errors_keep_the_request_but_not_the_credential(server: RunningEmulator) -> None:
    token = server.emulator.bootstrap.session_token
    for name, exc in _failures(server):
        if isinstance(exc, onepin.APIStatusError):
            request = exc.response.request
            assert request.method == "GET", name
            assert str(request.url).endswith(MISSING), name
            assert "authorization" not in request.headers, name
            assert exc.request_id, name
        assert token not in repr(vars(exc)), name
        assert token not in str(exc) + repr(exc), name


def _holders(root: object, needle: str) -> set[str]:
    """The paths under ``root`` (attributes, dict and list items) to a value holding ``needle``."""
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[tuple[str, object]] = [("client", root)]
    while stack:
        path, obj = stack.pop()
        if isinstance(obj, str | bytes):
            if (needle in obj) if isinstance(obj, str) else (needle.encode() in obj):
                found.add(path)
            continue
        if (
            id(obj) in seen
            or isinstance(obj, int | float | type)
            or (callable(obj) and not hasattr(obj, "__dict__"))
        ):
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            stack.extend((f"{path}[{k!r}]", v) for k, v in obj.items())
            stack.extend((f"{path}.key", k) for k in obj)
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend((f"{path}[]", v) for v in obj)
        elif isinstance(obj, httpx.Headers):
            stack.extend((f"{path}[{k!r}]", v) for k, v in obj.raw)
        else:
            attrs = dict(getattr(obj, "__dict__", {}))
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        attrs[slot] = getattr(obj, slot)
            stack.extend((f"{path}.{k}", v) for k, v in attrs.items())
    return found


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_one_private_slot_holds_the_token(server: RunningEmulator, kind: str) -> None:
    token = server.emulator.bootstrap.session_token
    if kind == "sync":
        client: Any = onepin_sync.OnePinClient(token, base_url=server.base_url)
        client.auth.whoami()
        copy = client.with_options(max_retries=0)
        copy.auth.whoami()
        client.close()
    else:
        client = onepin.OnePinClient(token, base_url=server.base_url)
        copy = client.with_options(max_retries=0)

        async def use() -> None:
            await client.auth.whoami()
            await copy.auth.whoami()
            await client.aclose()

        anyio.run(use)
    holders = _holders(client, token) | {
        p.replace("client", "copy", 1) for p in _holders(copy, token)
    }
    assert len(holders) <= 2, sorted(holders)  # the same one slot, seen from each client
    assert all(path.split(".")[1].startswith("_") for path in holders), sorted(holders)
    assert token not in repr(client) + repr(copy)


# -- reprs --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_rich_repr_hides_new_secrets() -> None:
    emu = Emulator()
    victim = emu.create_key(name="victim")
    async with onepin.OnePinClient(
        emu.bootstrap.session_token,
        base_url=emu.base_url,
        http_client=httpx.AsyncClient(transport=emu.transport()),
    ) as client:
        created = await client.api_keys.create(name="fresh")
        rotated = await client.api_keys.rotate(victim.id)
    for obj, secret in ((created, created.api_key), (rotated, rotated.new_key.api_key)):
        shown = pretty_repr(obj) + repr(obj) + repr(list(obj.__rich_repr__()))
        assert secret not in shown
        assert "preview" in pretty_repr(obj) or "new_key" in pretty_repr(obj)
    assert created.api_key.startswith("op_live_")  # still there, for the caller


# -- construction -------------------------------------------------------------------


@pytest.mark.parametrize("cls", [onepin.OnePinClient, onepin_sync.OnePinClient])
def test_repr_of_a_half_built_client(cls: type) -> None:
    half: object = object.__new__(cls)
    assert cls.__name__ in repr(half)
    with pytest.raises(onepin.OnePinConfigurationError) as info:
        cls(TOKEN, base_url="ftp://nowhere")
    text = _with_locals(info.value)  # locals include the half-built ``self``
    assert "repr() failed" not in text
    assert TOKEN not in text


BAD_OPTIONS: list[dict[str, Any]] = [
    {"workspace_id": "wörkspace"},
    {"workspace_id": "a b"},
    {"timeout": -1},
    {"timeout": 0},
    {"timeout": httpx.Timeout(-5)},
    {"max_retry_wait": -1},
    {"max_retry_wait": float("nan")},
    {"deadline": -2},
    {"max_retries": -1},
]


@pytest.mark.parametrize("cls", [onepin.OnePinClient, onepin_sync.OnePinClient])
@pytest.mark.parametrize("options", BAD_OPTIONS, ids=repr)
def test_bad_options_rejected_at_construction(cls: type, options: dict[str, Any]) -> None:
    with pytest.raises(onepin.OnePinConfigurationError):
        cls(TOKEN, base_url="http://onepin.test", **options)
    client = cls(TOKEN, base_url="http://onepin.test")
    with pytest.raises(onepin.OnePinConfigurationError):
        client.with_options(**options)


@pytest.mark.parametrize("cls", [onepin.OnePinClient, onepin_sync.OnePinClient])
def test_a_client_and_its_credential_never_pickle(cls: type) -> None:
    """A client sent to a worker would carry the token: each worker makes its own client."""
    import pickle

    client = cls(TOKEN, base_url="http://127.0.0.1:9")
    for obj in (client, client._auth):
        with pytest.raises(TypeError, match="own client") as caught:
            pickle.dumps(obj)
        assert TOKEN not in str(caught.value)
