"""Construction options: the whoami shape, and one set of options for every way to run it."""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest

from onepin import WhoAmI
from onepin._async import OnePinClient
from onepin.testing import Emulator, EmulatorOptions, EmulatorProcess

WHOAMI = "/api/v1/auth/whoami"


@pytest.mark.anyio
async def test_the_minimal_whoami_shape_is_the_official_sdks() -> None:
    emulator = Emulator(whoami_shape="minimal")
    http = httpx.AsyncClient(transport=emulator.transport())
    token = emulator.bootstrap.api_key
    async with OnePinClient(token, base_url=emulator.base_url, http_client=http) as client:
        raw = await http.get(
            emulator.base_url + WHOAMI, headers={"Authorization": f"Bearer {token}"}
        )
        assert set(raw.json()["data"]) == {
            "auth_kind",
            "user_id",
            "workspace_id",
            "api_key_id",
            "scopes",
        }
        me = await client.auth.whoami()
    assert isinstance(me, WhoAmI)
    assert me.email is None and me.key_name is None
    assert me.api_key_id == emulator.bootstrap.api_key_id
    emulator.whoami_shape = "full"  # it may change while serving
    assert "key_name" in emulator.store.whoami(emulator.store.authenticate(f"Bearer {token}", None))


def test_a_child_process_serves_the_minimal_shape() -> None:
    with EmulatorProcess(whoami_shape="minimal") as proc:
        auth = {"Authorization": f"Bearer {proc.bootstrap.api_key}"}
        me = httpx.get(proc.base_url + WHOAMI, headers=auth).json()["data"]
    assert "email" not in me and "key_name" not in me


def test_options_are_kept_so_a_fresh_emulator_can_be_made_alike() -> None:
    emulator = Emulator(latency=0.01, count_total=False, whoami_shape="minimal")
    assert isinstance(emulator.options, EmulatorOptions)
    again = Emulator(**dataclasses.asdict(emulator.options))
    assert again.options == emulator.options
    assert (again.latency, again.count_total, again.whoami_shape) == (0.01, False, "minimal")
    assert again.key_management == "session"


@pytest.mark.parametrize(
    ("option", "value"), [("whoami_shape", "tiny"), ("key_management", "sometimes")]
)
def test_an_unknown_choice_is_refused(option: str, value: str) -> None:
    with pytest.raises(ValueError, match=option):
        Emulator(**{option: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=option):
        EmulatorOptions(**{option: value})  # type: ignore[arg-type]


def test_the_command_line_takes_every_option() -> None:
    from onepin.testing.__main__ import _parser

    options = EmulatorOptions(
        seed_keys=3,
        seed=2,
        latency=0.5,
        count_total=False,
        whoami_shape="minimal",
        rate_limit_reset="epoch",
    )
    args = _parser().parse_args(options.argv())
    assert (args.seed_keys, args.seed, args.latency, args.count_total) == (3, 2, 0.5, False)
    assert (args.key_management, args.whoami_shape) == ("session", "minimal")
    assert args.rate_limit_reset == "epoch"


def test_the_reset_header_as_an_epoch() -> None:
    emulator = Emulator(rate_limit_reset="epoch", rate_limit_window=30)
    key = emulator.create_key(name="limited", rate_limit_per_min=60)
    principal = emulator.store.authenticate(f"Bearer {key.api_key}", None)
    before = time.time()
    reset = int(emulator.store.rate_limit(principal)["X-RateLimit-Reset"])
    assert before + 29 <= reset <= time.time() + 31
