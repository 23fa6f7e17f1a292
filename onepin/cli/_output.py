r"""How the CLI writes: results to stdout, messages and errors to stderr, color only on a TTY.

Nothing from the server reaches a terminal raw: every text line is written
with its control characters (ESC, CR, C1 codes, bidi overrides, line
separators) as backslash escapes, so a key name cannot forge rows or send
escape codes; a value that must stay on one line (a cell, a name) also gets its
newlines and tabs escaped (``escape``). JSON stays exact: the same characters
are written as ``\uXXXX`` escapes, which decode to the very same string.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import click

__all__ = ["Output", "StatusLine", "escape"]

_ABOVE_ASCII = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""DEL, the C1 codes (0x9b is a CSI), line and paragraph separators, bidi overrides."""
_UNSAFE = re.compile(f"[\x00-\x1f{_ABOVE_ASCII}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_ABOVE_ASCII}]")
_JSON_RAW = re.compile(f"[{_ABOVE_ASCII}]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw (it escapes the C0 codes itself)."""
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape(text: str) -> str:
    r"""``text`` on one line, every control character written as an escape (``\n``, ``\x1b``)."""
    return _UNSAFE.sub(_escaped, text)


def _lines(text: str) -> str:
    """``text`` with control characters escaped, but for its own newlines and tabs."""
    return _UNSAFE_IN_LINES.sub(_escaped, text)


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def _json_text(data: Any, **options: Any) -> str:
    """JSON whose text has no raw control character (json already escapes the C0 ones)."""
    return _JSON_RAW.sub(_json_escaped, json.dumps(data, ensure_ascii=False, **options))


@dataclass
class Output:
    """The CLI's writer, configured by the global flags."""

    json_mode: bool = False
    fields: tuple[str, ...] | None = None
    """``--json FIELDS``: the fields to keep (``None``: the command's default)."""
    no_color: bool = False
    _progress_shown: bool = field(default=False, init=False, repr=False)

    def color(self, stream: IO[str]) -> bool:
        """Whether ``stream`` gets colors: a terminal, and no ``--no-color`` / ``NO_COLOR``."""
        if self.no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
            return False
        return stream.isatty()

    def style(self, text: str, stream: IO[str], **styles: Any) -> str:
        """``text`` styled when ``stream`` is a color terminal."""
        return click.style(text, **styles) if self.color(stream) else text

    def result(self, text: str = "") -> None:
        """A line of the command's result (stdout)."""
        click.echo(_lines(text), file=sys.stdout, color=False)

    def success(self, text: str) -> None:
        """A result line headed by a check mark (stdout)."""
        click.echo(self.style("✓", sys.stdout, fg="green") + " " + _lines(text), color=True)

    def message(self, text: str) -> None:
        """A message for the person, not the pipe (stderr)."""
        click.echo(_lines(text), file=sys.stderr, color=True)

    def warning(self, text: str) -> None:
        """A warning (stderr)."""
        click.echo(self.style(_lines(text), sys.stderr, fg="yellow"), file=sys.stderr, color=True)

    def error(self, message: str, code: str | None = None, request_id: str | None = None) -> None:
        """An error: JSON under ``--json``, else the message (stderr)."""
        if self.json_mode:
            body = {"error": {"code": code, "message": message, "request_id": request_id}}
            click.echo(_json_text(body), file=sys.stderr)
        else:
            click.echo(
                self.style(_lines(message), sys.stderr, fg="red"), file=sys.stderr, color=True
            )

    def json(self, data: Any, default: Sequence[str] | None = None) -> None:
        """A JSON result (stdout): the ``--json FIELDS`` asked for, else ``default``, else all."""
        keep = self.fields or default
        if keep is not None:
            data = (
                [_select(d, keep) for d in data] if isinstance(data, list) else _select(data, keep)
            )
        click.echo(_json_text(data, indent=2, default=str))

    def interactive(self) -> bool:
        """Whether a person is at the terminal (stdin and stderr), so asking is possible."""
        return sys.stdin.isatty() and sys.stderr.isatty()

    def progress(self, text: str) -> None:
        """A progress line on a terminal's stderr, rewritten in place (nothing when piped)."""
        if not self.json_mode and sys.stderr.isatty():
            self._progress_shown = True  # first: a Ctrl-C in the write still gets it erased
            click.echo(f"\r{escape(text)}\033[K", file=sys.stderr, nl=False)

    @contextlib.contextmanager
    def progressing(self) -> Iterator[None]:
        """While open, ``progress`` lines may be shown; erased at the end, Ctrl-C included."""
        try:
            yield
        finally:
            self.progress_done()

    def progress_done(self) -> None:
        """Erase the progress line, if one was shown."""
        if self._progress_shown:
            click.echo("\r\033[K", file=sys.stderr, nl=False)
            self._progress_shown = False

    def status_line(self, text: str) -> StatusLine:
        """A ``StatusLine`` on stderr, shown only on a terminal and never under ``--json``."""
        return StatusLine(text, enabled=not self.json_mode and sys.stderr.isatty())


def _select(data: dict[str, Any], keep: Sequence[str]) -> dict[str, Any]:
    return {name: data.get(name) for name in keep}


class StatusLine:
    """``⠋ Waiting for host… 3s`` on stderr while a request has taken over ``delay`` seconds.

    ``begin()`` when a request leaves, ``end()`` when its answer comes (or it
    fails): the line appears only for a slow request and is erased after it.
    """

    _FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, text: str, *, enabled: bool, delay: float = 1.0) -> None:
        self._text = text
        self._enabled = enabled
        self._delay = delay
        self._lock = threading.Lock()
        self._since: float | None = None
        self._shown = False
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def begin(self) -> None:
        """A request has left: show the line if it takes longer than the delay."""
        if not self._enabled:
            return
        with self._lock:
            self._since = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="onepin-status", daemon=True)
                self._thread.start()

    def end(self) -> None:
        """The request is over: erase the line."""
        with self._lock:
            self._since = None
            if self._shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
                self._shown = False

    def close(self) -> None:
        """Erase the line and stop its thread."""
        self._closed.set()
        self.end()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        frame = 0
        while not self._closed.wait(0.1):
            with self._lock:
                if self._since is None:
                    continue
                waited = time.monotonic() - self._since
                if waited < self._delay:
                    continue
                frame = (frame + 1) % len(self._FRAMES)
                sys.stderr.write(f"\r{self._FRAMES[frame]} {self._text}… {waited:.0f}s\033[K")
                sys.stderr.flush()
                self._shown = True
