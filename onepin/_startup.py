"""What start-up need not pay: trio, loaded by httpcore only because it is installed.

httpcore runs ``import trio`` when its synchronization module loads, whenever
trio is installed, although it uses trio only when it runs under trio: an
asyncio or blocking program pays that import (a large part of the time to its
first answer) for nothing. Before httpcore loads, :func:`defer_trio` puts in
``sys.modules`` a ``trio`` module that runs trio's own code at the first use of
any of its names: a program that runs trio loads it there, into that same
module object, which every importer shares; a program that never does, never
loads it.

The standard library's ``importlib.util.LazyLoader`` would load it at once:
``import trio`` itself reads ``trio.__spec__``, which that loader treats as a
use. Here only what ``import trio`` reads (``__spec__``) is answered without
loading.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types

__all__ = ["defer_trio"]

_load_lock = threading.RLock()
_loading: set[int] = set()
"""The modules whose code the thread holding ``_load_lock`` is running now."""
_UNLOADED = frozenset({"__spec__", "__name__", "__class__"})
"""What ``import trio`` reads of a module already imported; any other name loads it
(``__path__`` too: importing a submodule runs the package's own code first)."""


class _DeferredModule(types.ModuleType):
    """A module whose code runs at the first use of a name it defines.

    The module stays deferred until its code has run to the end: another thread
    that uses it meanwhile waits for the load, never sees it half-made; the
    module's own code (run by the loading thread) reads it as it grows.
    """

    def __getattribute__(self, name: str) -> object:
        if name in _UNLOADED:
            return types.ModuleType.__getattribute__(self, name)
        with _load_lock:
            if type(self) is _DeferredModule and id(self) not in _loading:
                spec = types.ModuleType.__getattribute__(self, "__spec__")
                _loading.add(id(self))
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(spec.name, None)  # the next import tries afresh
                    raise
                finally:
                    _loading.discard(id(self))
                object.__setattr__(self, "__class__", types.ModuleType)
        return types.ModuleType.__getattribute__(self, name)


def defer_trio() -> None:
    """Make trio load at its first use, unless it is loaded already or not installed."""
    if "trio" in sys.modules:
        return
    spec = importlib.util.find_spec("trio")
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _DeferredModule
    sys.modules["trio"] = module
