"""Names that carry control characters: no forged rows, no raw escape codes; JSON stays exact."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import unicodedata

import msgspec
import pexpect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from onepin._models import ApiKey
from onepin.cli._output import Output
from onepin.cli._render import show_key
from onepin.cli._table import print_keys
from tests.cli.harness import ONEPIN, Cli

EVIL = ["two\nlines", "tab\there", "red\x1b[31mtext", "csi\x9b2J", "rtl\u202eevil", "nul\x00"]
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal raw (newline and tab only as the output's own structure)."""


def _evil_keys(cli: Cli) -> list[str]:
    return [cli.emulator.create_key(name=name).id for name in EVIL]


def test_piped_listing_and_audit_keep_one_row_per_key(cli: Cli) -> None:
    cli.login()
    ids = _evil_keys(cli)
    listing = cli("api-keys", "list")
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.splitlines()
    assert len(rows) == 1 + len(EVIL)
    assert all(len(r.split("\t")) == 8 for r in rows)
    assert not UNSAFE.search(listing.stdout)
    audit = cli("api-keys", "audit", "--exit-zero", "--unused-for", "1h")
    audited = audit.stdout.splitlines()
    assert {r.split("\t")[0] for r in audited} >= set(ids)
    assert all(len(r.split("\t")) == 6 for r in audited)
    assert not UNSAFE.search(audit.stdout + audit.stderr)
    exact = json.loads(cli("api-keys", "list", "--json", "name").stdout)
    assert [k["name"] for k in exact][1:] == EVIL


def test_cards_messages_and_errors_escape_names(cli: Cli) -> None:
    cli.login()
    ids = _evil_keys(cli)
    for key_id in ids:
        card = cli("api-keys", "get", key_id)
        assert card.returncode == 0
        assert not UNSAFE.search(card.stdout)
        deleted = cli("api-keys", "delete", key_id, "--yes")
        assert not UNSAFE.search(deleted.stdout + deleted.stderr)
    missing = cli("api-keys", "get", "no\x1b]0;pwned\x07such")
    assert missing.returncode == 1
    assert not UNSAFE.search(missing.stderr)
    assert "\\x1b" in missing.stderr
    created = cli("api-keys", "create", "new\x1b[2Jkey", "--scope", "voices:read")
    assert not UNSAFE.search(created.stdout + created.stderr)


def _terminal(cli: Cli, *args: str, columns: int, term: str = "xterm-256color") -> str:
    env = {**cli.env, "TERM": term}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(
        ONEPIN, list(args), env=env, encoding="utf-8", timeout=60, dimensions=(50, columns)
    )
    child.expect(pexpect.EOF)
    text = (child.before or "").replace("\r\n", "\n")
    child.close()
    return text


def test_the_terminal_table_escapes_and_measures_wide_names(cli: Cli) -> None:
    cli.login()
    _evil_keys(cli)
    cli.emulator.create_key(name="日本語のキーの名前" * 3)
    text = _terminal(cli, "api-keys", "list", "--no-color", columns=70)
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 2 + len(EVIL) + 1  # header, bootstrap, the evil ones, the wide one
    assert not UNSAFE.search(text)
    assert all(cell_len(line) <= 70 for line in lines), lines


def test_term_dumb_gets_no_colour_and_the_real_width(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="x" * 150)
    text = _terminal(cli, "api-keys", "list", columns=200, term="dumb")
    assert "\x1b" not in text
    assert any(len(line) > 120 for line in text.split("\n"))  # not cut to 80 columns


def _key(name: str) -> ApiKey:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return msgspec.convert(
        {"id": "k1", "workspace_id": "w", "name": name, "active": True,
         "created_at": now, "updated_at": now, "scopes": [name], "preview": "op_live_" + name},
        ApiKey,
    )  # fmt: skip


names = st.text(
    st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Lo", "Ll", "Zs"]),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(name=names)
def test_every_text_path_escapes_control_characters(name: str) -> None:
    out = Output()
    key = _key(name)
    tsv, rest = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(tsv), contextlib.redirect_stderr(rest):
        print_keys(out, [key, key])
    with contextlib.redirect_stdout(rest), contextlib.redirect_stderr(rest):
        show_key(out, key)
        out.message(f"message {name}")
        out.warning(f"warning {name}")
        out.error(f"error {name}")
        out.success(f"success {name}")
        out.progress(name)
    text = tsv.getvalue() + rest.getvalue()
    assert not UNSAFE.search(text), [c for c in text if UNSAFE.match(c)]
    assert [len(row.split("\t")) for row in tsv.getvalue().split("\n")[:-1]] == [8, 8]
    assert all(unicodedata.category(c) not in ("Zl", "Zp") for c in text)


@pytest.mark.parametrize("name", EVIL)
def test_json_keeps_names_exact_with_unsafe_characters_escaped(name: str) -> None:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        Output(json_mode=True).json({"name": name})
    text = buffer.getvalue()
    assert json.loads(text) == {"name": name}
    assert not UNSAFE.search(text.replace("\n", " "))


@pytest.mark.parametrize("name", ["two\nlines", "red\x1b[31mtext"])
def test_the_key_a_session_login_creates_is_named_on_one_line(cli: Cli, name: str) -> None:
    result = cli(
        "login", "--session-token", "--key-name", name, "--scope", "voices:read",
        "--base-url", cli.server.base_url, stdin=cli.emulator.bootstrap.session_token + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    created = [line for line in result.stderr.splitlines() if "Created API key" in line]
    assert len(created) == 1
    assert f'"{name.encode("unicode_escape").decode()}"' in created[0]  # escaped, on one line
    assert not UNSAFE.search(result.stderr)
