"""The emulator's answers: JSON envelopes with ``meta``, and the error envelopes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.responses import Response

from onepin.testing._problems import Problem, ValidationProblem

__all__ = ["json_response", "meta", "problem_response"]

_encoder = msgspec.json.Encoder()


def meta() -> dict[str, str]:
    """A fresh ``meta`` object: a request id and the time."""
    return {
        "request_id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """``payload`` as JSON, with ``X-Request-Id`` when it carries a ``meta.request_id``."""
    body = _encoder.encode(payload)
    found = payload.get("meta") if isinstance(payload, dict) else None
    hdrs = dict(headers or {})
    if isinstance(found, dict) and "request_id" in found:
        hdrs["X-Request-Id"] = str(found["request_id"])
    return Response(body, status_code=status, media_type="application/json", headers=hdrs)


def problem_response(
    problem: Problem | ValidationProblem, headers: dict[str, str] | None = None
) -> Response:
    """The answer to a refused request, with ``headers`` (the rate-limit ones) kept."""
    if isinstance(problem, ValidationProblem):
        return json_response(422, {"detail": problem.detail}, headers)
    error: dict[str, Any] = {"code": problem.code, "message": problem.message}
    if problem.details is not None:
        error["details"] = problem.details
    payload = {"error": error, "meta": meta()}
    return json_response(problem.status, payload, {**(headers or {}), **problem.headers})
