# mypy: ignore-errors
"""The official OnePin SDK 0.7.1, as an independent client, against our emulator.

Run by ``nox -s compat`` in an interpreter where ``import onepin`` is 0.7.1 (its
own directory first on ``sys.path``), never this project's package. The emulator
runs in a child process that does not see that directory (``python -m
onepin.testing``, this project's), so the two packages named ``onepin`` never
meet. Every method of 0.7.1's ``auth`` and ``api_keys`` clients, sync and
async, and every error it raises for them, is driven here; it exits non-zero
on the first difference. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from onepin.core.api_error import ApiError

import onepin

KEYS = "/api/v1/api-keys"
MISSING = "00000000-0000-4000-8000-000000000000"
checked: list[str] = []


@contextmanager
def emulator(*flags: str) -> Iterator[dict[str, Any]]:
    """Our emulator in a child process that does not see 0.7.1; its ``--json`` line."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if os.environ.get("COMPAT_EMULATOR_PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["COMPAT_EMULATOR_PYTHONPATH"]
    child = subprocess.Popen(
        [sys.executable, "-m", "onepin.testing", "--json", "--port=0", *flags],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert child.stdout is not None
        yield json.loads(child.stdout.readline())
    finally:
        child.terminate()
        child.wait(timeout=10)


def admin(ready: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    """Call the child's ``/_emulator/`` control API."""
    auth = {"Authorization": f"Bearer {ready['admin_token']}"}
    url = ready["base_url"] + "/_emulator/" + path
    response = httpx.request(method, url, json=body, headers=auth)
    response.raise_for_status()
    return response.json()["data"]


def check(name: str, condition: bool, detail: object = "") -> None:
    """Record one check; stop at the first that fails."""
    if not condition:
        raise SystemExit(f"compat: FAILED {name}: {detail}")
    checked.append(name)
    print(f"ok  {name}", flush=True)


def status_of(call: Callable[[], Any]) -> tuple[int | None, Any]:
    """The status and body of the ``ApiError`` that ``call`` raises (None: no error)."""
    try:
        call()
    except onepin.UnprocessableEntityError as exc:
        return 422, exc.body
    except ApiError as exc:
        return exc.status_code, exc.body
    return None, None


def code_of(body: Any) -> str | None:
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def sync_methods(ready: dict[str, Any]) -> None:
    """Every sync method of ``auth`` and ``api_keys``, and their errors."""
    account = ready["account"]
    base = ready["base_url"]
    keys = onepin.OnePinClient(base_url=base, token=account["session_token"], max_retries=0)
    as_key = onepin.OnePinClient(base_url=base, token=account["api_key"], max_retries=0)

    me = as_key.auth.whoami().data
    check("whoami api_key", me.auth_kind == "api_key" and me.api_key_id == account["api_key_id"])
    check("whoami session", keys.auth.whoami().data.auth_kind == "clerk")

    created = keys.api_keys.create_api_key(name="compat").data
    check(
        "create name-only: seed 002's defaults",
        list(created.scopes) == ["workflows:read", "workflows:run", "voices:read"]
        and created.rate_limit_per_min == 1000
        and created.api_key.startswith("op_live_"),
        created,
    )
    given = keys.api_keys.create_api_key(
        name="given", scopes=["voices:read", "catalog:read"], rate_limit_per_min=60, key_type="live"
    ).data
    check(
        "create: scopes in the order given", list(given.scopes) == ["voices:read", "catalog:read"]
    )
    check("created_by a UUID", len(str(created.created_by)) == 36, created.created_by)

    listed = keys.api_keys.list_api_keys(limit=2, offset=0, status="all")
    check("list counted", listed.pagination.total == 3 and len(listed.data) == 2, listed.pagination)
    check("get", keys.api_keys.get_api_key(created.id).data.name == "compat")
    updated = keys.api_keys.update_api_key(created.id, name="renamed", rate_limit_per_min=None)
    check("update", updated.data.name == "renamed" and updated.data.rate_limit_per_min is None)
    rotated = keys.api_keys.rotate_api_key(created.id).data
    check("rotate", rotated.old_key.active is False and rotated.new_key.name == "renamed")
    deleted = keys.api_keys.delete_api_key(rotated.new_key.id).data
    check("delete", deleted.active is False and deleted.revoked_at is not None)
    order = [k.id for k in keys.api_keys.list_api_keys(status="all").data]
    check("status=all: insertion order", order[1:] == [created.id, given.id, rotated.new_key.id])

    status, body = status_of(lambda: as_key.api_keys.list_api_keys())
    check("403 SESSION_TOKEN_REQUIRED", (status, code_of(body)) == (403, "SESSION_TOKEN_REQUIRED"))
    status, body = status_of(lambda: keys.api_keys.create_api_key(name="t", key_type="test"))
    check("422 reserved key_type", status == 422, body)
    status, _ = status_of(lambda: keys.api_keys.create_api_key(name=""))
    check("422 empty name", status == 422)
    status, _ = status_of(lambda: keys.api_keys.list_api_keys(limit=101))
    check("422 limit", status == 422)
    status, body = status_of(lambda: keys.api_keys.get_api_key(MISSING))
    check("404", (status, code_of(body)) == (404, "NOT_FOUND"))
    status, body = status_of(lambda: keys.api_keys.rotate_api_key(created.id))
    check("410 rotate a revoked key", (status, code_of(body)) == (410, "KEY_REVOKED"))
    bad = onepin.OnePinClient(base_url=base, token="op_live_" + "x" * 32, max_retries=0)
    status, body = status_of(lambda: bad.auth.whoami())
    check("401", (status, code_of(body)) == (401, "INVALID_API_KEY"))
    status, _ = status_of(lambda: keys.auth.whoami(request_options=wrong_workspace()))
    check("403 workspace mismatch", status == 403)
    status, _ = status_of(lambda: keys.api_keys.list_api_keys(workspace_id="not-a-uuid"))
    check("400 bad workspace header", status == 400)

    replay = {"additional_headers": {"Idempotency-Key": "compat-1"}}
    first = keys.api_keys.create_api_key(name="idem", request_options=replay).data
    again = keys.api_keys.create_api_key(name="idem", request_options=replay).data
    check("Idempotency-Key replay", again.id == first.id)
    status, _ = status_of(
        lambda: keys.api_keys.create_api_key(name="other", request_options=replay)
    )
    check("409 Idempotency-Key reused with another body", status == 409)

    retrying = onepin.OnePinClient(base_url=base, token=account["session_token"], max_retries=2)
    admin(
        ready, "POST", "faults", {"kind": "status", "status": 503, "path": KEYS, "retry_after": 0}
    )
    check("503 retried", retrying.api_keys.list_api_keys().pagination.total >= 1)
    admin(
        ready, "POST", "faults", {"kind": "status", "status": 429, "path": KEYS, "retry_after": 0}
    )
    check("429 retried", retrying.api_keys.list_api_keys().pagination.total >= 1)
    admin(ready, "POST", "faults", {"kind": "status", "status": 500, "times": None})
    status, _ = status_of(lambda: keys.auth.whoami())
    check("500", status == 500)
    admin(ready, "DELETE", "faults")
    gated = onepin.make_client(base_url=base, token=account["api_key"])
    fault = {"kind": "status", "status": 426, "headers": {"X-OnePin-Required-Version": "99.0.0"}}
    admin(ready, "POST", "faults", fault)
    try:
        gated.auth.whoami()
    except onepin.OnePinUpgradeRequiredError as exc:
        check("426 upgrade required", "99.0.0" in str(exc))
    else:
        check("426 upgrade required", False, "no error")


def wrong_workspace() -> dict[str, Any]:
    return {"additional_headers": {"X-Workspace-Id": MISSING}}


async def async_methods(ready: dict[str, Any]) -> None:
    """Every async method of ``auth`` and ``api_keys``."""
    account, base = ready["account"], ready["base_url"]
    client = onepin.AsyncOnePinClient(base_url=base, token=account["session_token"], max_retries=0)
    check("async whoami", (await client.auth.whoami()).data.auth_kind == "clerk")
    created = (await client.api_keys.create_api_key(name="async")).data
    check("async list", (await client.api_keys.list_api_keys(status="all")).pagination.total >= 2)
    check("async get", (await client.api_keys.get_api_key(created.id)).data.id == created.id)
    updated = await client.api_keys.update_api_key(created.id, scopes=["voices:read"])
    check("async update", list(updated.data.scopes) == ["voices:read"])
    rotated = (await client.api_keys.rotate_api_key(created.id)).data
    check("async rotate", rotated.new_key.scopes == updated.data.scopes)
    check(
        "async delete", (await client.api_keys.delete_api_key(rotated.new_key.id)).data.revoked_at
    )
    try:
        await client.api_keys.get_api_key(MISSING)
    except ApiError as exc:
        check("async 404", exc.status_code == 404)


def minimal_whoami(ready: dict[str, Any]) -> None:
    """``--whoami-shape minimal`` is 0.7.1's own schema, field for field."""
    client = onepin.OnePinClient(base_url=ready["base_url"], token=ready["account"]["api_key"])
    me = client.auth.whoami().data
    fields = set(me.model_dump(exclude_unset=True))
    check(
        "minimal whoami", fields == {"auth_kind", "user_id", "workspace_id", "api_key_id", "scopes"}
    )


def permissive(ready: dict[str, Any]) -> None:
    """``--key-management any``: an API key manages keys, within its own scopes."""
    account, base = ready["account"], ready["base_url"]
    as_key = onepin.OnePinClient(base_url=base, token=account["api_key"], max_retries=0)
    created = as_key.api_keys.create_api_key(name="by-key", scopes=["voices:read"]).data
    check("any: an API key creates", created.name == "by-key")
    narrow = onepin.OnePinClient(base_url=base, token=created.api_key, max_retries=0)
    status, body = status_of(
        lambda: narrow.api_keys.create_api_key(name="x", scopes=["voices:write"])
    )
    check("any: 403 SCOPE_NOT_HELD", (status, code_of(body)) == (403, "SCOPE_NOT_HELD"))


def main() -> int:
    version = onepin.__version__ if hasattr(onepin, "__version__") else "?"
    print(f"official SDK {version} from {os.path.dirname(onepin.__file__)}", flush=True)
    check(
        "the official SDK, not ours",
        hasattr(onepin, "api_keys") or hasattr(onepin, "AsyncOnePinClient"),
    )
    with emulator() as ready:
        sync_methods(ready)
        asyncio.run(async_methods(ready))
    with emulator("--whoami-shape=minimal") as ready:
        minimal_whoami(ready)
    with emulator("--key-management=any") as ready:
        permissive(ready)
    print(f"compat: {len(checked)} checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
