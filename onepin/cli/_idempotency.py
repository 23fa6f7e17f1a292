"""``--idempotency-key`` (``-i``, as stripe has): a lost new secret comes back on a repeat.

A create or rotate whose answer is lost may have made a key whose secret
nobody saw. The CLI always sends an ``Idempotency-Key`` of its own choosing
(``--idempotency-key``, else a fresh one) and, when the outcome is unknown,
says how to repeat the command with it: the server then answers with what the
first call made instead of making another key.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from onepin.cli._errors import CliError, describe

__all__ = ["idempotency_option", "recoverable"]

F = TypeVar("F", bound=Callable[..., Any])


def _fresh(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    if value is not None and not value.strip():
        raise click.BadParameter("an idempotency key is not empty")
    return value.strip() if value is not None else f"onepin-cli-{uuid.uuid4()}"


def idempotency_option(f: F) -> F:
    """``--idempotency-key KEY`` / ``-i KEY``; the command gets a fresh key when none is given."""
    return click.option(
        "--idempotency-key",
        "-i",
        "idempotency_key",
        metavar="KEY",
        callback=_fresh,
        help="Send this Idempotency-Key: repeating a command whose answer was lost with the "
        "same KEY returns the key it made, secret included [default: a new one].",
    )(f)


@contextlib.contextmanager
def recoverable(key: str) -> Iterator[None]:
    """A lost answer inside the block says to repeat the command with ``--idempotency-key``."""
    from onepin import APITimeoutError, OnePinError
    from onepin.cli._context import settings

    try:
        yield
    except OnePinError as exc:
        if not getattr(exc, "outcome_unknown", False):
            raise
        failure = describe(exc)
        message = failure.message if failure is not None else str(exc)
        if isinstance(exc, APITimeoutError):  # worded as every --timeout failure is
            message = (
                f"The server did not answer within {settings().timeout:g}s (--timeout). "
                "It may or may not have been applied."
            )
        raise CliError(
            f"{message}\nTo get the key it made, if it did, repeat the same command with "
            f"--idempotency-key {key}",
            code="OUTCOME_UNKNOWN",
            request_id=getattr(exc, "request_id", None),
        ) from None
