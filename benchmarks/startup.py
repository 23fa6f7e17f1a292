"""Row: import time, and import plus building the first client, in fresh interpreters.

Building a client is when httpx builds its SSL context, so a short job pays it
even for ``http://``. Each snippet runs in a new interpreter, interleaved,
start-up (``python -c pass``) subtracted, medians compared.
"""

from __future__ import annotations

import compileall
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._harness import Line, Row, Target, interleaved, median

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:8000"
DEPS = "import anyio, httpx, msgspec, tenacity"
SNIPPETS = {
    "python -c pass": "pass",
    "deps": DEPS,
    "onepin": "from onepin import OnePinClient",
    "onepin_sync": "import onepin_sync",
    "deps + client": f"{DEPS}; httpx.AsyncClient(base_url={URL!r})",
    "onepin + client": "from onepin import OnePinClient; "
    f"OnePinClient('op_live_x', base_url={URL!r})",
    "httpx + pydantic + client": f"import httpx, pydantic; httpx.AsyncClient(base_url={URL!r})",
}


def _timer(code: str) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    return run


def bench(quick: bool) -> Row:
    """Median milliseconds of each snippet over fresh interpreters."""
    # Like with like: installed dependencies are byte-compiled, so compile the
    # checkout too (an editable install is not).
    for package in ("onepin", "onepin_sync"):
        compileall.compile_dir(ROOT / package, quiet=1)
    runs = interleaved({name: _timer(code) for name, code in SNIPPETS.items()}, 5 if quick else 15)
    base = median(runs.pop("python -c pass"))
    ms = {name: (median(values) - base) * 1000 for name, values in runs.items()}
    return Row(
        "start-up: import, then import + first client (medians of fresh interpreters, "
        "interpreter start-up subtracted)",
        [
            Line("import: onepin / deps", ms["onepin"] / ms["deps"], target=Target("<=", 1.15)),
            Line("import: onepin_sync / deps", ms["onepin_sync"] / ms["deps"]),
            Line("import + first client: onepin", ms["onepin + client"], "ms"),
            Line(
                "import + first client: onepin / deps + httpx.AsyncClient() (floor)",
                ms["onepin + client"] / ms["deps + client"],
            ),
            Line(
                "import + first client: httpx + pydantic / onepin",
                ms["httpx + pydantic + client"] / ms["onepin + client"],
            ),
        ],
        raw={"ms": ms},
    )
