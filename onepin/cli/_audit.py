"""``onepin api-keys audit``: the documented key rules over every key, on ``onepin.audit``.

The findings come from :mod:`onepin.audit`; this module lists the keys with the
SDK's stream (pages in flight while keys are audited), then shows the flagged
ones: grouped tables with the command that fixes each group on a terminal, one
tab-separated row per key when piped, an object under ``--json``. The exit
status gates CI like a linter's: 3 when something is found.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import click

from onepin.cli._context import global_options, settings
from onepin.cli._manage import key_calls, session_option
from onepin.cli._output import Output, escape
from onepin.cli._pager import no_pager_option, paged
from onepin.cli._render import audit_fields, json_fields
from onepin.cli._table import CREATED, print_keys

if TYPE_CHECKING:
    from onepin._models import ApiKey
    from onepin.audit import Finding, KeyAudit, Policy, Summary
    from onepin.credentials import Credentials

__all__ = ["FOUND", "audit_keys"]

FOUND = 3
"""The exit status when a key breaks a rule (1 and 2 keep their meanings)."""

F = TypeVar("F", bound=Callable[..., Any])

PAGE = 100
IN_USE = "* "
"""Marks the key this command runs with, in front of its name on a terminal."""


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    from onepin.audit import DurationError, parse_duration

    try:
        return parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc)) from None


def _duration_option(flag: str, default: str, help: str) -> Callable[[F], F]:
    return click.option(
        flag, default=default, show_default=True, callback=_duration, metavar="DURATION", help=help
    )


def _spoken(span: timedelta) -> str:
    hours = span // timedelta(hours=1)
    count, unit = (hours // 24, "day") if hours % 24 == 0 else (hours, "hour")
    return f"{count:,} {unit}{'' if count == 1 else 's'}"


def _groups(policy: Policy) -> dict[Finding, tuple[str, str]]:
    """Each finding's heading and the command that fixes it (KEY: an id or a unique name)."""
    from onepin.audit import Finding

    return {
        Finding.ROTATION_DUE: (
            f"created or last rotated over {_spoken(policy.max_age)} ago",
            "onepin api-keys rotate KEY --overlap --grace 24h  (then update where it is used)",
        ),
        Finding.UNUSED: (
            f"not used for {_spoken(policy.unused_for)}, or never",
            "onepin api-keys delete KEY",
        ),
        Finding.BROAD: (
            "holds every scope; grant only those it needs",
            "onepin api-keys update KEY --scope SCOPE [--scope SCOPE ...]",
        ),
        Finding.UNLIMITED: ("no rate limit", "onepin api-keys update KEY --rate-limit N"),
    }


def _own_key_fix(creds: Credentials) -> str:
    """How to rotate the key this command runs with: ``--save`` when it is the saved one."""
    if creds.api_key_source == "file":
        return "onepin api-keys rotate KEY --overlap --save"
    return "onepin api-keys rotate KEY --overlap, then replace the key you gave this command"


def _show_terminal(
    out: Output,
    flagged: list[KeyAudit],
    policy: Policy,
    creds: Credentials,
    in_use: str | None,
) -> None:
    import msgspec

    from onepin.audit import Finding

    def marked(result: KeyAudit) -> ApiKey:
        key = result.key
        return msgspec.structs.replace(key, name=IN_USE + key.name) if key.id == in_use else key

    for finding, (why, fix) in _groups(policy).items():
        group = [marked(r) for r in flagged if finding in r.findings]
        if not group:
            continue
        title = f"{finding.label.capitalize()} ({len(group):,}): {why}"
        click.echo(out.style(title, sys.stdout, bold=True), color=True)
        print_keys(out, group, keep=frozenset({CREATED}))  # the age behind "rotation due"
        out.result(f"  fix: {fix}")
        out.result()
    own = next((r for r in flagged if r.key.id == in_use), None)
    if own is not None:
        found = ", ".join(f.label for f in own.findings)
        out.result(f'{IN_USE}"{escape(own.key.name)}" is the key this command uses ({found}).')
        if Finding.ROTATION_DUE in own.findings:
            out.result(f"  rotate it with: {_own_key_fix(creds)}")


