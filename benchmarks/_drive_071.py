# mypy: ignore-errors
"""The official OnePin SDK 0.7.1 lists every key, as a user writes it with that SDK.

Run by the ``official`` row as a fresh interpreter whose ``PYTHONPATH`` is the
directory 0.7.1 was installed into (``pip install --target``), so ``import
onepin`` is 0.7.1 there, never this project's package (the emulator runs
elsewhere, from this project). Untyped: mypy would see this project's
``onepin`` under that name.

Reads one JSON object on stdin (``url``, ``token``: the emulator's session
token, ``status``, ``page_size``, ``concurrency``); never takes the token in
its argv. Builds 0.7.1's async client, warms it with one ``whoami``, then
starts its clocks and lists: the first page (it tells the total), then a gather
of the remaining offset pages bounded by a semaphore. Prints one JSON line:
wall and process CPU seconds of the listing, keys listed, distinct ids, and the
total the server reported.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from importlib import metadata

import onepin

VERSION = "0.7.1"


async def listing(url: str, token: str, status: str, page_size: int, concurrency: int) -> dict:
    client = onepin.AsyncOnePinClient(base_url=url, token=token)
    await client.auth.whoami()  # warmed, as every side is, before the clocks start
    wall, cpu = time.perf_counter(), time.process_time()
    limit = asyncio.Semaphore(concurrency)

    async def page(offset: int):
        async with limit:
            return await client.api_keys.list_api_keys(
                limit=page_size, offset=offset, status=status
            )

    first = await page(0)
    total = first.pagination.total
    rest = await asyncio.gather(*(page(offset) for offset in range(page_size, total, page_size)))
    ids = [key.id for key in first.data]
    for each in rest:
        ids += [key.id for key in each.data]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "keys": len(ids), "distinct": len(set(ids)), "total": total}


def main() -> int:
    version = metadata.version("onepin")
    if version != VERSION or not hasattr(onepin, "AsyncOnePinClient"):
        where = getattr(onepin, "__file__", "?")
        sys.exit(f"not the official SDK {VERSION}: onepin {version} from {where}")
    job = json.load(sys.stdin)
    args = (job["url"], job["token"], job["status"], job["page_size"], job["concurrency"])
    print(json.dumps(asyncio.run(listing(*args))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
