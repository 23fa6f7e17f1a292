"""Generate the blocking twin of the async source.

    python scripts/unasync.py          # rewrite onepin_sync/ and tests/_sync/
    python scripts/unasync.py --check  # fail if they are stale (CI)

Each file of ``onepin/_async/`` becomes a file of ``onepin_sync/``, and each of
``tests/_async/`` one of ``tests/_sync/``, by an explicit table of regular
expression substitutions applied line by line, then a table of phrases true
only of the async world (rewritten across line breaks), then ``ruff format``.
The run fails when a rule never matched anything (a dead rule hides a rename).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAIRS = [
    (ROOT / "onepin" / "_async", ROOT / "onepin_sync"),
    (ROOT / "tests" / "_async", ROOT / "tests" / "_sync"),
]

# (pattern, replacement), applied in this order to every line.
RULES: list[tuple[str, str]] = [
    # imports of the async package itself
    (r"\bonepin\._async\b", "onepin_sync"),
    # paired primitives (onepin/_synchronization.py, onepin/_concurrency.py)
    (r"\bAsyncDeadline\b", "Deadline"),
    (r"\bAsyncThreadLock\b", "ThreadLock"),
    (r"\bAsyncGate\b", "Gate"),
    (r"\basync_running_loop\b", "running_loop"),
    (r"\bAsyncTransport\b", "Transport"),
    (r"\basync_sleep\b", "sleep"),
    (r"\bAsyncPrefetcher\b", "Prefetcher"),
    (r"\bAsyncPending\b", "Pending"),
    # libraries' async classes and their blocking counterparts
    (r"\bAsyncRetrying\b", "Retrying"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\bhttpx\.AsyncBaseTransport\b", "httpx.BaseTransport"),
    # the emulator's in-process transports
    (r"\.transport\(\)", ".sync_transport()"),
    (r"\bhandle_async_request\b", "handle_request"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    # protocol methods
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\baread\b", "read"),
    # syntax
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    # tests: no event loop to pick
    (r"^pytestmark = pytest\.mark\.anyio$", "pytestmark: list[pytest.MarkDecorator] = []"),
    # prose
    (r"\bThe async OnePin\b", "The blocking OnePin"),
    (r"\bAn async stream\b", "A blocking stream"),
]

# (phrase, replacement) for sentences that are true only of the async world,
# applied to the whole text after RULES. A space in a phrase matches any run of
# whitespace, line breaks and indentation included (docstrings wrap anywhere);
# the replacement keeps the phrase's line breaks where it has as many words.
PROSE: list[tuple[str, str]] = [
    # onepin/_async/__init__.py
    (
        r"The async client, the source of truth from which ``onepin_sync`` is generated\.",
        "The blocking client, generated from its source in ``onepin._async``.",
    ),
    # the connection pool: per process and event loop; a blocking client has no loop
    (
        r"per process and per event loop: after ``os\.fork\(\)``, or in another ``anyio\.run``,",
        "per process: after ``os.fork()``",
    ),
    (r"this process or event loop did not make", "this process did not make"),
    (
        r"Close this loop's pool, if ours and made here; later calls raise\. Never raises\."
        r" The pools of other event loops cannot be closed from this one: each is closed by an"
        r" ``close\(\)`` run on its own loop, else forgotten with it\.",
        "Close the pool if it's ours and was made here; later calls raise. Never raises."
        " A forked child's close leaves its parent's pool alone: those sockets are the"
        " parent's to close.",
    ),
    (
        r"belongs to one process and one event loop: the client keeps one per event loop it"
        r" meets \(an async client used from several threads, each running its loop, has one"
        r" pool per thread, each reused\), and in a forked child starts afresh, never touching"
        r" the parent's sockets\. A pool is forgotten with its loop\.",
        "belongs to one process: the client makes one on its first call, shares it with"
        " every ``with_options`` copy and every thread that calls it, and keeps it until it is"
        " closed; in a forked child it starts afresh, never touching the parent's sockets,"
        " which stay the parent's to use and close.",
    ),
    (r"The pool of the process and event loop running now", "The pool of the process running now"),
    # the listing's window: a task group that cancels, or worker threads that are waited for
    (r"the sync twin's worker threads", "its worker threads"),
    (r"in the block's task group while", "on the block's worker threads while"),
    (
        r"leaving the block, or ``close\(\)``, cancels them \(the sync twin does not wait for"
        r" them when the block ends with an error\)",
        "leaving the block, or ``close()``, drops those not started yet and waits for the"
        " others (not when the block ends with an error)",
    ),
    (
        r"cancel what its window still runs;",
        "stop its window, waiting for what runs;",
    ),
    # tests
    (r"Client fixtures: async clients", "Client fixtures: blocking clients"),
]

HEADER = (
    "# AUTOGENERATED by scripts/unasync.py from {source}: do not edit.\n"
    "# Change the async source and run `nox -s generate`.\n"
)

_compiled = [(re.compile(p), r) for p, r in RULES]
_prose = [(re.compile(p.replace(" ", r"\s+")), r) for p, r in PROSE]
RULE_COUNT = len(RULES) + len(PROSE)
"""The length of the ``hits`` list of :func:`unasync_text` (RULES, then PROSE)."""


def _keep_breaks(replacement: str) -> Callable[[re.Match[str]], str]:
    """A substitution that breaks ``replacement``'s lines where the phrase broke its own.

    Each line break of the matched phrase (with the indentation after it) goes
    before the first word of ``replacement`` that would end past the break's
    place in the phrase; breaks left over go before its last words, so the lines
    after the phrase keep their shape.
    """
    words = replacement.split(" ")

    def substitute(match: re.Match[str]) -> str:
        phrase = match.group(0)
        breaks: list[tuple[int, str]] = []  # (offset in the phrase, single-spaced; the break)
        offset = 0
        for word, gap in zip(re.split(r"\s+", phrase), re.findall(r"\s+", phrase), strict=False):
            offset += len(word)
            if "\n" in gap:
                breaks.append((offset, gap))
            offset += 1
        gaps = [" "] * (len(words) - 1)  # gaps[i] goes before words[i + 1]
        end = len(words[0])
        for i, word in enumerate(words[1:]):
            if breaks and end + 1 + len(word) > breaks[0][0]:
                gaps[i] = breaks.pop(0)[1]
            end += 1 + len(word)
        for i in reversed(range(len(gaps))):
            if not breaks:
                break
            if gaps[i] == " ":
                gaps[i] = breaks.pop()[1]
        return words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:], strict=True))

    return substitute


def unasync_text(text: str, hits: list[int]) -> str:
    """Apply RULES to every line, then PROSE to the text; count each rule's matches in ``hits``."""
    out = []
    for line in text.splitlines(keepends=True):
        for i, (pattern, replacement) in enumerate(_compiled):
            line, n = pattern.subn(replacement, line)
            hits[i] += n
        out.append(line)
    result = "".join(out)
    for i, (pattern, replacement) in enumerate(_prose, start=len(_compiled)):
        result, n = pattern.subn(_keep_breaks(replacement), result)
        hits[i] += n
    return result


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    probe = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "ruff"]
    raise SystemExit("unasync: ruff is needed to format the output (pip install ruff)")


