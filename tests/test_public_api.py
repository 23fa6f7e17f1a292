"""The public surface: ``__all__``, docstrings, and the sync twin's parity with the async core."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import onepin
import onepin_sync
from onepin import _async as async_core

_spec = importlib.util.spec_from_file_location(
    "unasync", Path(__file__).parent.parent / "scripts" / "unasync.py"
)
assert _spec is not None
assert _spec.loader is not None
unasync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(unasync)

EXPECTED = {
    "DEFAULT_BASE_URL", "NOT_GIVEN", "APIConnectionError", "APIResponseValidationError",
    "APIStatusError", "APITimeoutError", "ApiKey", "ApiKeysResource", "AuthResource",
    "AuthenticationError", "BadRequestError", "ConflictError", "CreatedApiKey", "ErrorDetail",
    "GoneError", "InternalServerError", "KeyIterator", "KeyRange", "KeyStatus", "NotFoundError",
    "NotGiven",
    "OnePinClient", "OnePinConfigurationError", "OnePinError", "Page", "PermissionDeniedError",
    "RateLimitError", "RotatedApiKey", "Scope", "SessionRequiredError", "UnprocessableEntityError",
    "UpgradeRequiredError", "WhoAmI", "__version__",
}  # fmt: skip


def test_all_is_the_documented_surface() -> None:
    assert set(onepin.__all__) == EXPECTED
    assert set(onepin_sync.__all__) == set(async_core.__all__)
    for name in onepin.__all__:
        assert hasattr(onepin, name), name


def _type_checking_imports() -> dict[str, set[str]]:
    """What the TYPE_CHECKING block of ``onepin/__init__.py`` imports, by module."""
    tree = ast.parse(Path(onepin.__file__).read_text(encoding="utf-8"))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    imports: dict[str, set[str]] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
        assert statement.module is not None
        for alias in statement.names:
            # ``X as X``: a type checker then counts X as re-exported by onepin
            assert alias.asname == alias.name, ast.unparse(statement)
            imports.setdefault(statement.module, set()).add(alias.name)
    return imports


def test_the_public_names_are_listed_once() -> None:
    homes = onepin._HOMES
    names = [name for module_names in homes.values() for name in module_names]
    assert len(names) == len(set(names)), "a name listed twice"
    # __all__ is built from the list, and type checkers see the same names, from the same homes
    assert onepin.__all__ == ["__version__", *sorted(names)]
    assert _type_checking_imports() == {module: set(n) for module, n in homes.items()}
    for module, module_names in homes.items():
        for name in module_names:
            assert getattr(onepin, name) is getattr(importlib.import_module(module), name)


def test_importing_onepin_imports_nothing_else() -> None:
    code = "import sys, onepin; print(sorted(m for m in sys.modules if m.startswith('onepin')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['onepin', 'onepin._version']"
    assert "OnePinError" in dir(onepin)


def test_every_public_name_is_documented() -> None:
    import onepin.credentials
    import onepin.testing

    for module in (onepin, onepin_sync, onepin.testing, onepin.credentials):
        assert inspect.getdoc(module), module.__name__
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                assert inspect.getdoc(obj), f"{module.__name__}.{name} has no docstring"
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not callable(member):
                        continue
                    assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def _public_members(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_")
        or name
        in {
            "__aenter__",
            "__aexit__",
            "__aiter__",
            "__anext__",
            "__enter__",
            "__exit__",
            "__iter__",
            "__next__",
        }
    }


ASYNC_TO_SYNC = {
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
}


def _normalise(text: str) -> str:
    for a, s in (
        ("AsyncClient", "Client"),
        ("AsyncIterator", "Iterator"),
        ("onepin._async", "onepin_sync"),
    ):
        text = text.replace(a, s)
    return text


def test_every_coroutine_has_a_blocking_mirror() -> None:
    for name in async_core.__all__:
        async_cls = getattr(async_core, name)
        sync_cls = getattr(onepin_sync, name)
        assert inspect.getdoc(sync_cls) == _normalise_doc(inspect.getdoc(async_cls))
        for attr, member in _public_members(async_cls).items():
            mirror_name = ASYNC_TO_SYNC.get(attr, attr)
            mirror = vars(sync_cls).get(mirror_name)
            assert mirror is not None, f"onepin_sync.{name}.{mirror_name} is missing"
            if isinstance(member, classmethod | staticmethod | property):
                assert type(member) is type(mirror)
                continue
            if not callable(member):
                continue
            if inspect.iscoroutinefunction(member):
                assert not inspect.iscoroutinefunction(mirror), f"{name}.{mirror_name} is async"
            a_sig = inspect.signature(member)
            s_sig = inspect.signature(mirror)
            assert list(a_sig.parameters) == list(s_sig.parameters), f"{name}.{attr}"
            for p in a_sig.parameters.values():
                q = s_sig.parameters[p.name]
                assert (p.kind, repr(p.default)) == (q.kind, repr(q.default)), (
                    f"{name}.{attr}({p.name})"
                )
                assert _normalise(str(p.annotation)) == str(q.annotation), (
                    f"{name}.{attr}({p.name})"
                )
            assert _normalise(str(a_sig.return_annotation)) == str(s_sig.return_annotation)
            assert inspect.getdoc(mirror) == _normalise_doc(inspect.getdoc(member))


def _normalise_doc(doc: str | None) -> str | None:
    """The docstring as the generator rewrites it."""
    if doc is None:
        return None
    rewritten: str = unasync.unasync_text(doc, [0] * unasync.RULE_COUNT)
    return rewritten
