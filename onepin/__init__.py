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

# The public names, each with the module it lives in: the one list. ``__all__``
# and the lazy imports below come from it; the TYPE_CHECKING block mirrors it for
# type checkers, which cannot run code (tests/test_public_api.py holds the two equal).
_HOMES: dict[str, tuple[str, ...]] = {
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
    "onepin._models": ("ApiKey", "CreatedApiKey", "KeyStatus", "RotatedApiKey", "Scope", "WhoAmI"),
    "onepin._pagination": ("KeyRange", "Page"),
    "onepin._types": ("NOT_GIVEN", "NotGiven"),
}

if TYPE_CHECKING:  # the mirror of _HOMES; ``X as X`` marks each name as re-exported
    from onepin._async import ApiKeysResource as ApiKeysResource
    from onepin._async import AuthResource as AuthResource
    from onepin._async import KeyIterator as KeyIterator
    from onepin._async import OnePinClient as OnePinClient
    from onepin._constants import DEFAULT_BASE_URL as DEFAULT_BASE_URL
    from onepin._exceptions import APIConnectionError as APIConnectionError
    from onepin._exceptions import APIResponseValidationError as APIResponseValidationError
    from onepin._exceptions import APIStatusError as APIStatusError
    from onepin._exceptions import APITimeoutError as APITimeoutError
    from onepin._exceptions import AuthenticationError as AuthenticationError
    from onepin._exceptions import BadRequestError as BadRequestError
    from onepin._exceptions import ConflictError as ConflictError
    from onepin._exceptions import ErrorDetail as ErrorDetail
    from onepin._exceptions import GoneError as GoneError
    from onepin._exceptions import InternalServerError as InternalServerError
    from onepin._exceptions import NotFoundError as NotFoundError
    from onepin._exceptions import OnePinConfigurationError as OnePinConfigurationError
    from onepin._exceptions import OnePinError as OnePinError
    from onepin._exceptions import PermissionDeniedError as PermissionDeniedError
    from onepin._exceptions import RateLimitError as RateLimitError
    from onepin._exceptions import SessionRequiredError as SessionRequiredError
    from onepin._exceptions import UnprocessableEntityError as UnprocessableEntityError
    from onepin._exceptions import UpgradeRequiredError as UpgradeRequiredError
    from onepin._models import ApiKey as ApiKey
    from onepin._models import CreatedApiKey as CreatedApiKey
    from onepin._models import KeyStatus as KeyStatus
    from onepin._models import RotatedApiKey as RotatedApiKey
    from onepin._models import Scope as Scope
    from onepin._models import WhoAmI as WhoAmI
    from onepin._pagination import KeyRange as KeyRange
    from onepin._pagination import Page as Page
    from onepin._types import NOT_GIVEN as NOT_GIVEN
    from onepin._types import NotGiven as NotGiven

_LAZY = {name: module for module, names in _HOMES.items() for name in names}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'onepin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
