"""The main job: a guided walk through the CLI and the SDK against the embedded emulator.

    python examples/demo.py            # walk through, then stop the emulator
    python examples/demo.py --serve    # ... and keep it serving until Ctrl-C

It starts the OnePin emulator on a loopback port with seeded keys, then runs
the real ``onepin`` command (login with the key on stdin, whoami, create, a
second profile, list, audit, rotate --overlap --save, logout) with a throw-away
HOME, lists every key with the async client on asyncio and on trio and with the
sync client, and audits them with ``onepin.audit`` on the SDK's own stream.

It follows the documented rule: API keys say who they are (``whoami``); managing
keys takes a browser-session token (the CLI reads it from ``ONEPIN_SESSION_TOKEN``).
Every secret the walk-through shows (API keys, session tokens) is masked to its first
characters; only ``--serve`` prints the tokens to connect with, in full.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime

import anyio

import onepin_sync
from onepin import OnePinClient
from onepin.audit import Summary, audit_key
from onepin.testing import Emulator, RunningEmulator

SECRET = re.compile(r"\b(op_live_|sess_)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{16,}")
"""An API key or a session token, anywhere in the text shown (a key's 8-character
preview is not a secret and is left as it is)."""


def masked(text: str) -> str:
    """``text`` with every secret cut to its prefix and four characters."""
    return SECRET.sub(r"\1\2…", text)


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def onepin(
    home: str,
    session: dict[str, str],
    *args: str,
    stdin: str = "",
    expect: int = 0,
    head: int | None = None,
) -> str:
    """Run the real ``onepin`` command; echo it and its output, every secret masked.

    ``session``: ``ONEPIN_SESSION_TOKEN`` (key management takes one) and the
    ``ONEPIN_BASE_URL`` it goes to (a token from the environment goes to the
    environment's server, never to a profile's);
    ``expect``: the exit status it should end with; ``head``: show only the first
    lines. Returns the unmasked stdout.
    """
    piped = "printf '%s\\n' op_live_… | " if stdin else ""
    print(f"$ {piped}onepin " + " ".join(args), flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")}
    env["HOME"] = home
    env.update(session)
    result = subprocess.run(
        [sys.executable, "-m", "onepin.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    shown = masked(result.stdout)
    lines = shown.splitlines(keepends=True)
    if head is not None and len(lines) > head:
        shown = "".join(lines[:head]) + f"… ({len(lines) - head:,} more lines)\n"
    sys.stdout.write(shown)
    sys.stdout.write(masked(result.stderr))
    if expect:
        print(f"(exit status {result.returncode})")
    if result.returncode != expect:
        raise SystemExit(f"demo: `onepin {args[0]}` failed with exit code {result.returncode}")
    return result.stdout


async def list_async(base_url: str, token: str) -> tuple[int, float]:
    start = time.perf_counter()
    async with (
        OnePinClient(token, base_url=base_url) as client,
        client.api_keys.list(status="all") as keys,  # a sliding window of requests
    ):
        count = 0
        async for _ in keys:
            count += 1
    return count, time.perf_counter() - start


async def audit_async(base_url: str, token: str) -> Summary:
    """``onepin.audit`` on your own stream: the helper ``onepin api-keys audit`` runs."""
    now, summary = datetime.now(UTC), Summary()
    async with OnePinClient(token, base_url=base_url) as client, client.api_keys.list() as keys:
        async for key in keys:
            summary.add(audit_key(key, now=now))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OnePin SDK and CLI demo")
    parser.add_argument("--serve", action="store_true", help="keep the emulator running after")
    parser.add_argument("--seed-keys", type=int, default=2500, help="keys to seed (default 2500)")
    parser.add_argument("--seed", type=int, default=90, help="seed of the realistic keys")
    args = parser.parse_args(argv)

    # Realistic keys: ages over a year, some unused, some with every scope, some unlimited.
    emulator = Emulator(seed_keys=args.seed_keys, seed=args.seed, latency=0.005)
    server = RunningEmulator(emulator)
    server.start()
    url = server.base_url
    token = emulator.bootstrap.api_key
    # Key management takes a session token, sent to the server named with it.
    session_token = emulator.bootstrap.session_token
    session = {"ONEPIN_SESSION_TOKEN": session_token, "ONEPIN_BASE_URL": url}
    step(f"OnePin emulator on {url}: {args.seed_keys} seeded keys, 5 ms simulated latency")
    with tempfile.TemporaryDirectory(prefix="onepin-demo-") as home:
        step("The CLI, with a throw-away HOME (secrets on stdin or in the environment, never argv)")
        print(f"$ export ONEPIN_SESSION_TOKEN=sess_… ONEPIN_BASE_URL={url}", flush=True)
        onepin(home, session, "login", "--with-token", "--base-url", url, stdin=token)
        onepin(home, session, "whoami")
        onepin(home, session, "api-keys", "create", "demo-ci", "--scope", "workflows:read",
               "--rate-limit", "600")  # fmt: skip
        step("A second profile: a read-only key for staging work")
        staging = onepin(home, session, "api-keys", "create", "demo-staging",
                         "--scope", "voices:read", "--quiet")  # fmt: skip
        onepin(home, session, "login", "--profile", "staging", "--with-token", "--base-url", url,
               stdin=staging)  # fmt: skip
        onepin(home, session, "whoami", "--profile", "staging")
        onepin(home, session, "api-keys", "list", "--search", "demo", "--status", "all")
        step("Key hygiene: the documented rules over every key (exit status 3: keys to fix)")
        onepin(home, session, "api-keys", "audit", expect=3, head=5)  # TSV, summary on stderr
        onepin(home, session, "api-keys", "audit", "--max-age", "26w", "--json", "summary",
               "--exit-zero")  # fmt: skip
        step("Rotation with an overlap: the successor is made and checked before the old key goes")
        onepin(home, session, "api-keys", "rotate", "bootstrap", "--overlap", "--save")
        onepin(home, session, "whoami", "--json", "key_name,scopes")
        onepin(home, session, "logout", "--profile", "staging")
        onepin(home, session, "logout")
    # The walk-through rotated the bootstrap key; whoami uses a fresh one.
    token = emulator.create_key(name="demo-sdk").api_key

    step("The SDK: every key, in order, pages fetched in an adaptive window (session token)")
    for backend in ("asyncio", "trio"):
        count, seconds = anyio.run(list_async, url, session_token, backend=backend)
        print(f"async on {backend:7}: {count} keys in {seconds:.2f}s")
    start = time.perf_counter()
    with (
        onepin_sync.OnePinClient(session_token, base_url=url) as client,
        client.api_keys.list(status="all") as keys,
    ):
        count = sum(1 for _ in keys)
    print(f"sync client    : {count} keys in {time.perf_counter() - start:.2f}s")
    with onepin_sync.OnePinClient(token, base_url=url) as client:  # an API key: who am I
        me = client.auth.whoami()
    print(f"whoami         : {me.key_name} in workspace {me.workspace_id}")
    print(f"onepin.audit   : {anyio.run(audit_async, url, session_token)}")

    if args.serve:
        step(f"Serving on {url} until Ctrl-C (export these in another shell)")
        print(f"  export ONEPIN_BASE_URL={url}")
        print(f"  export ONEPIN_API_KEY={token}")
        print(f"  export ONEPIN_SESSION_TOKEN={session_token}")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    server.stop()
    step("Done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
