"""The ``/_emulator/`` control API: faults, the request log, accounts, keys, latency.

Every call needs ``Authorization: Bearer <admin token>``; answers use the API's
envelopes. It lets a test drive an emulator that runs in another process.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onepin.testing._faults import Fault
from onepin.testing._problems import Problem, ValidationProblem
from onepin.testing._records import ALL_SCOPES
from onepin.testing._responses import json_response, meta, problem_response
from onepin.testing._state import EmulatorState
from onepin.testing._validation import read_body

__all__ = ["ADMIN", "AdminRoutes"]

ADMIN = "/_emulator"
"""Where the control API's paths start."""

_FAULT_FIELDS = frozenset(f.name for f in dataclasses.fields(Fault)) - {"hits"}


class AdminRoutes:
    """The control API over one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Every control route, for a Starlette router."""
        table: list[tuple[str, str, Callable[[dict[str, Any]], Any], int]] = [
            ("GET", "state", self._state, 200),
            ("POST", "faults", self._add_fault, 201),
            ("GET", "faults", self._faults, 200),
            ("DELETE", "faults", self._clear_faults, 200),
            ("GET", "requests", self._requests, 200),
            ("DELETE", "requests", self._clear_requests, 200),
            ("POST", "accounts", self._create_account, 201),
            ("POST", "keys", self._create_key, 201),
            ("POST", "seed", self._seed, 201),
            ("PUT", "latency", self._set_latency, 200),
        ]
        return [
            Route(f"{ADMIN}/{path}", self._endpoint(handler, status), methods=[method])
            for method, path, handler, status in table
        ]

    def _endpoint(
        self, handler: Callable[[dict[str, Any]], Any], status: int
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self._serve(request, handler, status)

        return endpoint

    async def _serve(
        self, request: Request, handler: Callable[[dict[str, Any]], Any], status: int
    ) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.encode(), self.state.admin_token.encode()
        ):
            denied = Problem(401, "INVALID_ADMIN_TOKEN", "The emulator's admin token is required")
            return problem_response(denied)
        try:
            body = await read_body(request) if request.method in ("POST", "PUT") else {}
            return json_response(status, {"data": handler(body), "meta": meta()})
        except (TypeError, ValueError, KeyError) as exc:
            return problem_response(Problem(422, "VALIDATION_ERROR", f"Bad admin request: {exc}"))
        except (Problem, ValidationProblem) as exc:
            return problem_response(exc)

    def _state(self, body: dict[str, Any]) -> Any:
        return self.state.bootstrap.to_json()

    def _faults(self, body: dict[str, Any]) -> Any:
        return [f.to_json() for f in self.state.faults.pending()]

    def _clear_faults(self, body: dict[str, Any]) -> Any:
        self.state.clear_faults()

    def _requests(self, body: dict[str, Any]) -> Any:
        return [r.to_json() for r in self.state.requests]

    def _clear_requests(self, body: dict[str, Any]) -> Any:
        self.state.clear_requests()

    def _create_account(self, body: dict[str, Any]) -> Any:
        return self.state.create_account(email=body.get("email")).to_json()

    def _add_fault(self, body: dict[str, Any]) -> Any:
        unknown = set(body) - _FAULT_FIELDS
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        ra = body.get("retry_after")
        fault = Fault(**{**body, "retry_after": None if ra is None else str(ra)})
        return self.state.inject(fault).to_json()

    def _create_key(self, body: dict[str, Any]) -> Any:
        return self.state.create_key(
            workspace_id=body.get("workspace_id"),
            name=str(body.get("name", "key")),
            scopes=body.get("scopes", ALL_SCOPES),
            rate_limit_per_min=body.get("rate_limit_per_min"),
        )

    def _seed(self, body: dict[str, Any]) -> Any:
        count = int(body["count"])
        seed = None if body.get("seed") is None else int(body["seed"])
        self.state.seed_keys(count, seed=seed, workspace_id=body.get("workspace_id"))
        return {"seeded": count}

    def _set_latency(self, body: dict[str, Any]) -> Any:
        self.state.latency = float(body["seconds"])
        return {"seconds": self.state.latency}
