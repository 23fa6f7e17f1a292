"""OnePin: the async-first Python SDK of the OnePin API.

    from onepin import OnePinClient

    async with OnePinClient(token="op_live_...") as client:
        me = await client.auth.whoami()
        async for key in client.api_keys.list(status="all"):
            print(key.name)

The blocking twin with the same API is ``onepin_sync``; the local emulator of
the API for tests is ``onepin.testing``.
"""

from onepin._async import ApiKeysResource, AuthResource, KeyIterator, OnePinClient
from onepin._base import DEFAULT_BASE_URL, NOT_GIVEN, NotGiven
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
    UnprocessableEntityError,
    UpgradeRequiredError,
)
from onepin._models import ApiKey, CreatedApiKey, KeyStatus, Page, RotatedApiKey, Scope, WhoAmI
from onepin._version import __version__

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
    "UnprocessableEntityError",
    "UpgradeRequiredError",
    "WhoAmI",
    "__version__",
]
