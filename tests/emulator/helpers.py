"""Small readers of the emulator's answers, shared by its tests."""

from __future__ import annotations

from typing import Any

import httpx

KEYS = "/api/v1/api-keys"

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)
"""How a dropped connection reaches a client: EOF, or a reset when the server
closed with request bytes still unread (a POST or PATCH body)."""


def data(response: httpx.Response) -> Any:
    """The ``data`` member of a JSON envelope."""
    return response.json()["data"]


def error_code(response: httpx.Response) -> str:
    """The ``error.code`` of an error envelope."""
    return str(response.json()["error"]["code"])
