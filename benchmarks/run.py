"""Run the benchmark rows, print one table, write ``benchmarks/results/latest.json``.

    python -m benchmarks [--quick] [--only ROW ...] [--json PATH]

Every row compares ways of doing the same work in the same run, interleaved,
medians against medians, so that a busy machine slows all sides alike: read
the ratios. ``--quick`` runs smaller sizes and fewer rounds (a smoke run).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from benchmarks._harness import Row
from benchmarks._report import machine, table, write_json

ROOT = Path(__file__).resolve().parent.parent
ROWS = (
    "decode",
    "per_call",
    "startup",
    "listing",
    "regimes",
    "official",
    "scaling",
    "sharding",
    "load",
    "rate",
    "memory",
    "audit",
)


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the chosen rows in order, report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="+", choices=ROWS, metavar="ROW", help=", ".join(ROWS))
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[Row] = []
    for name in ROWS:
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        row_started = time.perf_counter()
        try:
            row: Row = importlib.import_module(f"benchmarks.{name}").bench(args.quick)
        except Exception as exc:  # the other rows still run; the exit status says it
            traceback.print_exc()
            first_line = next(iter(str(exc).splitlines()), "")
            row = Row(name, failed=f"{type(exc).__name__}: {first_line}")
        row.raw["seconds"] = time.perf_counter() - row_started
        if row.skipped is not None:
            print(f"  {name}: not run: {row.skipped}", file=sys.stderr, flush=True)
        rows.append(row)
    seconds = time.perf_counter() - started
    print(table(rows))
    write_json(args.json, rows, quick=args.quick, seconds=seconds)
    print(f"\nmachine: {machine()}\ntook {seconds:.0f} s; written: {args.json}", file=sys.stderr)
    return 1 if any(row.failed for row in rows) else 0