def formatted(text: str, filename: Path) -> str:
    """``text`` as ``ruff format`` would write it (with the project's settings)."""
    result = subprocess.run(
        [*_ruff(), "format", "--stdin-filename", str(filename), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"unasync: ruff format failed on {filename}:\n{result.stderr}")
    return result.stdout


def generate() -> dict[Path, str]:
    """Every generated file's path and wanted content."""
    hits = [0] * RULE_COUNT
    wanted: dict[Path, str] = {}
    for source_dir, target_dir in PAIRS:
        for source in sorted(source_dir.glob("*.py")):
            target = target_dir / source.name
            body = unasync_text(source.read_text(encoding="utf-8"), hits)
            header = HEADER.format(source=source.relative_to(ROOT).as_posix())
            wanted[target] = formatted(header + body, target)
    unused = [[*RULES, *PROSE][i][0] for i, n in enumerate(hits) if n == 0]
    if unused:
        raise SystemExit(f"unasync: rules that matched nothing (remove or fix them): {unused}")
    return wanted


def main(argv: list[str] | None = None) -> int:
    """Write the generated files, or with ``--check`` report the stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if generated files are stale")
    args = parser.parse_args(argv)
    wanted = generate()
    stale = []
    for path, text in wanted.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    orphans = [
        p for _, target_dir in PAIRS for p in sorted(target_dir.glob("*.py")) if p not in wanted
    ]
    if args.check:
        problems = [f"stale: {p.relative_to(ROOT)}" for p in stale]
        problems += [f"no async source: {p.relative_to(ROOT)}" for p in orphans]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print("Run `nox -s generate` (python scripts/unasync.py) and commit.", file=sys.stderr)
            return 1
        print(f"unasync: {len(wanted)} generated files are up to date")
        return 0
    for p in orphans:
        p.unlink()
    print(f"unasync: wrote {len(stale)} of {len(wanted)} files, removed {len(orphans)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
