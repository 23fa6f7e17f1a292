"""What only the blocking twin's listings must show: threads, failures and forks."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import onepin_sync
from onepin import APITimeoutError, KeyRange, OnePinError
from onepin.testing import Emulator, Fault, RunningEmulator
from tests._sync.test_listing_writes import active_now, check, random_writer, writing_client
from tests.reliability._helpers import run_in_fork

KEYS = "/api/v1/api-keys"


def test_broken_off_listings_keep_no_thread(server: RunningEmulator) -> None:
    server.emulator.seed_keys(599)
    before = threading.active_count()
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    ) as client:
        kept = []
        for _ in range(8):
            stream = client.api_keys.list(page_size=20)
            for n, _key in enumerate(stream):
                if n == 150:  # past the first page: its window ran on worker threads
                    break
            kept.append(stream)  # broken off, and still referenced
        assert threading.active_count() <= before
    assert threading.active_count() <= before
    assert len(kept) == 8


def test_a_block_whose_pages_time_out_raises_at_the_first_failure(
    server: RunningEmulator,
) -> None:
    server.emulator.seed_keys(1999)
    token = server.emulator.bootstrap.session_token
    with onepin_sync.OnePinClient(
        token, base_url=server.base_url, timeout=0.5, max_retries=0
    ) as client:
        stream = client.api_keys.list(page_size=20)
        with pytest.raises(APITimeoutError), stream:  # noqa: PT012 - it fails mid-block
            next(stream)
            server.emulator.inject(Fault.latency(3, path=KEYS, times=None))
            started = time.monotonic()
            for _ in stream:
                pass
        elapsed = time.monotonic() - started
        server.emulator.clear_faults()
    # The first page to fail ends it; pages started after it are not waited for
    # (each would hold the block another 0.5 s).
    assert elapsed < 0.9, elapsed


def test_a_forked_child_goes_on_with_its_parents_block(server: RunningEmulator) -> None:
    server.emulator.seed_keys(599)
    token = server.emulator.bootstrap.session_token
    with onepin_sync.OnePinClient(token, base_url=server.base_url, timeout=5) as client:
        expected = [k.id for k in client.api_keys.list(page_size=20)]
        with client.api_keys.list(page_size=20) as keys:
            head = [next(keys).id for _ in range(30)]  # pages are in flight on worker threads

            def child() -> str:
                rest = [k.id for k in keys]
                got = head + rest
                return "ok" if got == expected else f"listed {len(got)} of {len(expected)}"

            def parent() -> str:
                rest = [k.id for k in keys]
                return "ok" if head + rest == expected else "the parent's listing changed"

            verdicts = run_in_fork(child, parent, limit=30)
    assert verdicts == ("ok", "ok")


@pytest.mark.parametrize("seed", [1, 2])
def test_shards_listed_in_threads_under_writes_make_exactly_one_listing(
    emulator: Emulator, seed: int
) -> None:
    emulator.seed_keys(1999)
    before = active_now(emulator)
    with writing_client(emulator, random_writer(seed)) as client:
        shards = client.api_keys.shards(4)

        def list_shard(shard: KeyRange) -> list[str]:
            return [k.id for k in client.api_keys.list(shard=shard, page_size=20)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            parts = list(pool.map(list_shard, shards))
    check(emulator, before, list(itertools.chain(*parts)))
    assert all(parts)


@pytest.mark.parametrize("form", ["plain", "block"])
def test_a_writer_thread_running_alongside_makes_no_listing_miss_or_repeat(
    server: RunningEmulator, form: str
) -> None:
    server.emulator.seed_keys(999)
    before = active_now(server.emulator)
    write = random_writer(7)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            write(server.emulator, [])
            time.sleep(0.0005)

    thread = threading.Thread(target=writer)
    with onepin_sync.OnePinClient(
        server.emulator.bootstrap.session_token, base_url=server.base_url
    ) as client:
        thread.start()
        try:
            stream = client.api_keys.list(page_size=20)
            if form == "plain":
                got = [k.id for k in stream]
            else:
                with stream:
                    got = [k.id for k in stream]
        finally:
            stop.set()
            thread.join()
    check(server.emulator, before, got)


@pytest.mark.parametrize("copy", [False, True])
def test_closing_the_client_stops_the_workers_of_open_blocks(
    server: RunningEmulator, copy: bool
) -> None:
    server.emulator.seed_keys(599)
    before = threading.active_count()
    token = server.emulator.bootstrap.session_token
    client = onepin_sync.OnePinClient(token, base_url=server.base_url)
    lister = client.with_options(max_retries=1) if copy else client
    blocks = []
    for _ in range(4):
        keys = lister.api_keys.list(page_size=20).__enter__()  # left open
        for n, _key in enumerate(keys):
            if n == 100:  # past the first page: the window runs on worker threads
                break
        blocks.append(keys)
    assert threading.active_count() > before
    client.close()
    ends = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < ends:
        time.sleep(0.02)
    assert threading.active_count() <= before, [t.name for t in threading.enumerate()]
    for keys in blocks:  # and each says why it cannot go on
        with pytest.raises(OnePinError, match="closed"):
            for _key in keys:
                pass
