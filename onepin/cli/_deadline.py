"""``--timeout`` as one deadline for all of a command's API calls, not a limit per call.

The clock starts with the command's first client and stops while the person
is asked something (``paused``). Each request leaves with its timeouts capped
to what is left, on the SDK's transport, whose socket reads are bounded by the
call's deadline, so a server that drips its body one byte at a time cannot
hold the command; a request that would start after the end fails at once.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import httpx

__all__ = ["CommandClock", "CommandTimeout", "command_clock"]

_CLOCK = "onepin.command_clock"


class CommandTimeout(Exception):
    """The command's ``--timeout`` is spent: no further request leaves."""


class CommandClock:
    """The end of the command's time for API calls (``time.monotonic()`` based)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (0 or below: spent)."""
        return self.end - time.monotonic()

    def check(self, request: httpx.Request) -> None:
        """An httpx request hook: refuse a request past the end, cap its timeouts to the rest."""
        left = self.remaining()
        if left <= 0:
            raise CommandTimeout
        timeouts = request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            request.extensions["timeout"] = {
                name: left if value is None else min(value, left)
                for name, value in timeouts.items()
            }

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """While open (a question to the person), the clock does not run."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.end += time.monotonic() - start


def command_clock(seconds: float) -> CommandClock:
    """The running command's clock, started on first use with ``seconds`` (``--timeout``)."""
    meta = click.get_current_context().find_root().meta
    clock = meta.get(_CLOCK)
    if not isinstance(clock, CommandClock):
        clock = meta[_CLOCK] = CommandClock(seconds)
    return clock
