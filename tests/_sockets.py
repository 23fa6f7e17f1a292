"""Counting a client's sockets, as the kernel sees them (Linux's /proc)."""

from __future__ import annotations

import os

import pytest


def client_sockets(port: int) -> int:
    """Open sockets of this process connected to ``port`` (its client side).

    Read before any garbage collection: a socket left to the collector still counts.
    """
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs the kernel's socket tables (/proc)")
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):  # no IPv6
            continue
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    count += 1
    return count
