"""The emulator's HTTP face: a Starlette app behind a thin ASGI layer.

The outer layer (``EmulatorASGI``) owns what is not API logic: global latency,
fault injection, the request log and the drop of a connection. The Starlette
routes validate like the real FastAPI service does and call the ``Store``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import anyio
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onepin.testing._faults import Fault, FaultPlan, LoggedRequest
from onepin.testing._store import ALL_SCOPES, Principal, Problem, Store, ValidationProblem

if TYPE_CHECKING:
    from onepin.testing import Emulator

__all__ = ["ConnectionDropped", "EmulatorASGI"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API = "/api/v1"
ADMIN = "/_emulator"
_LOGGED_HEADERS = (
    "authorization",
    "x-workspace-id",
    "idempotency-key",
    "x-onepin-retry-count",
    "user-agent",
    "content-type",
)
_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
_encoder = msgspec.json.Encoder()


class ConnectionDropped(Exception):
    """Raised in-process where a real server would close the socket."""


def _meta() -> dict[str, str]:
    return {
        "request_id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = _encoder.encode(payload)
    meta = payload.get("meta") if isinstance(payload, dict) else None
    hdrs = dict(headers or {})
    if isinstance(meta, dict) and "request_id" in meta:
        hdrs["X-Request-Id"] = str(meta["request_id"])
    return Response(body, status_code=status, media_type="application/json", headers=hdrs)


def _error(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return _json(status, {"error": error, "meta": _meta()}, headers)


def _redact_authorization(value: str) -> str:
    scheme, _, token = value.partition(" ")
    kind = "api_key" if token.startswith("op_live_") else "session" if token else "none"
    return f"{scheme} [redacted {kind}]"


# -- validation, shaped like FastAPI's ------------------------------------------


class _Checker:
    """Collects FastAPI-shaped validation errors."""

    def __init__(self) -> None:
        self.detail: list[dict[str, object]] = []

    def add(self, loc: list[str | int], type_: str, msg: str, value: object) -> None:
        self.detail.append({"type": type_, "loc": loc, "msg": msg, "input": value})

    def raise_if_any(self) -> None:
        if self.detail:
            raise ValidationProblem(self.detail)

    def query_int(self, request: Request, name: str, default: int, lo: int, hi: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.add(["query", name], "int_parsing", "Input should be a valid integer", raw)
            return default
        if value < lo:
            self.add(["query", name], "greater_than_equal", f"Input should be >= {lo}", raw)
        elif hi is not None and value > hi:
            self.add(["query", name], "less_than_equal", f"Input should be <= {hi}", raw)
        return value

    def name(self, value: object) -> None:
        if not isinstance(value, str):
            self.add(["body", "name"], "string_type", "Input should be a valid string", value)
        elif len(value) < 1:
            self.add(["body", "name"], "string_too_short", "Name must not be empty", value)
        elif len(value) > 120:
            self.add(
                ["body", "name"], "string_too_long", "Name must be at most 120 characters", value
            )

    def scopes(self, value: object) -> None:
        if not isinstance(value, list):
            self.add(["body", "scopes"], "list_type", "Input should be a valid list", value)
            return
        for i, scope in enumerate(value):
            if scope not in ALL_SCOPES:
                self.add(
                    ["body", "scopes", i],
                    "enum",
                    "Input should be one of: " + ", ".join(ALL_SCOPES),
                    scope,
                )

    def rate_limit(self, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(
                ["body", "rate_limit_per_min"], "int_type", "Input should be an integer", value
            )
        elif value < 1:
            self.add(
                ["body", "rate_limit_per_min"], "greater_than_equal", "Input should be >= 1", value
            )


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw) if raw else {}
    except msgspec.DecodeError:
        raise ValidationProblem(
            [{"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error", "input": {}}]
        ) from None
    if not isinstance(body, dict):
        raise ValidationProblem(
            [
                {
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be an object",
                    "input": body,
                }
            ]
        )
    return body


def _page_link(request: Request, offset: int, limit: int) -> str:
    """An absolute link to another page of the same listing (other query parameters kept)."""
    url = request.url
    query = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    )
    base = f"{url.scheme}://{url.netloc}{url.path}?offset={offset}&limit={limit}"
    return f"{base}&{query}" if query else base


def _key_id(request: Request) -> str:
    raw = str(request.path_params["key_id"])
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ValidationProblem(
            [
                {
                    "type": "uuid_parsing",
                    "loc": ["path", "key_id"],
                    "msg": "Input should be a valid UUID",
                    "input": raw,
                }
            ]
        ) from None


# -- the app ------------------------------------------------------------------


class EmulatorASGI:
    """The ASGI application of an :class:`~onepin.testing.Emulator`."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.store: Store = emulator.store
        self.faults: FaultPlan = emulator.faults
        self._routes = Starlette(
            routes=[
                Route(f"{API}/auth/whoami", self.whoami, methods=["GET"]),
                Route(f"{API}/api-keys", self.list_keys, methods=["GET"]),
                Route(f"{API}/api-keys", self.create_key, methods=["POST"]),
                Route(f"{API}/api-keys/{{key_id}}", self.get_key, methods=["GET"]),
                Route(f"{API}/api-keys/{{key_id}}", self.update_key, methods=["PATCH"]),
                Route(f"{API}/api-keys/{{key_id}}", self.delete_key, methods=["DELETE"]),
                Route(f"{API}/api-keys/{{key_id}}/rotate", self.rotate_key, methods=["PATCH"]),
                Route(f"{ADMIN}/state", self.admin_state, methods=["GET"]),
                Route(f"{ADMIN}/faults", self.admin_add_fault, methods=["POST"]),
                Route(f"{ADMIN}/faults", self.admin_faults, methods=["GET"]),
                Route(f"{ADMIN}/faults", self.admin_clear_faults, methods=["DELETE"]),
                Route(f"{ADMIN}/requests", self.admin_requests, methods=["GET"]),
                Route(f"{ADMIN}/requests", self.admin_clear_requests, methods=["DELETE"]),
                Route(f"{ADMIN}/accounts", self.admin_account, methods=["POST"]),
                Route(f"{ADMIN}/keys", self.admin_key, methods=["POST"]),
                Route(f"{ADMIN}/seed", self.admin_seed, methods=["POST"]),
                Route(f"{ADMIN}/latency", self.admin_latency, methods=["PUT"]),
            ],
            exception_handlers={404: self._not_found, 405: self._not_allowed},
        )

    # The outer ASGI layer: latency, faults, log, dropped connections.
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        path: str = scope["path"]
        admin = path.startswith(ADMIN)
        fault = None if admin else self.faults.take(method, path)
        status: int | None = None
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            captured.append(message)

        delay = self.emulator.latency if not admin else 0.0
        if fault is not None:
            delay += fault.delay
        if delay > 0:
            await anyio.sleep(delay)
        if fault is None or fault.kind == "latency":
            await self._routes(scope, receive, capture)
        elif fault.kind == "drop":
            self._log(scope, None, fault)
            self._drop(send)
            return
        elif fault.kind == "status":
            await self._fault_response(fault)(scope, receive, capture)
        elif fault.kind == "html_502":
            await Response(_HTML_502, 502, media_type="text/html")(scope, receive, capture)
        elif fault.kind == "commit_then_fail":
            await self._routes(scope, receive, _discard)
            await _error(500, "INTERNAL_ERROR", "Internal server error")(scope, receive, capture)
        else:  # truncate
            await self._routes(scope, receive, capture)
            captured[:] = _truncated(captured)
        # Logged before the answer leaves, so a client that got it finds it in the log.
        if not admin:
            self._log(scope, status, fault)
        for message in captured:
            await send(message)

    def _log(self, scope: Scope, status: int | None, fault: Fault | None) -> None:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in _LOGGED_HEADERS:
                value = raw_value.decode("latin-1")
                headers[name] = _redact_authorization(value) if name == "authorization" else value
        query = dict(
            pair.split("=", 1) if "=" in pair else (pair, "")
            for pair in scope["query_string"].decode("latin-1").split("&")
            if pair
        )
        self.emulator._record(
            LoggedRequest(
                method=scope["method"],
                path=scope["path"],
                query=query,
                status=status,
                headers=headers,
                fault=fault.kind if fault else None,
            )
        )

    @staticmethod
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

    @staticmethod
    def _fault_response(fault: Fault) -> Response:
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.body is None:
            return _error(fault.status, "INJECTED_FAULT", f"Injected {fault.status}", None, headers)
        if isinstance(fault.body, bytes | str):
            content = fault.body.encode() if isinstance(fault.body, str) else fault.body
            return Response(content, fault.status, headers=headers, media_type="text/plain")
        return _json(fault.status, fault.body, headers)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return _error(404, "NOT_FOUND", "Not found")

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return _error(405, "METHOD_NOT_ALLOWED", "Method not allowed")

    # -- API endpoints ----------------------------------------------------------

    async def _call(
        self,
        request: Request,
        handler: Callable[[Principal], Awaitable[tuple[int, dict[str, Any]]]],
        *,
        idempotent_body: bytes | None = None,
    ) -> Response:
        """Authenticate, rate-limit, run ``handler`` and shape the answer or the error."""
        headers: dict[str, str] = {}
        try:
            principal = self.store.authenticate(
                request.headers.get("authorization"), request.headers.get("x-workspace-id")
            )
            headers = self.store.rate_limit(principal)
            idem_key = request.headers.get("idempotency-key")
            if idempotent_body is not None and idem_key:
                fingerprint = hashlib.sha256(
                    request.method.encode() + request.url.path.encode() + idempotent_body
                ).digest()
                replay = self.store.idempotent_replay(principal, idem_key, fingerprint)
                if replay is not None:
                    headers["Idempotent-Replayed"] = "true"
                    return Response(
                        replay[1], replay[0], headers=headers, media_type="application/json"
                    )
                status, envelope = await handler(principal)
                response = _json(status, {**envelope, "meta": _meta()}, headers)
                self.store.idempotent_store(
                    principal, idem_key, fingerprint, status, bytes(response.body)
                )
                return response
            status, envelope = await handler(principal)
            return _json(status, {**envelope, "meta": _meta()}, headers)
        except Problem as exc:
            return _error(
                exc.status, exc.code, exc.message, exc.details, {**headers, **exc.headers}
            )
        except ValidationProblem as exc:
            return _json(422, {"detail": exc.detail}, headers)

    async def whoami(self, request: Request) -> Response:
        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            return 200, {"data": self.store.whoami(p)}

        return await self._call(request, run)

    async def list_keys(self, request: Request) -> Response:
        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            check = _Checker()
            offset = check.query_int(request, "offset", 0, 0, None)
            limit = check.query_int(request, "limit", 50, 1, 100)
            status = request.query_params.get("status", "active")
            if status not in ("active", "revoked", "all"):
                check.add(
                    ["query", "status"], "enum", "Input should be active, revoked or all", status
                )
            check.raise_if_any()
            rows, total = self.store.list_keys(p, offset=offset, limit=limit, status=status)
            nxt = _page_link(request, offset + limit, limit) if offset + limit < total else None
            prev = _page_link(request, max(0, offset - limit), limit) if offset > 0 else None
            pagination: dict[str, object] = {"limit": limit, "next": nxt, "prev": prev}
            if self.emulator.count_total:
                pagination["total"] = total
            return 200, {"data": rows, "pagination": pagination}

        return await self._call(request, run)

    async def create_key(self, request: Request) -> Response:
        raw = await request.body()

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            body = await _body(request)
            check = _Checker()
            if "name" not in body:
                check.add(["body", "name"], "missing", "Field required", body)
            else:
                check.name(body["name"])
            scopes = body.get("scopes")
            if scopes is not None:
                check.scopes(scopes)
            check.rate_limit(body.get("rate_limit_per_min"))
            key_type = body.get("key_type", "live")
            if not isinstance(key_type, str):
                check.add(["body", "key_type"], "string_type", "Input should be a string", key_type)
            check.raise_if_any()
            row = self.store.create_key(
                p,
                name=body["name"],
                scopes=scopes,
                rate_limit_per_min=body.get("rate_limit_per_min"),
                key_type=key_type,
            )
            return 201, {"data": row}

        return await self._call(request, run, idempotent_body=raw)

    async def get_key(self, request: Request) -> Response:
        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            return 200, {"data": self.store.get_key(p, _key_id(request))}

        return await self._call(request, run)

    async def update_key(self, request: Request) -> Response:
        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            key_id = _key_id(request)
            body = await _body(request)
            check = _Checker()
            changes: dict[str, object] = {}
            if "name" in body:
                check.name(body["name"])
                changes["name"] = body["name"]
            if "scopes" in body:
                check.scopes(body["scopes"])
                changes["scopes"] = body["scopes"]
            if "rate_limit_per_min" in body:
                check.rate_limit(body["rate_limit_per_min"])
                changes["rate_limit_per_min"] = body["rate_limit_per_min"]
            if "active" in body:
                if not isinstance(body["active"], bool):
                    check.add(
                        ["body", "active"], "bool_type", "Input should be a boolean", body["active"]
                    )
                changes["active"] = body["active"]
            check.raise_if_any()
            return 200, {"data": self.store.update_key(p, key_id, changes)}

        return await self._call(request, run)

    async def delete_key(self, request: Request) -> Response:
        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            return 200, {"data": self.store.revoke_key(p, _key_id(request))}

        return await self._call(request, run)

    async def rotate_key(self, request: Request) -> Response:
        raw = await request.body()

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            old, new = self.store.rotate_key(p, _key_id(request))
            return 200, {"data": {"old_key": old, "new_key": new}}

        return await self._call(request, run, idempotent_body=raw)

    # -- admin endpoints --------------------------------------------------------

    def _admin_denied(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(
            token.encode(), self.emulator.admin_token.encode()
        ):
            return None
        return _error(401, "INVALID_ADMIN_TOKEN", "The emulator's admin token is required")

    async def _admin(
        self, request: Request, handler: Callable[[dict[str, Any]], Any], status: int = 200
    ) -> Response:
        denied = self._admin_denied(request)
        if denied is not None:
            return denied
        try:
            body = await _body(request) if request.method in ("POST", "PUT") else {}
            return _json(status, {"data": handler(body), "meta": _meta()})
        except (TypeError, ValueError, KeyError) as exc:
            return _error(422, "VALIDATION_ERROR", f"Bad admin request: {exc}")
        except Problem as exc:
            return _error(exc.status, exc.code, exc.message, exc.details)
        except ValidationProblem as exc:
            return _json(422, {"detail": exc.detail})

    async def admin_state(self, request: Request) -> Response:
        return await self._admin(request, lambda _: self.emulator.bootstrap.to_json())

    async def admin_add_fault(self, request: Request) -> Response:
        def add(body: dict[str, Any]) -> Any:
            allowed = {
                "kind",
                "method",
                "path",
                "times",
                "delay",
                "status",
                "body",
                "retry_after",
                "headers",
            }
            unknown = set(body) - allowed
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)}")
            ra = body.get("retry_after")
            fault = Fault(**{**body, "retry_after": None if ra is None else str(ra)})
            self.faults.add(fault)
            return fault.to_json()

        return await self._admin(request, add, 201)

    async def admin_faults(self, request: Request) -> Response:
        return await self._admin(request, lambda _: [f.to_json() for f in self.faults.pending()])

    async def admin_clear_faults(self, request: Request) -> Response:
        return await self._admin(request, lambda _: self.faults.clear())

    async def admin_requests(self, request: Request) -> Response:
        return await self._admin(request, lambda _: [r.to_json() for r in self.emulator.requests])

    async def admin_clear_requests(self, request: Request) -> Response:
        return await self._admin(request, lambda _: self.emulator.clear_requests())

    async def admin_account(self, request: Request) -> Response:
        return await self._admin(
            request, lambda b: self.emulator.create_account(email=b.get("email")).to_json(), 201
        )

    async def admin_key(self, request: Request) -> Response:
        def create(body: dict[str, Any]) -> Any:
            return self.emulator.create_key(
                workspace_id=body.get("workspace_id"),
                name=str(body.get("name", "key")),
                scopes=body.get("scopes", ALL_SCOPES),
                rate_limit_per_min=body.get("rate_limit_per_min"),
            )

        return await self._admin(request, create, 201)

    async def admin_seed(self, request: Request) -> Response:
        def seed(body: dict[str, Any]) -> Any:
            count = int(body["count"])
            self.emulator.seed_keys(count, workspace_id=body.get("workspace_id"))
            return {"seeded": count}

        return await self._admin(request, seed, 201)

    async def admin_latency(self, request: Request) -> Response:
        def set_latency(body: dict[str, Any]) -> Any:
            self.emulator.latency = float(body["seconds"])
            return {"seconds": self.emulator.latency}

        return await self._admin(request, set_latency)


async def _discard(message: Message) -> None:
    return None


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
