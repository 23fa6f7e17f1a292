"""The API's endpoints, named once: for the routes, for faults aimed at one, for the log."""

from __future__ import annotations

import enum
import fnmatch
import functools
import re

__all__ = ["Endpoint", "path_matches"]


class Endpoint(enum.StrEnum):
    """Every endpoint of the contract, as ``"METHOD /path/{param}"``.

    Iterate the class to enumerate them. A member equals its string, so it keys
    the counters of :class:`~onepin.testing.RequestTally` directly.
    """

    WHOAMI = "GET /api/v1/auth/whoami"
    LIST_KEYS = "GET /api/v1/api-keys"
    CREATE_KEY = "POST /api/v1/api-keys"
    GET_KEY = "GET /api/v1/api-keys/{key_id}"
    UPDATE_KEY = "PATCH /api/v1/api-keys/{key_id}"
    DELETE_KEY = "DELETE /api/v1/api-keys/{key_id}"
    ROTATE_KEY = "PATCH /api/v1/api-keys/{key_id}/rotate"

    @property
    def method(self) -> str:
        """The HTTP method."""
        return self.value.partition(" ")[0]

    @property
    def path(self) -> str:
        """The path template, ``{key_id}`` standing for one path segment."""
        return self.value.partition(" ")[2]

    @classmethod
    def of(cls, method: str, path: str) -> Endpoint | None:
        """The endpoint that serves ``method path``, or None."""
        for endpoint in cls:
            if endpoint.method == method.upper() and path_matches(endpoint.path, path):
                return endpoint
        return None


@functools.lru_cache(maxsize=256)
def _template(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^/{}]*\}", pattern)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def path_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` matches ``pattern``, a path template or else a glob.

    In a template (``/api-keys/{key_id}``) a ``{name}`` is one path segment; in a
    glob (``/api-keys/*``) a ``*`` spans ``/`` too.
    """
    if "{" in pattern:
        return _template(pattern).fullmatch(path) is not None
    return fnmatch.fnmatchcase(path, pattern)
