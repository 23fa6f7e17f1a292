"""How the CLI writes: results to stdout, messages and errors to stderr, color only on a TTY."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import click

__all__ = ["Output"]


@dataclass
class Output:
    """The CLI's writer, configured by the global flags."""

    json_mode: bool = False
    no_color: bool = False

    def _color(self, stream: IO[str]) -> bool:
        if self.no_color or os.environ.get("NO_COLOR"):
            return False
        return stream.isatty()

    def style(self, text: str, stream: IO[str], **styles: Any) -> str:
        """``text`` styled when ``stream`` is a color terminal."""
        return click.style(text, **styles) if self._color(stream) else text

    def result(self, text: str = "") -> None:
        """A line of the command's result (stdout)."""
        click.echo(text, file=sys.stdout, color=False)

    def success(self, text: str) -> None:
        """A result line headed by a check mark (stdout)."""
        click.echo(self.style("✓", sys.stdout, fg="green") + " " + text, color=True)

    def message(self, text: str) -> None:
        """A message for the person, not the pipe (stderr)."""
        click.echo(text, file=sys.stderr, color=True)

    def warning(self, text: str) -> None:
        """A warning (stderr)."""
        click.echo(self.style(text, sys.stderr, fg="yellow"), file=sys.stderr, color=True)

    def error(self, message: str, code: str | None = None, request_id: str | None = None) -> None:
        """An error: JSON under ``--json``, else the message (stderr)."""
        if self.json_mode:
            body = {"error": {"code": code, "message": message, "request_id": request_id}}
            click.echo(json.dumps(body, ensure_ascii=False), file=sys.stderr)
        else:
            click.echo(self.style(message, sys.stderr, fg="red"), file=sys.stderr, color=True)

    def json(self, data: Any) -> None:
        """A JSON result (stdout)."""
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Aligned columns on a terminal, tab-separated when piped."""
        if not sys.stdout.isatty():
            for row in rows:
                click.echo("\t".join(row))
            return
        widths = [len(h) for h in headers]
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
        click.echo(self.style(line, sys.stdout, bold=True), color=True)
        for row in rows:
            click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

    def progress(self, done: int, total: int | None) -> None:
        """A progress line on a terminal's stderr (nothing when piped)."""
        if self.json_mode or not sys.stderr.isatty():
            return
        of = f"/{total}" if total is not None else ""
        click.echo(f"\rFetched {done}{of} keys", file=sys.stderr, nl=False)

    def progress_done(self) -> None:
        """End the progress line."""
        if not self.json_mode and sys.stderr.isatty():
            click.echo("\r\033[K", file=sys.stderr, nl=False)
