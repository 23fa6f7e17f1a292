"""``onepin api METHOD PATH``: raw calls with the CLI's credentials, retries and redaction."""

from __future__ import annotations

import json

from tests.cli.harness import Cli, assert_no_traceback


def test_raw_calls_print_the_json_answer(cli: Cli) -> None:
    cli.login()
    me = cli("api", "GET", "/api/v1/auth/whoami")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["data"]["auth_kind"] == "api_key"
    cli.emulator.seed_keys(3)
    cli.emulator.clear_requests()
    listed = cli("api", "get", "/api/v1/api-keys", "-F", "limit=2", "-F", "status=all")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert len(body["data"]) == 2 and body["pagination"]["total"] == 4
    assert {r.headers["authorization"] for r in cli.emulator.requests} == {
        "Bearer [redacted session]"
    }
    key = cli.emulator.create_key(name="x")
    patched = cli("api", "PATCH", f"/api/v1/api-keys/{key.id}", "-F", "rate_limit_per_min=600")
    assert patched.returncode == 0, patched.stderr
    assert cli.emulator.key(key.id).rate_limit_per_min == 600  # type: ignore[union-attr]
    named = cli("api", "PATCH", f"/api/v1/api-keys/{key.id}", "-f", "name=123")
    assert json.loads(named.stdout)["data"]["name"] == "123"


def test_raw_call_errors_and_redaction(cli: Cli) -> None:
    cli.login()
    missing = cli("api", "GET", "/api/v1/api-keys/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert missing.returncode == 1
    assert "404" in missing.stderr
    assert_no_traceback(missing)
    assert cli("api", "GET", "https://elsewhere.example/x").returncode == 2
    assert cli("api", "GET", "/api/v1/api-keys", "-F", "oops").returncode == 2
    logged = cli("api", "GET", "/api/v1/auth/whoami", "-v")
    assert "/api/v1/auth/whoami" in logged.stderr
    assert cli.emulator.bootstrap.api_key not in logged.stderr + logged.stdout
