"""``onepin api-keys audit`` as a subprocess over the emulator: exit codes, JSON, TSV, terminal."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from onepin import Scope
from onepin.testing import RunningEmulator
from tests.cli.harness import Cli, assert_no_traceback
from tests.cli.test_output import ANSI, terminal

FINDINGS = {"rotation_due", "unused", "broad", "unlimited"}
SUMMARY = re.compile(
    r"[\d,]+ keys?: [\d,]+ rotation due, [\d,]+ unused, [\d,]+ all-scopes, [\d,]+ unlimited"
)


@pytest.fixture
def cli(tmp_path: Path, server: RunningEmulator) -> Cli:
    # The CLI logs in with an API key; a deployment that lets API keys manage keys.
    server.emulator.key_management = "any"
    return Cli(tmp_path, server)


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    """Logged in with the bootstrap key, next to 60 realistic seeded keys."""
    cli.emulator.seed_keys(60, seed=11)
    cli.login()
    return cli


def audit(cli: Cli, *args: str) -> Any:
    result = cli("api-keys", "audit", *args)
    assert_no_traceback(result)
    return result


def only_a_clean_key(cli: Cli) -> None:
    """Revoke the bootstrap key; log in with a narrow, rate-limited, new one instead."""
    clean = cli.emulator.create_key(
        name="ci", scopes=[Scope.VOICES_READ, Scope.WORKFLOWS_READ], rate_limit_per_min=600
    )
    cli.login()
    assert cli("api-keys", "delete", "bootstrap", "--yes", "--force").returncode == 0
    cli.login(clean.api_key, "--force")  # replaces the saved (revoked) key


def test_exit_codes_like_a_linter(cli: Cli) -> None:
    cli.login()  # the bootstrap key: every scope, no rate limit
    flagged = audit(cli)
    assert flagged.returncode == 3
    assert audit(cli, "--exit-zero").returncode == 0

    only_a_clean_key(cli)
    # --status all lists the revoked bootstrap key too, which has nothing left to fix
    for status, keys in (("active", "1 key"), ("all", "2 keys")):
        result = audit(cli, "--status", status)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert (
            result.stderr.strip() == f"{keys}: 0 rotation due, 0 unused, 0 all-scopes, 0 unlimited"
        )


def test_json_shape_over_seeded_keys_checked_against_the_listing(seeded: Cli) -> None:
    result = audit(seeded, "--json")
    assert result.returncode == 3
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert set(report) == {"keys", "summary", "in_use"}
    assert report["in_use"] == seeded.emulator.bootstrap.api_key_id

    listed = {k["id"]: k for k in json.loads(seeded("api-keys", "list", "--all", "--json").stdout)}
    summary = report["summary"]
    assert summary["keys"] == len(listed)  # every active key audited, revoked ones not listed
    assert summary["flagged"] == len(report["keys"])
    for finding in FINDINGS:  # the seeded keys show every finding
        assert summary[finding] == sum(finding in k["findings"] for k in report["keys"]) > 0

    now = dt.datetime.now(dt.UTC)
    flagged = {k["id"]: k for k in report["keys"]}
    for key_id, key in listed.items():
        entry = flagged.get(key_id)
        found = set(entry["findings"]) if entry else set()
        assert ("unlimited" in found) == (key["rate_limit_per_min"] is None)
        assert ("broad" in found) == (set(key["scopes"]) >= {s.value for s in Scope})
        age = now - dt.datetime.fromisoformat(key["created_at"])
        if abs(age - dt.timedelta(days=90)) > dt.timedelta(minutes=5):
            assert ("rotation_due" in found) == (age > dt.timedelta(days=90))
        if entry is None:
            continue
        assert set(entry) == {"id", "name", "findings", "age_days", "idle_days"}
        assert entry["name"] == key["name"]
        assert entry["findings"] and set(entry["findings"]) <= FINDINGS
        assert abs(entry["age_days"] - age.days) <= 1
        assert (entry["idle_days"] is None) == (key["last_used_at"] is None)


def test_json_fields_pick_members(seeded: Cli) -> None:
    result = audit(seeded, "--json", "summary", "--exit-zero")
    assert result.returncode == 0
    assert list(json.loads(result.stdout)) == ["summary"]
    bad = audit(seeded, "--json=secret")
    assert bad.returncode == 2


def test_thresholds_come_from_the_flags(seeded: Cli) -> None:
    def summary(*args: str) -> dict[str, int]:
        return dict(json.loads(audit(seeded, "--json", *args).stdout)["summary"])

    default = summary()
    lenient = summary("--max-age", "52w", "--unused-for", "400d")
    strict = summary("--max-age", "24h", "--unused-for", "1h")
    assert lenient["rotation_due"] < default["rotation_due"] < strict["rotation_due"]
    assert lenient["unused"] < default["unused"] < strict["unused"]
    assert lenient["broad"] == default["broad"] == strict["broad"]
    every = summary("--status", "all")
    assert every["keys"] > default["keys"]  # revoked rows listed too...
    assert every["flagged"] == default["flagged"]  # ...with nothing to fix


def test_tsv_when_piped(seeded: Cli) -> None:
    result = audit(seeded)
    assert result.returncode == 3
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    report = json.loads(audit(seeded, "--json").stdout)
    assert [row[0] for row in rows] == [k["id"] for k in report["keys"]]
    for row, entry in zip(rows, report["keys"], strict=True):
        idle = "-" if entry["idle_days"] is None else str(entry["idle_days"])
        expected = [entry["id"], entry["name"], ",".join(entry["findings"])]
        assert row[:5] == [*expected, str(entry["age_days"]), idle]
    assert [row[5] for row in rows if row[5] != "-"] == ["in-use"]
    assert next(row for row in rows if row[5] == "in-use")[1] == "bootstrap"
    assert SUMMARY.fullmatch(result.stderr.strip())


def test_table_on_a_terminal_grouped_with_fixes(seeded: Cli) -> None:
    lines = terminal(seeded, "api-keys", "audit", "--exit-zero", "--max-age", "2w", columns=100)
    plain = [ANSI.sub("", line) for line in lines]
    assert all(len(line) <= 100 for line in plain), plain
    assert "\t" not in "".join(plain)
    headings = [line for line in plain if re.match(r"[A-Z][a-z-]+( due)? \([\d,]+\): ", line)]
    assert [h.split(" (")[0] for h in headings] == [
        "Rotation due",
        "Unused",
        "All-scopes",
        "Unlimited",
    ]
    assert "over 14 days ago" in headings[0]
    fixes = [line.strip() for line in plain if line.strip().startswith("fix: ")]
    assert fixes[0].startswith("fix: onepin api-keys rotate KEY --overlap")
    assert fixes[1] == "fix: onepin api-keys delete KEY"
    assert any("* bootstrap" in line for line in plain)  # the key this command uses
    assert any(line.startswith('* "bootstrap" is the key this command uses') for line in plain)
    assert SUMMARY.fullmatch(plain[-1])


def test_a_clean_terminal_run_says_so(cli: Cli) -> None:
    only_a_clean_key(cli)
    lines = terminal(cli, "api-keys", "audit", "--no-color", columns=100)
    assert lines == ["✓ 1 key: 0 rotation due, 0 unused, 0 all-scopes, 0 unlimited: nothing to fix"]


@pytest.mark.parametrize(
    "args",
    [
        ["--max-age", "90"],
        ["--max-age", "0d"],
        ["--unused-for", "1m"],
        ["--unused-for", "op_live_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"],
        ["--status", "revoked"],
    ],
)
def test_bad_flags_are_usage_errors_before_any_request(cli: Cli, args: list[str]) -> None:
    cli.login()
    before = len(cli.emulator.requests)
    result = audit(cli, *args)
    assert result.returncode == 2
    assert "Invalid value" in result.stderr
    assert "op_live_" not in result.stderr
    assert len(cli.emulator.requests) == before


def test_help_documents_the_exit_status(cli: Cli) -> None:
    text = cli("api-keys", "audit", "--help").stdout
    assert "3 keys flagged" in text and "--exit-zero" in text
    assert "Examples:" in text
    assert "audit" in cli("api-keys", "--help").stdout


@pytest.mark.parametrize(
    ("source", "fix"),
    [
        ("file", "onepin api-keys rotate KEY --overlap --save"),
        ("env", "onepin api-keys rotate KEY --overlap, then replace the key you gave this command"),
        ("explicit", "onepin api-keys rotate KEY --overlap, then replace"),
    ],
)
def test_the_own_key_is_rotated_with_save_only_when_it_is_the_saved_one(
    tmp_path: Path, source: str, fix: str
) -> None:
    from onepin.cli._audit import _own_key_fix
    from onepin.credentials import Credentials

    creds = Credentials(
        api_key="op_live_" + "a" * 32,
        base_url="http://localhost",
        api_key_source=source,  # type: ignore[arg-type]
        base_url_source="default",
        path=tmp_path / "credentials",
    )
    assert _own_key_fix(creds).startswith(fix)


def test_the_readme_audit_example_runs(seeded: Cli) -> None:
    from tests.test_readme import example, run_python

    stdout = run_python(["-c", example("audit example")], seeded.server, seeded.home)
    lines = stdout.splitlines()
    report = json.loads(audit(seeded, "--json").stdout)
    due = [k["name"] for k in report["keys"] if "rotation_due" in k["findings"]]
    assert [line.split()[1] for line in lines if line.startswith("rotate ")] == due
    assert SUMMARY.fullmatch(lines[-2])
    assert f"'keys': {report['summary']['keys']}" in lines[-1]


def test_eighty_columns_keep_the_age_column(seeded: Cli) -> None:
    lines = terminal(seeded, "api-keys", "audit", "--exit-zero", "--no-color", columns=80)
    headers = [line for line in lines if line.startswith("ID ")]
    assert headers and all("CREATED" in h for h in headers), headers
    assert all(len(h) <= 80 for h in headers)
