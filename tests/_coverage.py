"""Child processes that only repeat what other tests measure run without coverage.

``nox -s tests`` measures every Python process a test starts (coverage's
``patch = subprocess``): each pays for loading coverage and tracing its run.
A run of the demo, the nine copies of a command started beside a traced
tenth, or a second pytest run over the plugin, adds no line to the report;
they go untraced.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

# What coverage's subprocess patch hands a child (and the older way of asking).
_TRACING = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


def untraced(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a child process that coverage should leave alone."""
    return {k: v for k, v in env.items() if k not in _TRACING}


def untrace_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child processes this test starts (with this process's environment) go untraced."""
    for name in _TRACING:
        monkeypatch.delenv(name, raising=False)
