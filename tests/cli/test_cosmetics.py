"""Small things a person notices: wording, empty listings, the same words for the same thing."""

from __future__ import annotations

import io
import signal
import sys

import pexpect
import pytest

from onepin.cli._output import Output
from onepin.testing import Fault
from tests.cli.harness import ONEPIN, Cli


def test_get_says_never_like_list(cli: Cli) -> None:
    cli.login()
    key = cli.emulator.create_key(name="unused")
    card = cli("api-keys", "get", key.id).stdout
    assert "Last used:  never" in card


def test_an_empty_terminal_listing_says_so_without_a_bare_header(cli: Cli) -> None:
    cli.login()
    child = pexpect.spawn(
        ONEPIN, ["api-keys", "list", "--status", "revoked"], env=cli.env, encoding="utf-8",
        timeout=30,
    )  # fmt: skip
    child.expect(pexpect.EOF)
    text = child.before or ""
    child.close()
    assert "No API keys match." in text
    assert "NAME" not in text


def test_list_help_documents_the_order_and_the_tsv_columns(cli: Cli) -> None:
    text = cli("api-keys", "list", "--help").stdout
    assert "oldest first" not in text
    assert "server's order" in text
    for column in ("id", "name", "preview", "status", "scopes", "rate_limit_per_min"):
        assert column in text.split("Piped")[1]


def test_a_malformed_key_is_not_an_onepin_key(cli: Cli) -> None:
    result = cli("api-keys", "list", env={"ONEPIN_API_KEY": "op_live_short", **cli.no_session})
    assert "a OnePin API key" in result.stderr
    assert "an OnePin" not in result.stderr


def test_ctrl_c_erases_the_progress_line(cli: Cli) -> None:
    cli.login()
    cli.emulator.seed_keys(2000)
    cli.emulator.inject(Fault.latency(0.3, path="/api/v1/api-keys", times=None))
    child = pexpect.spawn(
        ONEPIN, ["api-keys", "list", "--all"], env=cli.env, encoding="utf-8", timeout=60,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    child.expect_exact("Fetched ")
    child.sendintr()
    child.expect(pexpect.EOF)
    rest = child.before or ""
    child.close()
    assert child.exitstatus == 130
    assert "\r\x1b[K" in rest.split("Fetched")[-1]  # the last progress line was erased


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal; the first write is cut short by Ctrl-C."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupt_next = True

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.interrupt_next:
            self.interrupt_next = False
            raise KeyboardInterrupt
        return written


def test_ctrl_c_while_the_progress_line_is_written_still_erases_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The race behind the flaky pty test: the interrupt lands in the write itself.
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = Output()
    with pytest.raises(KeyboardInterrupt), out.progressing():
        out.progress("Fetched 100/2,001 keys")
    assert terminal.getvalue().endswith("keys\x1b[K\r\x1b[K")
