"""The key listing: a table fitted to the terminal, or tab-separated values when piped.

On a terminal (gh's rule) the table fits the window: long names and ids end in
an ellipsis, the least useful columns go on a narrow one, scopes are counted,
times are relative and keys that no longer work are dimmed; ``rich`` draws it
and is imported only then. Piped, every row is
printed in full, tab-separated, with exact timestamps.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from onepin.cli._output import Output, escape
from onepin.cli._render import ago, fmt, key_status

if TYPE_CHECKING:
    from onepin._models import ApiKey

__all__ = ["print_keys"]

HEADERS = ("ID", "NAME", "PREVIEW", "STATUS", "SCOPES", "RATE/MIN", "LAST USED", "CREATED")
ID, NAME, PREVIEW, RATE, CREATED = 0, 1, 2, 5, 7
FIT: tuple[tuple[int, int | None], ...] = (
    (NAME, 24), (ID, 8), (RATE, None), (CREATED, None), (PREVIEW, None), (NAME, 12), (ID, None),
)  # fmt: skip
"""How a table too wide for the window is narrowed, step by step, until it fits: a column
cut down to a width, or left out (``None``). Room left over goes back to NAME, then ID."""
GAP = 2


def _rate(key: ApiKey) -> str:
    return str(key.rate_limit_per_min) if key.rate_limit_per_min else "-"


def _scopes(scopes: Sequence[str]) -> str:
    if len(scopes) <= 1:
        return fmt(scopes)
    return f"{len(scopes)} scopes"


def _layout(rows: Sequence[Sequence[str]], room: int) -> list[int | None]:
    """Each column's width (``None``: left out) so that the table fits ``room`` columns."""
    from rich.cells import cell_len

    natural = [max(map(cell_len, column)) for column in zip(HEADERS, *rows, strict=False)]
    widths: list[int | None] = list(natural)

    def excess() -> int:
        shown = [w for w in widths if w is not None]
        return sum(shown) + GAP * (len(shown) - 1) - room

    for column, narrowest in FIT:
        over, width = excess(), widths[column]
        if over <= 0 or width is None:
            continue
        widths[column] = None if narrowest is None else width - max(0, min(over, width - narrowest))
    for column in (NAME, ID):
        width = widths[column]
        if width is not None:
            widths[column] = width + max(0, min(-excess(), natural[column] - width))
    return widths


def print_keys(out: Output, keys: Sequence[ApiKey]) -> None:
    """``keys`` as a table on a terminal, else as tab-separated rows."""
    if not sys.stdout.isatty():
        for k in keys:
            cells = (k.id, k.name, k.preview or "-", key_status(k), fmt(k.scopes), _rate(k))
            row = (*cells, fmt(k.last_used_at), fmt(k.created_at))
            out.result("\t".join(escape(cell) for cell in row))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=sys.stdout,
        width=shutil.get_terminal_size().columns,  # COLUMNS, else the window (TERM=dumb too)
        color_system="auto" if out.color(sys.stdout) else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    rows = [
        tuple(
            escape(cell)
            for cell in (
                k.id,
                k.name,
                k.preview or "-",
                key_status(k),
                _scopes(k.scopes),
                _rate(k),
                ago(k.last_used_at),
                ago(k.created_at),
            )
        )
        for k in keys
    ]
    layout = _layout(rows, console.width)
    shown = [i for i, width in enumerate(layout) if width is not None]
    table = Table(box=None, pad_edge=False, padding=(0, GAP, 0, 0), header_style="bold")
    for i in shown:
        table.add_column(HEADERS[i], width=layout[i], no_wrap=True, overflow="ellipsis")
    for key, shown_row in zip(keys, rows, strict=True):
        style = None if key_status(key) == "active" else "dim"
        table.add_row(*(shown_row[i] for i in shown), style=style)
    console.print(table)
