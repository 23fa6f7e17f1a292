"""The key listing: a table fitted to the terminal, or tab-separated values when piped.

On a terminal (gh's rule) the table fits the window: long names and ids end in
an ellipsis, the least useful columns go on a narrow one, scopes are counted,
times are relative and keys that no longer work are dimmed. Widths are display
widths (a CJK character takes two columns), measured with ``rich.cells``; the
rows are laid out here, line by line, which keeps a listing of thousands of
keys quick. Piped, every row is printed in full, tab-separated, with exact
timestamps. Either way control characters in a value are written as escapes.
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

__all__ = ["CREATED", "print_keys"]

HEADERS = ("ID", "NAME", "PREVIEW", "STATUS", "SCOPES", "RATE/MIN", "LAST USED", "CREATED")
ID, NAME, PREVIEW, RATE, CREATED = 0, 1, 2, 5, 7
FIT: tuple[tuple[int, int | None], ...] = (
    (NAME, 24), (ID, 8), (RATE, None), (CREATED, None), (PREVIEW, None), (NAME, 12), (ID, None),
)  # fmt: skip
"""How a table too wide for the window is narrowed, step by step, until it fits: a column
cut down to a width, or left out (``None``). Room left over goes back to NAME, then ID."""
GAP = 2
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _rate(key: ApiKey) -> str:
    return str(key.rate_limit_per_min) if key.rate_limit_per_min else "-"


def _scopes(scopes: Sequence[str]) -> str:
    if len(scopes) <= 1:
        return fmt(scopes)
    return f"{len(scopes)} scopes"


def _layout(
    rows: Sequence[Sequence[str]], room: int, keep: frozenset[int] = frozenset()
) -> list[int | None]:
    """Each column's width (``None``: left out) so that the table fits ``room`` columns.

    A column in ``keep`` may be cut but is never left out.
    """
    from rich.cells import cell_len

    natural = [max(map(cell_len, column)) for column in zip(HEADERS, *rows, strict=False)]
    widths: list[int | None] = list(natural)

    def excess() -> int:
        shown = [w for w in widths if w is not None]
        return sum(shown) + GAP * (len(shown) - 1) - room

    for column, narrowest in FIT:
        over, width = excess(), widths[column]
        if over <= 0 or width is None or (narrowest is None and column in keep):
            continue
        widths[column] = None if narrowest is None else width - max(0, min(over, width - narrowest))
    for column in (NAME, ID):
        width = widths[column]
        if width is not None:
            widths[column] = width + max(0, min(-excess(), natural[column] - width))
    return widths


def _fit(text: str, width: int) -> str:
    """``text`` padded, or cut with an ellipsis, to exactly ``width`` display columns."""
    from rich.cells import cell_len, set_cell_size

    size = cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    return set_cell_size(text, width - 1) + "…"


def _cells(key: ApiKey) -> tuple[str, ...]:
    return tuple(
        escape(cell)
        for cell in (
            key.id,
            key.name,
            key.preview or "-",
            key_status(key),
            _scopes(key.scopes),
            _rate(key),
            ago(key.last_used_at),
            ago(key.created_at),
        )
    )


def print_keys(out: Output, keys: Sequence[ApiKey], *, keep: frozenset[int] = frozenset()) -> None:
    """``keys`` as a table on a terminal, else as tab-separated rows.

    ``keep``: columns the table may cut but never leave out (e.g. ``CREATED``).
    """
    if not sys.stdout.isatty():
        for k in keys:
            cells = (k.id, k.name, k.preview or "-", key_status(k), fmt(k.scopes), _rate(k))
            row = (*cells, fmt(k.last_used_at), fmt(k.created_at))
            out.result("\t".join(escape(cell) for cell in row))
        return
    rows = [_cells(k) for k in keys]
    layout = _layout(rows, shutil.get_terminal_size().columns, keep)  # COLUMNS, else the window
    shown = [(i, width) for i, width in enumerate(layout) if width is not None]
    color = out.color(sys.stdout)

    def line(cells: Sequence[str]) -> str:
        return (" " * GAP).join(_fit(cells[i], width) for i, width in shown).rstrip()

    header = line(HEADERS)
    lines = [_BOLD + header + _RESET if color else header]
    for key, shown_row in zip(keys, rows, strict=True):
        text = line(shown_row)
        dim = color and key_status(key) != "active"
        lines.append(_DIM + text + _RESET if dim else text)
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
