"""A listing split across processes: each worker lists its range with its own client."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import onepin_sync
from onepin import KeyRange
from onepin.testing import RunningEmulator


def list_range(base_url: str, token: str, shard: KeyRange) -> list[str]:
    """What a worker process does: its own client, its own range."""
    with onepin_sync.OnePinClient(token, base_url=base_url) as client:
        keys = client.api_keys.list(shard=shard)
        return [key.id for key in keys]


def test_shards_listed_in_worker_processes_make_the_whole_listing(
    server: RunningEmulator,
) -> None:
    server.emulator.seed_keys(2500)
    token = server.emulator.bootstrap.session_token
    with onepin_sync.OnePinClient(token, base_url=server.base_url) as client:
        everything = [k.id for k in client.api_keys.list(status="all")]
        shards = client.api_keys.shards(3, status="all")
    assert len(everything) == 2501
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, as a batch job has
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        parts = list(pool.map(list_range, [server.base_url] * 3, [token] * 3, shards))
    assert all(parts)
    assert [key_id for part in parts for key_id in part] == everything
