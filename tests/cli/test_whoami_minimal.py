"""``whoami`` against a server with the official SDK's minimal whoami shape (#20.2).

That shape is ``auth_kind, user_id, workspace_id, api_key_id, scopes``: no
``email``, no ``key_name``. A small proxy in front of the emulator serves it
(switch to the emulator's own minimal-whoami option when it has one).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.cli.harness import Cli

MINIMAL = ("auth_kind", "user_id", "workspace_id", "api_key_id", "scopes")


@pytest.fixture
def minimal(cli: Cli) -> Iterator[str]:
    upstream = cli.server.base_url

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = httpx.get(upstream + self.path, headers=headers)
            body = answer.content
            if self.path.endswith("/auth/whoami") and answer.status_code == 200:
                full = json.loads(body)
                data = full.get("data", full)
                slim = {k: data[k] for k in MINIMAL if k in data}
                body = json.dumps({**full, "data": slim} if "data" in full else slim).encode()
            self.send_response(answer.status_code)
            for name in ("content-type", "x-request-id"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_whoami_falls_back_to_the_key_and_the_user_id(cli: Cli, minimal: str) -> None:
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["voices:read"])
    env = {"ONEPIN_API_KEY": key.api_key, "ONEPIN_BASE_URL": minimal}
    result = cli("whoami", env=env)
    assert result.returncode == 0, result.stderr
    boot = cli.emulator.bootstrap
    assert result.stdout.splitlines() == [
        f"User: {boot.user_id} (no email)",
        f"User ID: {boot.user_id}",
        f"Workspace: {boot.workspace_id}",
        "Key name: ci-pipeline (from the key)",
        "Scopes: voices:read",
    ]
    body = json.loads(cli("whoami", "--json", env=env).stdout)
    assert body == {
        "user_id": boot.user_id,
        "workspace_id": boot.workspace_id,
        "key_name": "ci-pipeline",
        "scopes": ["voices:read"],
    }


def test_whoami_without_a_readable_key_name_says_nothing_false(cli: Cli, minimal: str) -> None:
    cli.emulator.key_management = "session"  # an API key may not read keys: no fallback
    key = cli.emulator.create_key(name="ci-pipeline", scopes=["voices:read"])
    env = {"ONEPIN_API_KEY": key.api_key, "ONEPIN_BASE_URL": minimal}
    result = cli("whoami", env=env)
    assert result.returncode == 0, result.stderr
    assert "Key name: -" in result.stdout.splitlines()
    assert json.loads(cli("whoami", "--json", env=env).stdout)["key_name"] is None
