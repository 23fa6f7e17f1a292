"""The async client, the source of truth from which ``onepin_sync`` is generated."""

from onepin._async._client import OnePinClient
from onepin._async._listing import KeyIterator
from onepin._async._resources import ApiKeysResource, AuthResource

__all__ = ["ApiKeysResource", "AuthResource", "KeyIterator", "OnePinClient"]
