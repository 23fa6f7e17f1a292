"""The emulator's HTTP face: a Starlette router behind a thin ASGI layer.

The outer layer (``EmulatorASGI``) owns what is not API logic: global latency,
fault injection, the request log and the drop of a connection. The routes
(``_routes``, ``_admin``) validate like the real FastAPI service and call the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from onepin.testing._admin import ADMIN, AdminRoutes
from onepin.testing._faults import Fault
from onepin.testing._problems import ConnectionDropped, Problem
from onepin.testing._requestlog import LoggedRequest, effects_of
from onepin.testing._responses import json_response, problem_response
from onepin.testing._routes import ApiRoutes
from onepin.testing._state import EmulatorState

__all__ = ["EmulatorASGI"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


async def _not_found(request: Request, exc: Exception) -> Response:
    return problem_response(Problem(404, "NOT_FOUND", "Not found"))


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return problem_response(Problem(405, "METHOD_NOT_ALLOWED", "Method not allowed"))


class EmulatorASGI:
    """The ASGI application of one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._router = Starlette(
            routes=[*ApiRoutes(state).routes(), *AdminRoutes(state).routes()],
            exception_handlers={404: _not_found, 405: _not_allowed},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] != "http":
            return
        if scope["path"].startswith(ADMIN):
            await self._router(scope, receive, send)
            return
        effects_of(scope)  # where the routes note the keys this request creates or revokes
        fault = self.state.faults.take(scope["method"], scope["path"])
        delay = self.state.latency + (fault.delay if fault is not None else 0.0)
        if delay > 0:
            await anyio.sleep(delay)
        if fault is not None and fault.kind == "drop":
            self.state.log.append(LoggedRequest.from_scope(scope, None, fault.kind))
            _drop(send)
            return
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self._answer(fault)(scope, receive, capture)
        if fault is not None and fault.kind == "truncate":
            captured[:] = _truncated(captured)
        status = next(m["status"] for m in captured if m["type"] == "http.response.start")
        # Logged before the answer leaves, so a client that got it finds it in the log.
        self.state.log.append(
            LoggedRequest.from_scope(scope, status, fault.kind if fault else None)
        )
        if fault is not None and fault.kind == "slow_drip":
            await _drip(captured, fault.interval, receive, send)
            return
        for message in captured:
            await send(message)

    def _answer(self, fault: Fault | None) -> App:
        """The app that answers a request under ``fault``."""
        if fault is None or fault.kind in ("latency", "truncate", "slow_drip"):
            return self._router
        if fault.kind == "status":
            return _fault_response(fault)
        if fault.kind == "html_502":
            return Response(_HTML_502, 502, media_type="text/html")
        # commit_then_fail: the routes apply the request; the client gets a 500.
        router = self._router

        async def commit_then_fail(scope: Scope, receive: Receive, send: Send) -> None:
            await router(scope, receive, _discard)
            failed = Problem(500, "INTERNAL_ERROR", "Internal server error")
            await problem_response(failed)(scope, receive, send)

        return commit_then_fail


def _drop(send: Send) -> None:
    # A real server (uvicorn) exposes its protocol cycle as ``send.__self__``:
    # closing its transport drops the socket with nothing written.
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if cycle is not None and transport is not None:
        cycle.disconnected = True
        transport.close()
        return
    raise ConnectionDropped("emulator dropped the connection")


def _fault_response(fault: Fault) -> Response:
    headers = dict(fault.headers)
    if fault.retry_after is not None:
        headers["Retry-After"] = fault.retry_after
    if fault.body is None:
        injected = Problem(fault.status, "INJECTED_FAULT", f"Injected {fault.status}")
        return problem_response(injected, headers)
    if isinstance(fault.body, bytes | str):
        content = fault.body.encode() if isinstance(fault.body, str) else fault.body
        return Response(content, fault.status, headers=headers, media_type="text/plain")
    return json_response(fault.status, fault.body, headers)


async def _discard(message: Message) -> None:
    return None


async def _drip(messages: list[Message], interval: float, receive: Receive, send: Send) -> None:
    """Send the captured response at once, but its body one byte every ``interval`` s.

    Stops when the client goes away (``receive`` says ``http.disconnect``).
    """
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    await send(next(m for m in messages if m["type"] == "http.response.start"))
    async with anyio.create_task_group() as tg:

        async def until_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(until_disconnect)
        for i in range(len(body)):
            await anyio.sleep(interval)
            chunk = {"type": "http.response.body", "body": body[i : i + 1]}
            await send({**chunk, "more_body": i + 1 < len(body)})
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        tg.cancel_scope.cancel()


def _truncated(messages: list[Message]) -> list[Message]:
    """The captured response with its body cut in half (and a matching length)."""
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    cut = body[: len(body) // 2]
    start = next(m for m in messages if m["type"] == "http.response.start")
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(cut)).encode()))
    return [
        {**start, "headers": headers},
        {"type": "http.response.body", "body": cut, "more_body": False},
    ]
