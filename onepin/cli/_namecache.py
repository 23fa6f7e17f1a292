"""A short-lived cache of the workspace's key names, so completion does not list every TAB.

One small JSON file per server, workspace and profile under the user's cache
directory (``$XDG_CACHE_HOME/onepin``, else ``~/.cache/onepin``), mode 0600 in
a 0700 directory. It holds key names and ids, never a secret or a preview,
lives ``TTL`` seconds, and is dropped by every command that changes keys.
Any problem with it (no home, a read-only disk) means no cache, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path

__all__ = ["TTL", "cache_file", "drop", "load", "store"]

TTL = 60.0
"""Seconds a cached list of names is used."""


def cache_file(base_url: str, workspace: str | None, profile: str) -> Path | None:
    """The cache file for this server, workspace and profile (``None``: no cache directory)."""
    root = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else ""
    )
    if not root:
        return None
    digest = hashlib.sha256(f"{base_url}\n{workspace}\n{profile}".encode()).hexdigest()[:20]
    return Path(root) / "onepin" / f"names-{digest}.json"


def load(path: Path | None) -> dict[str, list[str]] | None:
    """Each active key's name and the ids that carry it, if the cache is fresh."""
    if path is None:
        return None
    try:
        if time.time() - path.stat().st_mtime > TTL:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    names = data.get("names") if isinstance(data, dict) else None
    return names if isinstance(names, dict) else None


def store(path: Path | None, names: dict[str, list[str]]) -> None:
    """Write ``names`` (0600, in a 0700 directory), quietly giving up on any error."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"names": names}, fh)
        os.replace(tmp, path)


def drop(path: Path | None) -> None:
    """Forget the cache (keys changed)."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
