"""The one table ``nox -s bench`` prints, and the JSON it writes."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from benchmarks._harness import Line, Row, Unit

_PACKAGES = ("httpx", "httpcore", "anyio", "trio", "msgspec", "tenacity", "pydantic", "uvicorn")


_FORMATS: dict[Unit, str] = {
    "x": "{:.2f}x",
    "s": "{:.3g} s",
    "ms": "{:.3g} ms",
    "us": "{:.3g} us",
    "MB": "{:.1f} MB",
    "count": "{:,.0f}",
    "keys/s": "{:,.0f} keys/s",
}


def shown(line: Line) -> str:
    """The value of ``line`` with its unit."""
    return _FORMATS[line.unit].format(line.value)


def verdict(line: Line) -> str:
    """``>= 2 met`` or ``>= 2 MISSED``; empty without a target."""
    if line.target is None:
        return ""
    return f"{line.target} {'met' if line.target.met(line.value) else 'MISSED'}"


def table(rows: list[Row]) -> str:
    """A markdown table: one line per measure, the row's name on its first line."""
    out = ["| benchmark | measure | value | target |", "|---|---|---|---|"]
    for row in rows:
        if row.failed is not None:
            out.append(f"| {row.name} | FAILED: {row.failed} | | |")
            continue
        if row.skipped is not None:
            out.append(f"| {row.name} | not run: {row.skipped} | | |")
            continue
        for i, line in enumerate(row.lines):
            label = row.name if i == 0 else ""
            out.append(f"| {label} | {line.measure} | {shown(line)} | {verdict(line)} |")
    return "\n".join(out)


def machine() -> dict[str, str]:
    """The interpreter, the platform and the versions that shape the figures."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "processor": platform.processor() or platform.machine(),
    }
    for name in _PACKAGES:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "absent"
    return info


def write_json(path: Path, rows: list[Row], *, quick: bool, seconds: float) -> None:
    """Every row with its raw medians, the machine and the run's duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine(),
        "quick": quick,
        "duration_s": seconds,
        "results": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
