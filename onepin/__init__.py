"""OnePin: the async-first Python SDK of the OnePin API.

    from onepin import OnePinClient

    async with OnePinClient(token="op_live_...") as client:
        me = await client.auth.whoami()
        async for key in client.api_keys.list(status="all"):
            print(key.name)

The blocking twin with the same API is ``onepin_sync``; the local emulator of
the API for tests is ``onepin.testing``.

Names are imported on first use, so that ``import onepin`` (and the CLI's
``--help``) stays cheap; type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from onepin._version import __version__

if TYPE_CHECKING:
    from onepin._async import ApiKeysResource, AuthResource, KeyIterator, OnePinClient
    from onepin._constants import DEFAULT_BASE_URL
    from onepin._exceptions import (
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        ErrorDetail,
        GoneError,
        InternalServerError,
        NotFoundError,
        OnePinConfigurationError,
        OnePinError,
        PermissionDeniedError,
        RateLimitError,
        SessionRequiredError,
        UnprocessableEntityError,
        UpgradeRequiredError,
    )
    from onepin._models import ApiKey, CreatedApiKey, KeyStatus, RotatedApiKey, Scope, WhoAmI
    from onepin._pagination import KeyRange, Page
    from onepin._types import NOT_GIVEN, NotGiven

_HOMES = {
    "onepin._async": ("ApiKeysResource", "AuthResource", "KeyIterator", "OnePinClient"),
    "onepin._constants": ("DEFAULT_BASE_URL",),
    "onepin._exceptions": (
        "APIConnectionError",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "ErrorDetail",
        "GoneError",
        "InternalServerError",
        "NotFoundError",
        "OnePinConfigurationError",
        "OnePinError",
        "PermissionDeniedError",
        "RateLimitError",
        "SessionRequiredError",
        "UnprocessableEntityError",
        "UpgradeRequiredError",
    ),
    "onepin._models": (
        "ApiKey",
        "CreatedApiKey",
        "KeyStatus",
        "RotatedApiKey",
        "Scope",
        "WhoAmI",
    ),
    "onepin._pagination": ("KeyRange", "Page"),
    "onepin._types": ("NOT_GIVEN", "NotGiven"),
}
_LAZY = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "ApiKeysResource",
    "AuthResource",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreatedApiKey",
    "ErrorDetail",
    "GoneError",
    "InternalServerError",
    "KeyIterator",
    "KeyRange",
    "KeyStatus",
    "NotFoundError",
    "NotGiven",
    "OnePinClient",
    "OnePinConfigurationError",
    "OnePinError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RotatedApiKey",
    "Scope",
    "SessionRequiredError",
    "UnprocessableEntityError",
    "UpgradeRequiredError",
    "WhoAmI",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'onepin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
