"""The API endpoints of the contract: authenticate, rate-limit, validate, call the store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onepin._exceptions import SessionRequiredError
from onepin.testing._endpoints import Endpoint
from onepin.testing._idempotency import fingerprint
from onepin.testing._problems import Problem, ValidationProblem
from onepin.testing._records import DEFAULT_RATE_LIMIT, DEFAULT_SCOPES, Principal
from onepin.testing._requestlog import effects_of
from onepin.testing._responses import json_response, meta, problem_response
from onepin.testing._state import EmulatorState
from onepin.testing._validation import Checker, key_id, read_body

__all__ = ["KEY_MANAGEMENT_REFUSAL", "ApiRoutes"]

KEY_MANAGEMENT_REFUSAL = (
    "API keys cannot manage API keys: authenticate with a session token"
    " (sign in at https://app.onepin.ai)"
)
"""The message of the 403 an API key gets from the key endpoints in ``session`` key management."""

Handler = Callable[[Principal], Awaitable[tuple[int, dict[str, Any]]]]


def _page_link(request: Request, offset: int, limit: int) -> str:
    """An absolute link to another page of the same listing (other query parameters kept)."""
    url = request.url
    query = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    )
    base = f"{url.scheme}://{url.netloc}{url.path}?offset={offset}&limit={limit}"
    return f"{base}&{query}" if query else base


class ApiRoutes:
    """The ``/api/v1`` endpoints over one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.store = state.store

    def routes(self) -> list[Route]:
        """Every API route, for a Starlette router."""
        handlers = {
            Endpoint.WHOAMI: self.whoami,
            Endpoint.LIST_KEYS: self.list_keys,
            Endpoint.CREATE_KEY: self.create_key,
            Endpoint.GET_KEY: self.get_key,
            Endpoint.UPDATE_KEY: self.update_key,
            Endpoint.DELETE_KEY: self.delete_key,
            Endpoint.ROTATE_KEY: self.rotate_key,
        }
        return [Route(e.path, handler, methods=[e.method]) for e, handler in handlers.items()]

    async def _call(
        self,
        request: Request,
        handler: Handler,
        *,
        idempotent_body: bytes | None = None,
        manages_keys: bool = True,
    ) -> Response:
        """Authenticate, rate-limit, run ``handler`` and shape the answer or the error.

        With ``idempotent_body`` (the raw body of a create or rotate), an
        ``Idempotency-Key`` header replays the first answer to that key.
        ``manages_keys``: an ``/api-keys`` endpoint, which in ``session`` key
        management refuses API keys.
        """
        headers: dict[str, str] = {}
        try:
            principal = self.store.authenticate(
                request.headers.get("authorization"), request.headers.get("x-workspace-id")
            )
            if (
                manages_keys
                and principal.auth_kind == "api_key"
                and self.state.key_management == "session"
            ):
                raise Problem(403, SessionRequiredError.CODE, KEY_MANAGEMENT_REFUSAL)
            headers = self.store.rate_limit(principal)
            idem_key = request.headers.get("idempotency-key")
            if idempotent_body is None or not idem_key:
                status, envelope = await handler(principal)
                return json_response(status, {**envelope, "meta": meta()}, headers)
            print_ = fingerprint(request.method, request.url.path, idempotent_body)
            replay = self.state.idempotency.replay(principal, idem_key, print_)
            if replay is not None:
                headers["Idempotent-Replayed"] = "true"
                return Response(
                    replay[1], replay[0], headers=headers, media_type="application/json"
                )
            status, envelope = await handler(principal)
            response = json_response(status, {**envelope, "meta": meta()}, headers)
            self.state.idempotency.store(principal, idem_key, print_, status, bytes(response.body))
            return response
        except (Problem, ValidationProblem) as exc:
            return problem_response(exc, headers)

    async def whoami(self, request: Request) -> Response:
        """``GET /auth/whoami``."""

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            identity = self.store.whoami(p)
            if self.state.whoami_shape == "minimal":  # the official SDK 0.7.1's schema
                del identity["email"], identity["key_name"]
            return 200, {"data": identity}

        return await self._call(request, run, manages_keys=False)

    async def list_keys(self, request: Request) -> Response:
        """``GET /api-keys``: one page, with counted pagination and absolute links."""

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            check = Checker()
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
            if self.state.count_total:
                pagination["total"] = total
            return 200, {"data": rows, "pagination": pagination}

        return await self._call(request, run)

    async def create_key(self, request: Request) -> Response:
        """``POST /api-keys``: the secret is in this answer and nowhere else.

        An absent field and ``null`` differ: no ``scopes`` gives ``DEFAULT_SCOPES``
        and no ``rate_limit_per_min`` gives ``DEFAULT_RATE_LIMIT`` (seed 002's
        name-only create); ``null`` gives no scopes, or no limit.
        """
        raw = await request.body()

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            body = await read_body(request)
            check = Checker()
            if "name" not in body:
                check.add(["body", "name"], "missing", "Field required", body)
            else:
                check.name(body["name"])
            scopes = body["scopes"] if "scopes" in body else list(DEFAULT_SCOPES)
            if scopes is not None:
                check.scopes(scopes)
            limit = body.get("rate_limit_per_min", DEFAULT_RATE_LIMIT)
            check.rate_limit(limit)
            check.key_type(body.get("key_type", "live"))
            check.raise_if_any()
            row = self.store.create_key(
                p, name=body["name"], scopes=scopes or [], rate_limit_per_min=limit
            )
            effects_of(request.scope).created.append(row.id)
            return 201, {"data": row}

        return await self._call(request, run, idempotent_body=raw)

    async def get_key(self, request: Request) -> Response:
        """``GET /api-keys/{key_id}``."""

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            return 200, {"data": self.store.get_key(p, key_id(request))}

        return await self._call(request, run)

    async def update_key(self, request: Request) -> Response:
        """``PATCH /api-keys/{key_id}``: name, scopes, rate limit, active."""

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            target = key_id(request)
            body = await read_body(request)
            check = Checker()
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
            return 200, {"data": self.store.update_key(p, target, changes)}

        return await self._call(request, run)

    async def delete_key(self, request: Request) -> Response:
        """``DELETE /api-keys/{key_id}``: a soft revoke."""

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            target = key_id(request)
            with self.store.lock:  # revoking twice is no second side effect
                was_revoked = self.store.get_key(p, target).revoked_at is not None
                row = self.store.revoke_key(p, target)
            if not was_revoked:
                effects_of(request.scope).revoked.append(row.id)
            return 200, {"data": row}

        return await self._call(request, run)

    async def rotate_key(self, request: Request) -> Response:
        """``PATCH /api-keys/{key_id}/rotate``: revoke, and a successor with a new secret."""
        raw = await request.body()

        async def run(p: Principal) -> tuple[int, dict[str, Any]]:
            old, new = self.store.rotate_key(p, key_id(request))
            effects = effects_of(request.scope)
            effects.created.append(new.id)
            effects.revoked.append(old.id)
            return 200, {"data": {"old_key": old, "new_key": new}}

        return await self._call(request, run, idempotent_body=raw)
