"""Request validation shaped like the real FastAPI service's 422 ``detail`` list."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from starlette.requests import Request

from onepin.testing._problems import ValidationProblem
from onepin.testing._records import ALL_SCOPES

__all__ = ["Checker", "key_id", "read_body"]


def _detail(loc: list[str | int], type_: str, msg: str, value: object) -> dict[str, object]:
    return {"type": type_, "loc": loc, "msg": msg, "input": value}


class Checker:
    """Collects FastAPI-shaped validation errors, then raises them all at once."""

    def __init__(self) -> None:
        self.detail: list[dict[str, object]] = []

    def add(self, loc: list[str | int], type_: str, msg: str, value: object) -> None:
        """Record one error at ``loc``."""
        self.detail.append(_detail(loc, type_, msg, value))

    def raise_if_any(self) -> None:
        """Raise a ``ValidationProblem`` with every recorded error, if any."""
        if self.detail:
            raise ValidationProblem(self.detail)

    def query_int(self, request: Request, name: str, default: int, lo: int, hi: int | None) -> int:
        """The integer query parameter ``name`` in ``[lo, hi]``, or ``default`` if absent."""
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
        """A key name: a string of 1 to 120 characters."""
        if not isinstance(value, str):
            self.add(["body", "name"], "string_type", "Input should be a valid string", value)
        elif len(value) < 1:
            self.add(["body", "name"], "string_too_short", "Name must not be empty", value)
        elif len(value) > 120:
            self.add(
                ["body", "name"], "string_too_long", "Name must be at most 120 characters", value
            )

    def scopes(self, value: object) -> None:
        """A list of known scopes."""
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

    def key_type(self, value: object) -> None:
        """``key_type``: ``live`` (``test`` and ``public`` are reserved, as seed 002 says)."""
        if value != "live":
            self.add(
                ["body", "key_type"],
                "literal_error",
                "Input should be 'live' (test and public keys are reserved)",
                value,
            )

    def rate_limit(self, value: object) -> None:
        """``rate_limit_per_min``: null or an integer >= 1."""
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


async def read_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (``{}`` when empty), else a 422."""
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw) if raw else {}
    except msgspec.DecodeError:
        raise ValidationProblem(
            [_detail(["body", 0], "json_invalid", "JSON decode error", {})]
        ) from None
    if not isinstance(body, dict):
        raise ValidationProblem(
            [_detail(["body"], "model_attributes_type", "Input should be an object", body)]
        )
    return body


def key_id(request: Request) -> str:
    """The ``{key_id}`` path parameter as a canonical UUID, else a 422."""
    raw = str(request.path_params["key_id"])
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ValidationProblem(
            [_detail(["path", "key_id"], "uuid_parsing", "Input should be a valid UUID", raw)]
        ) from None
