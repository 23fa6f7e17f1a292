"""What only the blocking twin must show: no event loop, no thread, safe across threads."""

from __future__ import annotations

import ast
import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import onepin_sync
from onepin.testing import Emulator, RunningEmulator
from tests._sockets import client_sockets


def test_a_sync_call_makes_no_event_loop_and_starts_no_thread(
    server: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sync client touched an event loop or a thread")

    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    ) as client:
        monkeypatch.setattr(asyncio, "new_event_loop", forbidden)
        monkeypatch.setattr(asyncio, "run", forbidden)
        monkeypatch.setattr(threading.Thread, "start", forbidden)
        created = client.api_keys.create(name="no-loop")
        assert client.api_keys.get(created.id).name == "no-loop"
        assert client.auth.whoami().auth_kind == "clerk"
        assert [k.name for k in client.api_keys.list(max_concurrency=1)] == ["bootstrap", "no-loop"]


CALLS = 480  # 30 a thread: every thread waits on the shared pool many times over


def test_one_client_shared_by_16_threads_for_480_calls(emulator: Emulator) -> None:
    # A server of its own: the connections it counts are this client's alone.
    with emulator.serve() as server:
        one_client_shared_by_16_threads(server)


def one_client_shared_by_16_threads(server: RunningEmulator) -> None:
    server.emulator.seed_keys(3)
    session = server.emulator.bootstrap.session_token
    keys = [k.id for k in server.emulator.store.list_keys(
        server.emulator.store.authenticate(f"Bearer {session}", None),
        offset=0, limit=4, status="active",
    )[0]]  # fmt: skip
    before = threading.active_count()
    port = urlsplit(server.base_url).port
    assert port is not None
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    ) as client:

        def call(n: int) -> str:
            if n % 2:
                return client.api_keys.get(keys[(n // 2) % len(keys)]).id
            return client.auth.whoami().workspace_id or ""

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(call, range(CALLS)))
        assert 1 <= client_sockets(port) <= 16
    assert len(results) == CALLS
    assert all(results)
    assert set(results[1::2]) == set(keys)
    assert len(server.emulator.requests) == CALLS
    assert {r.status for r in server.emulator.requests} == {200}
    # closing the client closed every connection; no thread outlives the pool
    assert client_sockets(port) == 0
    assert threading.active_count() <= before


ASYNC_ONLY = re.compile(r"\basync\b|\bawait\b|task group|anyio\.run|event loop|coroutine", re.I)


def _docstrings(path: Path) -> list[tuple[str, str]]:
    """Every docstring of a module (its own, its classes' and functions'), with its owner."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owners = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef))]
    found = [(getattr(owner, "name", path.name), ast.get_docstring(owner)) for owner in owners]
    return [(name, doc) for name, doc in found if doc]


def test_the_generated_docstrings_speak_of_blocking_code() -> None:
    generated = sorted(Path(onepin_sync.__file__).parent.glob("*.py"))
    assert generated
    for path in generated:
        for owner, doc in _docstrings(path):
            assert not ASYNC_ONLY.search(doc), f"{path.name}: {owner}: {doc}"
