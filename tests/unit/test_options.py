"""Client options: one list, every bad value a configuration error, typed ``replace()``."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import msgspec
import pytest

import onepin_sync
from onepin import NotFoundError, OnePinClient, OnePinConfigurationError
from onepin._options import ClientOptions, OptionChanges

OPTIONS = list(ClientOptions.__struct_fields__)


@pytest.mark.parametrize(
    "changes",
    [
        {"base_url": "ftp://example.com"},
        {"base_url": "not a url"},
        {"base_url": 42},
        {"workspace_id": "wörkspace"},
        {"workspace_id": "two words"},
        {"workspace_id": 7},
        {"timeout": httpx.Timeout(-5)},
        {"timeout": httpx.Timeout(5, read=0)},
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"deadline": 0},
        {"deadline": -3},
        {"deadline": float("nan")},
        {"deadline": float("inf")},
        {"deadline": 1e308},
        {"timeout": httpx.Timeout(float("inf"))},
        {"timeout": httpx.Timeout(5, pool=1e308)},
        {"max_retry_wait": float("inf")},
        {"max_retry_wait": 1e308},
        {"max_retry_wait": -1},
        {"max_retry_wait": "60"},
        {"trust_idempotency_keys": "yes"},
        {"max_concurrency": 0},
        {"max_concurrency": 2.5},
    ],
)
def test_every_bad_value_is_a_configuration_error(changes: dict[str, object]) -> None:
    with pytest.raises(OnePinConfigurationError, match=next(iter(changes))):
        ClientOptions(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [-5, 0, float("nan"), float("inf"), 1e308, "30", None])
def test_bad_timeouts_through_the_client(timeout: object) -> None:
    with pytest.raises(OnePinConfigurationError, match="timeout"):
        OnePinClient("op_live_x", timeout=timeout)  # type: ignore[arg-type]
    with pytest.raises(OnePinConfigurationError, match="timeout"):
        OnePinClient("op_live_x").with_options(timeout=timeout)  # type: ignore[arg-type]


def test_replace_changes_only_what_is_given_and_checks_it() -> None:
    base = ClientOptions(base_url="http://127.0.0.1:9/", max_retries=5)
    assert base.base_url == "http://127.0.0.1:9"
    assert base.replace() == base
    changed = base.replace(timeout=2, workspace_id=None, deadline=None)
    assert changed.timeout == httpx.Timeout(2)
    assert changed.max_retries == 5
    with pytest.raises(OnePinConfigurationError, match="max_retry_wait"):
        base.replace(max_retry_wait=-1)


@pytest.mark.parametrize("client_class", [OnePinClient, onepin_sync.OnePinClient])
def test_the_option_names_are_the_options_fields(client_class: Any) -> None:
    """The constructor takes exactly ClientOptions' fields, with the same defaults."""
    defaults = ClientOptions()
    init = inspect.signature(client_class.__init__).parameters
    assert [n for n in init if n not in ("self", "token", "http_client")] == OPTIONS
    for name in OPTIONS:
        default = init[name].default
        wanted = getattr(defaults, name)
        if isinstance(wanted, httpx.Timeout):
            default = httpx.Timeout(default)
        assert default == wanted, name
    assert list(OptionChanges.__annotations__) == [n for n in OPTIONS if n != "base_url"]


def test_unknown_names_are_a_type_error_naming_the_known_ones() -> None:
    with pytest.raises(
        TypeError, match=r"unknown client options \['retries'\]; known: .*max_retries"
    ):
        ClientOptions().replace(retries=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="retries"):
        OnePinClient.from_env(env={"ONEPIN_API_KEY": "op_live_x"}, retries=3)  # type: ignore[call-arg]


def test_options_are_frozen() -> None:
    with pytest.raises(AttributeError):
        ClientOptions().max_retries = 3  # type: ignore[misc]
    assert msgspec.structs.asdict(ClientOptions())["max_concurrency"] == 32


def test_the_largest_accepted_values_work_at_the_first_call() -> None:
    """The bound is one every clock and lock takes: the first call raises nothing untyped."""
    from onepin._options import MAX_SECONDS

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "no"}})

    with (
        onepin_sync.OnePinClient(
            "op_live_x",
            timeout=MAX_SECONDS,
            deadline=MAX_SECONDS,
            max_retry_wait=MAX_SECONDS,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        ) as client,
        pytest.raises(NotFoundError),
    ):
        client.api_keys.get("k")


@pytest.mark.parametrize("cap", [0, -1, 2.5, True, "8"])
def test_a_listing_s_bad_max_concurrency_is_a_configuration_error(cap: object) -> None:
    client = OnePinClient("op_live_x")
    with pytest.raises(OnePinConfigurationError, match="max_concurrency"):
        client.api_keys.list(max_concurrency=cap)  # type: ignore[arg-type]
