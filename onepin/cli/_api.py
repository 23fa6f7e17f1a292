"""``onepin api METHOD PATH``: an authenticated raw call, as ``gh api`` and ``stripe get`` offer.

The call goes through the SDK's client, so it has the same retries (a POST or
PATCH is sent once, with an ``Idempotency-Key``), the same ``--timeout``
deadline and the same redacted request log (``-v``). ``/api/v1/api-keys``
paths are called with the session token when one is given (see ``_manage``),
every other path with the CLI's API key. The answer is printed as JSON.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click

from onepin.cli._client import api_client
from onepin.cli._context import global_options, settings
from onepin.cli._manage import key_calls, session_option

__all__ = ["api"]

_KEYS = "/api/v1/api-keys"
_SENT_ONCE = ("POST", "PATCH")
"""Methods the SDK does not repeat after a lost answer (they may create or rotate)."""


def _typed(text: str) -> Any:
    """``--field`` values: true, false, null and numbers as JSON, anything else a string."""
    if text in ("true", "false", "null") or text.lstrip("-").replace(".", "", 1).isdigit():
        return json.loads(text)
    return text


def _fields(pairs: tuple[str, ...], raw: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair, convert in [(p, _typed) for p in pairs] + [(p, str) for p in raw]:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--field")
        fields[name] = convert(value)
    return fields


@click.command("api", short_help="Make an authenticated API call and print its JSON answer.")
@click.argument(
    "method",
    type=click.Choice(["GET", "POST", "PATCH", "PUT", "DELETE"], case_sensitive=False),
)
@click.argument("path")
@click.option(
    "--field",
    "-F",
    "typed",
    multiple=True,
    metavar="NAME=VALUE",
    help="A body field (GET/DELETE: a query parameter); true, false, null and numbers are "
    "JSON (repeat).",
)
@click.option(
    "--raw-field",
    "-f",
    "raw",
    multiple=True,
    metavar="NAME=VALUE",
    help="Like --field, the value always a string (repeat).",
)
@session_option
@global_options
def api(method: str, path: str, typed: tuple[str, ...], raw: tuple[str, ...]) -> None:
    """Call METHOD PATH (under the base URL) with the CLI's credentials; print the JSON answer.

    \b
    Examples:
      onepin api GET /api/v1/auth/whoami
      onepin api GET /api/v1/api-keys -F limit=5 -F status=all
      onepin api PATCH /api/v1/api-keys/KEY_ID -F rate_limit_per_min=600
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    import msgspec

    method = method.upper()
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        raise click.BadParameter("a path under the base URL, like /api/v1/auth/whoami")
    fields = _fields(typed, raw)
    query: dict[str, str | int] = dict(parse_qsl(parts.query))
    body: dict[str, Any] | None = None
    if method in ("GET", "DELETE"):
        query.update(
            {k: v if isinstance(v, int | str) else json.dumps(v) for k, v in fields.items()}
        )
    elif fields or method in _SENT_ONCE:
        body = fields
    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
    with contextlib.ExitStack() as stack:
        if parts.path.startswith(_KEYS):
            sdk = stack.enter_context(key_calls(writes=method != "GET")).client
        else:
            sdk = stack.enter_context(api_client())
        # The SDK's one entry point for a call (retries, deadline, decoding, typed errors).
        answer = sdk._request(  # the CLI is part of the SDK package: its private entry point
            method,
            parts.path,
            decoder,
            params=query or None,
            body=body,
            idempotent=method not in _SENT_ONCE,
        )
    out = settings().out
    if out.fields and isinstance(answer, dict) and "data" in answer:
        out.json(answer["data"])
    else:
        out.json(answer)
