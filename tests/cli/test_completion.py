"""Shell completion: the scripts, click's protocol through the runner, and key names."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

import pytest

from tests.cli.harness import ONEPIN, Cli


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _onepin_completion onepin"),
        ("zsh", "#compdef onepin"),
        ("fish", "complete --no-files --command onepin"),
    ],
)
def test_completion_scripts(cli: Cli, shell: str, marker: str) -> None:
    result = cli("completion", shell)
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_ONEPIN_COMPLETE" in result.stdout


def test_the_protocol_goes_through_the_runner(cli: Cli) -> None:
    result = cli(env={"_ONEPIN_COMPLETE": "bash_source"})
    assert result.returncode == 0
    assert result.stdout == cli("completion", "bash").stdout


def complete(cli: Cli, words: str, env: Mapping[str, str | None] | None = None) -> list[str]:
    """What bash would be offered for the last word of ``words``."""
    parts = words.split(" ")
    result = cli(
        env={
            "_ONEPIN_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        }
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return [line.split(",", 1)[1] for line in lines if line]


def test_commands_flags_and_scopes_complete(cli: Cli) -> None:
    assert "api-keys" in complete(cli, "onepin a")
    assert complete(cli, "onepin api-keys ro") == ["rotate"]
    assert "--overlap" in complete(cli, "onepin api-keys rotate --ov")
    assert complete(cli, "onepin api-keys create x --scope voices:") == [
        "voices:read",
        "voices:write",
    ]


def test_key_names_complete(cli: Cli) -> None:
    cli.login()
    cli.emulator.create_key(name="deploy-eu")
    cli.emulator.create_key(name="deploy-us")
    cli.emulator.create_key(name="other")
    assert complete(cli, "onepin api-keys get dep") == ["deploy-eu", "deploy-us"]
    assert complete(cli, "onepin api-keys rotate o") == ["other"]
    # offline or logged out: nothing, quietly
    nobody = {"HOME": str(cli.home / "nobody"), **cli.no_session}
    assert complete(cli, "onepin api-keys get dep", env=nobody) == []


def test_bash_loads_the_script(cli: Cli) -> None:
    script = cli("completion", "bash").stdout
    check = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-c", script + "\ncomplete -p onepin"],
        capture_output=True,
        text=True,
        env={**cli.env, "PATH": ONEPIN.rsplit("/", 1)[0] + ":/usr/bin:/bin"},
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "_onepin_completion" in check.stdout


def test_completion_caches_names_briefly_and_offers_a_shared_name_as_ids(cli: Cli) -> None:
    cli.login()
    cli.emulator.seed_keys(250, prefix="bulk")
    twins = [cli.emulator.create_key(name="twin").id for _ in range(2)]
    cli.emulator.clear_requests()
    assert len(complete(cli, "onepin api-keys get bulk-24")) == 10  # bulk-240 .. bulk-249
    first = len(cli.emulator.requests)
    assert first >= 3  # the listing, once
    assert complete(cli, "onepin api-keys get tw") == []  # "twin" names no single key
    offered = complete(cli, "onepin api-keys get ")
    assert set(twins) <= set(offered) and "twin" not in offered
    assert len(cli.emulator.requests) == first  # later TABs: from the cache
    cached = list((cli.home / ".cache" / "onepin").iterdir())
    assert len(cached) == 1
    assert oct(cached[0].stat().st_mode & 0o777) == "0o600"
    text = cached[0].read_text()
    assert "op_live_" not in text and cli.emulator.bootstrap.session_token not in text
    cli.emulator.clear_requests()
    created = cli("api-keys", "create", "twin", "--scope", "voices:read")
    assert created.returncode == 0
    assert 'a key named "twin" exists already' in created.stderr  # told by the cache
    assert [r for r in cli.emulator.requests if r.method == "GET"] == []  # no listing
    assert cli("api-keys", "create", "fresh", "--scope", "voices:read").returncode == 0
    assert complete(cli, "onepin api-keys get fre") == ["fresh"]  # a change drops the cache


def test_json_fields_complete(cli: Cli) -> None:
    assert complete(cli, "onepin api-keys list --json na") == ["name"]
    assert complete(cli, "onepin api-keys get --json id,rate") == ["id,rate_limit_per_min"]
    assert "api_key" in complete(cli, "onepin api-keys create x --json ")
    assert "api_key" not in complete(cli, "onepin api-keys list --json ")
