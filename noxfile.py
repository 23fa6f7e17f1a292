"""Every project task is a session: ``python3 -m nox -s tests`` (see ``nox -l``)."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "generate_check"]

PYTHON = "3.11"
# The formatter shapes the generated sync files too: one minor release for all sessions.
RUFF = "ruff>=0.17,<0.18"


def _install_dev(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite, every async test on asyncio and on trio."""
    _install_dev(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the packages, the generated twin, tests and tools."""
    _install_dev(session)
    session.install("nox")
    session.run("mypy")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: a guided walk through the SDK and CLI against the embedded emulator."""
    _install_dev(session)
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate onepin_sync/ and tests/_sync/ from the async source."""
    session.install(RUFF)
    session.run("python", "scripts/unasync.py")


@nox.session(python=PYTHON)
def generate_check(session: nox.Session) -> None:
    """Fail when the generated sync files are stale."""
    session.install(RUFF)
    session.run("python", "scripts/unasync.py", "--check")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks: prints a table, writes benchmarks/results/latest.json."""
    _install_dev(session)
    session.run("python", "-m", "benchmarks", *session.posargs)
