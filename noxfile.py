"""Every project task is a session: ``python3 -m nox -s tests`` (see ``nox -l``).

Sessions run on the Python that runs nox (3.11 or newer); an older one, or a
``--force-python`` that cannot be found, fails the session instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

# uv installs in seconds where pip takes most of a minute; without uv (nox installed
# without its ``uv`` extra), the standard library's venv and pip.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests", "packaging", "lint", "typecheck", "generate_check"]

# The formatter shapes the generated sync files too: one minor release for all sessions.
RUFF = "ruff>=0.17,<0.18"
NEEDS_PYTHON = (3, 11)
_CHECK_PYTHON = (
    "import sys; need = {need!r}; have = sys.version_info[:2]; "
    "sys.exit(None if have >= need else "
    "'onepin needs Python %d.%d or newer; this session runs %d.%d' % (*need, *have))"
)


def _install(session: nox.Session, *args: str) -> None:
    """Check the session's Python, then install ``args``."""
    session.run(
        "python", "-c", _CHECK_PYTHON.format(need=NEEDS_PYTHON), silent=True, external=False
    )
    # Compiled once here (uv does not, unless asked): not by every test worker at its start.
    session.install(*args, env={"UV_COMPILE_BYTECODE": "1"})


# The suite's processes (xdist workers, the CLI, the emulator's) share compiled
# bytecode instead of each compiling onepin and the tests again.
BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def _workers() -> str:
    """pytest-xdist workers: twice the cores, as many tests wait on sleeps, sockets, children.

    Idle workers steal queued tests (``--dist worksteal``). ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    (pytest-xdist's own variable) sets another number.
    """
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if chosen:
        return chosen
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return str(2 * (cores or 1))


# Held by ``nox -s tests`` (the whole package's floor is in pyproject.toml).
PACKAGE_FLOORS = {"onepin/testing": 90, "onepin/cli": 90}


@nox.session(python=None)
def tests(session: nox.Session) -> None:
    """The test suite on every core, every async test on asyncio and on trio, with coverage.

    Reports the branch coverage of ``onepin/`` and of the emulator and the CLI
    apart, and fails under the floors. The packaging tests are ``nox -s packaging``.
    """
    _install(session, "-e", ".[test]")
    # Once, before the workers start (each would do it for itself, all at once): the
    # package's byte code, then a collection that leaves the test modules as pytest
    # rewrites their asserts in its cache.
    session.env.update(BYTECODE)
    session.run("python", "-m", "compileall", "-q", "onepin", "onepin_sync")
    session.run("pytest", "--collect-only", "-q", "-p", "no:cacheprovider", silent=True)
    args = ["-n", _workers(), "--dist", "worksteal", "-m", "not packaging", "--cov"]
    args += ["--cov-report=term"]
    if session.posargs:  # a part of the suite: report, hold no floor
        session.run("pytest", *args, "--cov-fail-under=0", *session.posargs)
        return
    session.run("pytest", *args)
    for package, floor in PACKAGE_FLOORS.items():
        total = session.run(
            "coverage",
            "report",
            f"--include={package}/*",
            "--format=total",
            f"--fail-under={floor}",
            silent=True,
        )
        if total is None:  # --install-only
            return
        total = str(total).strip().splitlines()[-1]  # after any warning of coverage's
        session.log(f"branch coverage of {package}: {total} % (floor {floor} %)")


@nox.session(python=None)
def packaging(session: nox.Session) -> None:
    """The install truth: the wheel is built and installed, the demo installs only its extras."""
    _install(session, "-e", ".[test]", "nox[uv]>=2024.4")
    session.run("pytest", "-n", "auto", "-m", "packaging", *session.posargs)


@nox.session(python=None)
def fuzz(session: nox.Session) -> None:
    """Hypothesis over every endpoint with many more examples (fresh seed), and the fault matrix.

    ``ONEPIN_FUZZ_EXAMPLES`` sets the examples per client (default 4000).
    """
    _install(session, "-e", ".[test]")
    examples = os.environ.get("ONEPIN_FUZZ_EXAMPLES") or "4000"
    session.run(
        "pytest",
        "tests/reliability/test_fuzz.py",
        "tests/reliability/test_fault_matrix.py",
        "-n",
        _workers(),
        "--dist",
        "worksteal",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"ONEPIN_FUZZ_EXAMPLES": examples},
    )


OFFICIAL_SDK = "onepin==0.7.1"


def _official_sdk(session: nox.Session) -> Path:
    """The official SDK 0.7.1 in a directory of this session's venv (never a dependency).

    Its import name is ``onepin`` too: only interpreters whose ``PYTHONPATH`` is
    this directory see it.
    """
    target = Path(str(session.virtualenv.location)) / "official-sdk"
    if not (target / "onepin-0.7.1.dist-info").is_dir():
        session.install("--quiet", "--upgrade", "--target", str(target), OFFICIAL_SDK)
    return target


@nox.session(python=None)
def compat(session: nox.Session) -> None:
    """The official SDK 0.7.1 against the emulator: every method and error, as another client.

    0.7.1 is installed apart (``_official_sdk``), which only the driver sees; the
    emulator runs from this project's package in a child process.
    """
    _install(session, ".[emulator]")
    target = _official_sdk(session)
    session.run("python", "tests/compat/drive_071.py", env={"PYTHONPATH": str(target)})


@nox.session(python=None)
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting."""
    _install(session, RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=None)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the packages, the generated twin, tests and tools."""
    _install(session, "-e", ".[dev]")
    session.run("mypy")


@nox.session(python=None)
def demo(session: nox.Session) -> None:
    """The main job: a guided walk through the SDK and CLI against the embedded emulator."""
    _install(session, ".[cli,trio,emulator]")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=None)
def build(session: nox.Session) -> None:
    """The wheel and sdist in dist/ (then: pip install "dist/onepin-<version>-py3-none-any.whl")."""
    _install(session, "build")
    session.run("python", "-m", "build", *(session.posargs or ["--outdir", "dist"]))


@nox.session(python=None)
def generate(session: nox.Session) -> None:
    """Regenerate onepin_sync/ and tests/_sync/ from the async source."""
    _install(session, RUFF)
    session.run("python", "scripts/unasync.py")


@nox.session(python=None)
def generate_check(session: nox.Session) -> None:
    """Fail when the generated sync files are stale."""
    _install(session, RUFF)
    session.run("python", "scripts/unasync.py", "--check")


@nox.session(python=None)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks: prints a table, writes benchmarks/results/latest.json."""
    _install(session, "-e", ".[dev]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python=None)
def bench_official(session: nox.Session) -> None:
    """The ``official`` benchmark row: our default listing against the official SDK 0.7.1.

    0.7.1 is installed apart (``_official_sdk``) and named to the row by
    ``ONEPIN_OFFICIAL_SDK``; its side runs with that directory as its only
    ``PYTHONPATH``. Arguments go to ``python -m benchmarks`` (``-- --quick``).
    """
    _install(session, "-e", ".[dev]")
    target = _official_sdk(session)
    session.run(
        "python", "-m", "benchmarks", "--only", "official", *session.posargs,
        env={"ONEPIN_OFFICIAL_SDK": str(target)},
    )  # fmt: skip
