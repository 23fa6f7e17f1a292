"""The pytest plugin as a user meets it: in a pytest run of its own (``pytester``)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests._coverage import untrace_children

pytest_plugins = ["pytester"]

README = Path(__file__).parents[2] / "README.md"


def plugin_args() -> list[str]:
    """``-p onepin.pytest_plugin`` unless the installed package registers it already."""
    installed = {e.value for e in entry_points(group="pytest11")}
    return [] if "onepin.pytest_plugin" in installed else ["-p", "onepin.pytest_plugin"]


USER_TESTS = """
import anyio
import pytest

from onepin import SessionRequiredError
from onepin.testing import Endpoint, Fault


@pytest.mark.onepin(seed_keys=20, faults=[Fault.status_code(503, retry_after=0)])
def test_sync_listing_with_a_fault(onepin_sync_client, onepin_requests):
    assert len(list(onepin_sync_client.api_keys.list())) == 21
    assert [r.status for r in onepin_requests()][:2] == [503, 200]
    assert onepin_requests.tally().attempts[Endpoint.LIST_KEYS] == 2


def test_async_client(onepin_client, onepin_emulator):
    async def main():
        async with onepin_client:
            return await onepin_client.api_keys.create(name="n")

    created = anyio.run(main)
    assert onepin_emulator.key(created.id).name == "n"


@pytest.mark.onepin(token="api_key", whoami_shape="minimal")
def test_an_api_key_client(onepin_sync_client):
    me = onepin_sync_client.auth.whoami()
    assert me.auth_kind == "api_key" and me.key_name is None
    with pytest.raises(SessionRequiredError):
        onepin_sync_client.api_keys.list_page()


@pytest.mark.onepin(latency=0.001)
class TestAClassMarker:
    @pytest.mark.onepin(seed_keys=3)
    def test_closest_marker_wins_key_by_key(self, onepin_emulator, onepin_sync_client):
        assert onepin_emulator.latency == 0.001
        assert onepin_sync_client.api_keys.list_page().total == 4


def test_a_server_for_code_that_needs_a_url(onepin_server, onepin_emulator):
    import httpx

    auth = {"Authorization": f"Bearer {onepin_emulator.bootstrap.api_key}"}
    url = onepin_server.base_url + "/api/v1/auth/whoami"
    assert httpx.get(url, headers=auth).status_code == 200


def test_the_users_own_fixtures_stay_theirs(emulator, client, server, onepin_client):
    assert (emulator, client, server) == ("mine", "mine too", "also mine")
    assert type(onepin_client).__name__ == "OnePinClient"
"""


CONFTEST = """
import pytest

@pytest.fixture
def emulator():
    return "mine"

@pytest.fixture
def client():
    return "mine too"

@pytest.fixture
def server():
    return "also mine"
"""


def test_a_users_tests_run_on_the_plugins_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_subprocess(*plugin_args(), "-q", "-W", "error")
    result.assert_outcomes(passed=6)


def test_the_readme_testing_example_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    untrace_children(monkeypatch)  # the fixtures' code is measured by the run above
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (example,) = [b for b in blocks if b.startswith("# test_with_onepin.py\n")]
    pytester.makepyfile(test_with_onepin=example)
    result = pytester.runpytest_subprocess(*plugin_args(), "-q", "-W", "error")
    result.assert_outcomes(passed=5)  # the async test on asyncio and on trio


def test_the_marker_is_declared(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    untrace_children(monkeypatch)
    result = pytester.runpytest_subprocess(*plugin_args(), "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.onepin(**options)*"])


def test_loading_the_plugin_imports_no_emulator() -> None:
    code = textwrap.dedent(
        """
        import sys
        import onepin.pytest_plugin
        heavy = [m for m in ("onepin.testing", "starlette", "uvicorn", "httpx") if m in sys.modules]
        print(heavy)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_entry_point_is_declared() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    entry = pyproject["project"]["entry-points"]["pytest11"]
    assert entry == {"onepin": "onepin.pytest_plugin"}