def _show_rows(out: Output, flagged: list[KeyAudit], in_use: str | None) -> None:
    """One line per flagged key: id, name, findings, age_days, idle_days, in-use mark."""
    for r in flagged:
        idle = "-" if r.idle_days is None else str(r.idle_days)
        mark = "in-use" if r.key.id == in_use else "-"
        findings = ",".join(r.findings)
        row = (r.key.id, r.key.name, findings, str(r.age_days), idle, mark)
        out.result("\t".join(escape(cell) for cell in row))


@click.command("audit", short_help="Check every key against the rules: rotation, use, scopes.")
@_duration_option("--max-age", "90d", "Rotation due past this age (90d, 12h, 2w).")
@_duration_option("--unused-for", "30d", "Unused when idle (or never used) this long.")
@click.option(
    "--status",
    type=click.Choice(["active", "all"]),
    default="active",
    show_default=True,
    help="Audit usable keys, or every row (revoked ones never have findings).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when keys are flagged.")
@no_pager_option
@session_option
@global_options
@json_fields(audit_fields)
def audit_keys(
    max_age: timedelta, unused_for: timedelta, status: str, exit_zero: bool, no_pager: bool
) -> None:
    """Check every key against the documented rules and show the ones that break them.

    Findings: rotation due (created or last rotated over --max-age ago; the
    docs say rotate every 90 days), unused (idle, or never used, for over
    --unused-for; revoke what you no longer use), all-scopes (holds every
    scope; grant the minimum), unlimited (no rate limit). The key this command
    runs with is marked. A table per finding on a terminal, with the command
    that fixes it; tab-separated rows when piped (id, name, findings,
    age_days, idle_days, in-use); --json gives {keys: [{id, name, findings,
    age_days, idle_days}], summary: {...}, in_use}.

    Exit status: 0 nothing found, 3 keys flagged (unless --exit-zero),
    1 API or runtime error, 2 usage error.

    \b
    Examples:
      onepin api-keys audit
      onepin api-keys audit --max-age 30d --unused-for 2w --status all
      onepin api-keys audit --json --exit-zero
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from onepin.audit import Policy, Summary, audit_key

    out = settings().out
    policy = Policy(max_age=max_age, unused_for=unused_for)
    summary = Summary()
    flagged: list[KeyAudit] = []
    now = datetime.now(UTC)
    with key_calls() as calls:
        in_use = calls.own_key_id()
        creds = calls.manager.own or calls.manager.creds
        with calls.client.api_keys.list(status=status, page_size=PAGE) as keys, out.progressing():
            for key in keys:
                result = summary.add(audit_key(key, now=now, policy=policy))
                if result.findings:
                    flagged.append(result)
                if summary.keys % PAGE == 0:
                    of = f"/{keys.total:,}" if keys.total is not None else ""
                    out.progress(f"Audited {summary.keys:,}{of} keys")
    with paged(not no_pager):
        _report(out, flagged, summary, policy, creds, in_use)
    if summary.flagged and not exit_zero:
        raise click.exceptions.Exit(FOUND)


def _report(
    out: Output,
    flagged: list[KeyAudit],
    summary: Summary,
    policy: Policy,
    creds: Credentials,
    in_use: str | None,
) -> None:
    if out.json_mode:
        keys = [r.as_dict() for r in flagged]
        out.json({"keys": keys, "summary": summary.as_dict(), "in_use": in_use})
    elif not sys.stdout.isatty():
        _show_rows(out, flagged, in_use)
        out.message(str(summary))
    elif summary.flagged:
        _show_terminal(out, flagged, policy, creds, in_use)
        out.result(str(summary))
    else:
        out.success(f"{summary}: nothing to fix")
