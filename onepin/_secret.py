"""``Secret``: an API key or session token that is a ``str`` to use but never shows itself.

Objects that keep a key (``Credentials``, the CLI's settings) hold it as a
``Secret``: it is sent, compared and formatted as the plain string it is, but
``repr()`` (and so ``vars()``, rich's pretty printer and ``rich.inspect``,
traceback locals, logs of containers) shows only a masked preview, and it
refuses to be pickled.
"""

from __future__ import annotations

from typing import Any, NoReturn

from onepin._constants import KEY_PREFIX

__all__ = ["Secret", "mask"]

_SHOWN = 4
"""Trailing characters a preview keeps, enough to tell two keys apart."""


def mask(secret: str) -> str:
    """A preview of ``secret``: its ``op_live_`` prefix and last 4 characters (``op_live_…x7Qa``).

    A secret too short to keep 4 characters hidden shows no character of its own.
    """
    prefix = KEY_PREFIX if secret.startswith(KEY_PREFIX) else ""
    rest = len(secret) - len(prefix)
    tail = secret[-_SHOWN:] if rest >= 4 * _SHOWN else ""
    return f"{prefix}…{tail}"


class Secret(str):
    """A key or token: a ``str`` for every use, whose ``repr()`` shows only ``mask()``."""

    __slots__ = ()

    @property
    def preview(self) -> str:
        """The masked preview (see ``mask``)."""
        return mask(self)

    def __repr__(self) -> str:
        return f"Secret({mask(self)!r})"

    def __rich_repr__(self) -> Any:
        yield mask(self)

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret is not picklable: it would write the key in clear")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: Any) -> Secret:
        return self
