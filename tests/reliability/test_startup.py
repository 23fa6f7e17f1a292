"""Start-up pays only for what a program uses: no trio for an asyncio or blocking one.

httpcore imports trio whenever it is installed; the client's pool defers it
(``onepin._startup``), so a program that never runs trio never loads it, and
one that does gets the one real trio, whichever it imported first.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from onepin.testing import RunningEmulator

pytest.importorskip("trio")

PROGRAM = """
import asyncio, sys
import onepin, onepin_sync

KEY, URL = sys.argv[1], sys.argv[2]

async def whoami():
    async with onepin.OnePinClient(KEY, base_url=URL) as client:
        return (await client.auth.whoami()).auth_kind

with onepin_sync.OnePinClient(KEY, base_url=URL) as client:
    assert client.auth.whoami().auth_kind == "api_key"
assert asyncio.run(whoami()) == "api_key"
print("trio loaded:", "trio._core" in sys.modules)
{then}
"""

THEN = {
    "nothing": "",
    "trio.run": "import trio; assert trio.run(whoami) == 'api_key'; print('trio ok')",
    "anyio on trio": (
        "import anyio; assert anyio.run(whoami, backend='trio') == 'api_key'; print('trio ok')"
    ),
    "from trio import": "from trio import lowlevel, run; assert run(whoami) == 'api_key'; "
    "print('trio ok', lowlevel.current_trio_token)",
    # Sixteen threads touch the deferred trio at once: each waits for the one load
    # and none sees a half-made module.
    "threads at once": (
        "import threading, trio; errors = []; go = threading.Barrier(16)\n"
        "def use():\n"
        "    go.wait()\n"
        "    try: trio.Lock; trio.lowlevel.current_trio_token\n"
        "    except Exception as exc: errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=use) for _ in range(16)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert not errors, errors; assert trio.run(whoami) == 'api_key'; print('trio ok')"
    ),
}


def _run(server: RunningEmulator, then: str) -> str:
    return _output(server, textwrap.dedent(PROGRAM).format(then=then))


def _output(server: RunningEmulator, program: str) -> str:
    """What ``program`` prints, run with the bootstrap API key and the server's URL."""
    done = subprocess.run(
        [sys.executable, "-c", program, server.emulator.bootstrap.api_key, server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("then", sorted(THEN))
def test_trio_loads_only_when_a_program_uses_it(server: RunningEmulator, then: str) -> None:
    out = _run(server, THEN[then])
    assert "trio loaded: False" in out
    assert ("trio ok" in out) == (then != "nothing")


@pytest.mark.parametrize("missing", ["click", "rich"])
def test_the_command_without_its_extra_says_how_to_install_it(missing: str) -> None:
    """The ``onepin`` command needs the ``cli`` extra: without it, one clear line."""
    blocked = (
        f"import sys; sys.modules[{missing!r}] = None; "
        "import importlib.util; real = importlib.util.find_spec; "
        f"importlib.util.find_spec = lambda name, *a: None if name == {missing!r} "
        "else real(name, *a); "
        "from onepin.cli import main; sys.exit(main(['whoami']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "onepin: the command-line tool needs the 'cli' extra (click and rich): "
        "pip install 'onepin[cli]'"
    )


def test_the_command_never_loads_httpxs_own_command_line(server: RunningEmulator) -> None:
    """httpx imports its command line (click, rich, pygments) when they are installed:
    the ``onepin`` command, with click and rich beside it, leaves that module out."""
    program = (
        "import sys; from onepin.cli import main; "
        "code = main(['whoami', '--api-key', sys.argv[1], '--base-url', sys.argv[2]]); "
        "print('httpx loaded:', 'httpx' in sys.modules); "
        "print('its command line loaded:', sys.modules.get('httpx._main') is not None); "
        "print('pygments loaded:', 'pygments' in sys.modules); sys.exit(code)"
    )
    out = _output(server, program)
    assert "httpx loaded: True" in out
    assert "its command line loaded: False" in out
    assert "pygments loaded: False" in out
