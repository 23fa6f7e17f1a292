"""The paired primitives' pure parts: a deadline's capped timeouts and its tenacity stop."""

from __future__ import annotations

import inspect
import threading
import time

import httpx
import pytest
from tenacity import RetryCallState, Retrying

from onepin import APITimeoutError
from onepin._synchronization import AsyncThreadLock, Deadline, ThreadLock, io_timeout


def state_before_sleeping(seconds: float) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.upcoming_sleep = seconds
    return state


def test_no_deadline_changes_nothing() -> None:
    timeout = httpx.Timeout(5.0)
    with Deadline(None) as deadline:
        assert deadline.attempt_timeout(timeout) is timeout
        assert not deadline(state_before_sleeping(1e9))


def test_attempt_timeouts_are_capped_to_what_is_left() -> None:
    with Deadline(2.0) as deadline:
        capped = deadline.attempt_timeout(httpx.Timeout(30.0, connect=1.0))
    assert capped.connect == 1.0
    assert capped.read is not None and 1.9 <= capped.read <= 2.0
    assert capped.pool is not None and capped.pool <= 2.0


def test_a_wait_past_the_deadline_stops_the_retries() -> None:
    deadline = Deadline(1.0)
    assert not deadline(state_before_sleeping(0.5))
    assert deadline(state_before_sleeping(1.5))


def test_an_expired_deadline_refuses_the_next_attempt() -> None:
    deadline = Deadline(0.01)
    time.sleep(0.02)
    with pytest.raises(APITimeoutError, match=r"deadline of 0\.01s"):
        deadline.attempt_timeout(httpx.Timeout(5.0))


def test_a_nested_longer_deadline_keeps_the_earlier_end() -> None:
    """A call's deadline inside a listing's shorter one: sockets are capped to the earlier end."""
    assert io_timeout(None) is None
    with Deadline(0.1):
        with Deadline(10):
            left = io_timeout(30.0)
            assert left is not None and left <= 0.1
        left = io_timeout(30.0)
        assert left is not None and left <= 0.1
        with Deadline(0.05):  # an inner shorter one still wins inside it
            left = io_timeout(30.0)
            assert left is not None and left <= 0.05
    assert io_timeout(30.0) == 30.0


def test_the_lock_pair_has_one_shape() -> None:
    for method in ("__enter__", "__exit__"):
        assert inspect.signature(getattr(AsyncThreadLock, method)) == inspect.signature(
            getattr(ThreadLock, method)
        )
    for lock in (AsyncThreadLock(), ThreadLock()):
        assert lock.__enter__() is None  # nothing to bind with ``as``
        assert lock.__exit__(None, None, None) is None
        with pytest.raises(KeyError), lock:  # an error inside is never swallowed
            raise KeyError("inside")
        with lock:  # and the lock was released on the way out
            pass


def test_the_blocking_gate_waits_no_longer_than_the_pool_timeout() -> None:
    from onepin._synchronization import Gate

    gate = Gate(1)
    gate.acquire(None)
    started = time.monotonic()
    with pytest.raises(httpx.PoolTimeout):
        gate.acquire(0.2)
    assert 0.15 <= time.monotonic() - started < 1.0
    gate.release()
    gate.acquire(0.2)  # free again: taken at once
    gate.release()


@pytest.mark.anyio
async def test_the_async_gate_waits_no_longer_than_the_pool_timeout() -> None:
    from onepin._synchronization import AsyncGate

    gate = AsyncGate(1)
    await gate.acquire(None)
    started = time.monotonic()
    with pytest.raises(httpx.PoolTimeout):
        await gate.acquire(0.2)
    assert 0.15 <= time.monotonic() - started < 1.0
    gate.release()
    await gate.acquire(0.2)
    gate.release()


def test_an_ungated_pool_never_waits() -> None:
    from onepin._synchronization import Gate

    gate = Gate(None)
    for _ in range(3):
        gate.acquire(0.0)
    gate.release()


def test_the_thread_lock_excludes_other_threads() -> None:
    lock = ThreadLock()
    entered = threading.Event()
    with lock:

        def enter() -> None:
            lock.__enter__()
            entered.set()

        other = threading.Thread(target=enter)
        other.start()
        assert not entered.wait(0.05)  # held here: the other thread waits
    assert entered.wait(5)  # released: it gets in
    other.join(5)
    lock.__exit__(None, None, None)
