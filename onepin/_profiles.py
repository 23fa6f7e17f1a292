"""The credentials file: where it is, and its profiles (read, saved, removed, made active).

``onepin.credentials`` re-exports every public name here; resolution lives
there. A profile is a table with an ``api_key`` (and maybe a ``base_url``);
the file's top-level ``active_profile = "NAME"`` names the one used when none
is named (``onepin auth switch``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from onepin._exceptions import OnePinConfigurationError
from onepin._secret import Secret
from onepin._tomlfile import LOOSE, editing, read_file, refuse_loose

if TYPE_CHECKING:
    import tomlkit

__all__ = [
    "ACTIVE_PROFILE",
    "PROFILE",
    "PROFILE_ENV",
    "PROFILE_NAME",
    "NoHomeError",
    "active_in",
    "active_profile",
    "check_profile",
    "check_rewritable",
    "chosen_profile",
    "credentials_path",
    "display_path",
    "list_profiles",
    "load_document",
    "load_profile",
    "profile_name",
    "remove_profile",
    "save_profile",
    "section_of",
    "set_active_profile",
]

PROFILE_ENV = "ONEPIN_PROFILE"
PROFILE = "default"
"""The profile used when none is named and none is active."""
ACTIVE_PROFILE = "active_profile"
"""The file's top-level key naming the profile used when none is named."""
PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A valid profile name."""


class NoHomeError(OnePinConfigurationError):
    """There is no home directory, so no credentials file: none can be read or saved."""


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    if home == "":
        raise NoHomeError(
            "HOME is empty, so there is no place for ~/.onepin/credentials: "
            "set HOME to your home directory"
        )
    if home is not None:
        return Path(home)
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        raise NoHomeError("No home directory found for ~/.onepin/credentials: set HOME") from None


def credentials_path(
    home: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> Path:
    """``$HOME/.onepin/credentials`` (``home`` overrides ``$HOME``); no home is an error."""
    base = Path(home) if home is not None else _home(os.environ if env is None else env)
    return base / ".onepin" / "credentials"


def display_path(path: Path | None, *, env: Mapping[str, str] | None = None) -> str:
    """``path`` with a real home directory shown as ``~``; else the path as it is.

    ``None`` (no home directory) is shown as ``~/.onepin/credentials``.
    """
    if path is None:
        return "~/.onepin/credentials"
    try:
        home = _home(os.environ if env is None else env)
    except OnePinConfigurationError:
        return str(path)
    if home == Path(home.anchor):  # "/" is no home to abbreviate
        return str(path)
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def check_profile(name: str) -> str:
    """``name`` if it is a valid profile name, else ``OnePinConfigurationError``."""
    if not PROFILE_NAME.fullmatch(name):
        raise OnePinConfigurationError(
            f"Bad profile name {name!r}: a profile name is 1 to 64 letters, digits, '-' or '_'"
        )
    return name


def active_in(doc: tomlkit.TOMLDocument | None) -> str | None:
    """The valid ``active_profile`` of a parsed file, if any."""
    value = None if doc is None else doc.get(ACTIVE_PROFILE)
    return str(value) if isinstance(value, str) and PROFILE_NAME.fullmatch(value) else None


def load_document(path: Path) -> tomlkit.TOMLDocument | None:
    """The parsed file (``None`` when absent); a file others can read is refused."""
    read = read_file(path)
    if read is None:
        return None
    doc, mode = read
    if mode & LOOSE:
        del read, doc  # the secrets stay out of the traceback's locals
        refuse_loose(path, mode)
    return doc


def chosen_profile(doc: tomlkit.TOMLDocument | None, checked: str | None) -> str:
    """The profile named (``check_profile`` already), else the file's active one, else default.

    Profile names are checked before a file is read: an error raised with a
    parsed file in a frame would keep its secrets in the traceback's locals.
    """
    return checked or active_in(doc) or PROFILE


def _checked(profile: str | None) -> str | None:
    """``profile`` checked, when one is named."""
    return None if profile is None else check_profile(profile)


def profile_name(
    profile: str | None = None, env: Mapping[str, str] | None = None, *, path: Path | None = None
) -> str:
    """The profile to use, checked.

    ``profile``, else ``ONEPIN_PROFILE``, else the file's active one (when
    ``path`` is given), else ``default``.
    """
    env = os.environ if env is None else env
    name = _checked(profile if profile is not None else env.get(PROFILE_ENV) or None)
    if name is None and path is not None:  # only a name is read: a loose file is no bar
        read = read_file(path)
        return chosen_profile(None if read is None else read[0], None)
    return name or PROFILE


def section_of(doc: tomlkit.TOMLDocument, profile: str, path: Path) -> dict[str, str]:
    """A profile's ``api_key`` and ``base_url`` (``{}`` when absent), type-checked."""
    section = doc.get(profile)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise OnePinConfigurationError(f"{path}: [{profile}] must be a table")
    out: dict[str, str] = {}
    for name in ("api_key", "base_url"):
        value = section.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise OnePinConfigurationError(f"{path}: [{profile}] {name} must be a string")
        out[name] = str(value)
    return out


def load_profile(path: Path | None = None, profile: str | None = None) -> dict[str, str]:
    """The ``api_key`` and ``base_url`` of a profile (the active one), or ``{}`` when absent."""
    path = path or credentials_path()
    checked = _checked(profile)
    doc = load_document(path)
    if doc is None:
        return {}
    return section_of(doc, chosen_profile(doc, checked), path)


def check_rewritable(path: Path, *, repair: bool = False) -> int | None:
    """Check, before any network call, that ``path`` can be rewritten.

    Raises ``OnePinConfigurationError`` for a file that cannot be read or is not
    valid TOML (or a directory in its place). Returns the permission bits of a
    file that group or others can read, else ``None``; with ``repair`` such a
    file is made 0600 first (its old bits are still returned).
    """
    read = read_file(path)
    if read is None or not read[1] & LOOSE:
        return None
    if repair:
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise OnePinConfigurationError(f"Cannot chmod 600 {path}: {exc.strerror}") from None
    return read[1]


def save_profile(
    api_key: str,
    base_url: str | None,
    path: Path | None = None,
    *,
    profile: str | None = None,
) -> Path:
    """Set a profile's ``api_key`` and ``base_url`` (none: removed), changing nothing else.

    Atomic and locked, 0600 file in a 0700 directory. A file that group or
    others can read is refused (see ``check_rewritable(repair=True)``).
    """
    import tomlkit

    api_key = Secret(api_key)  # this frame's local is masked if the write fails
    path = path or credentials_path()
    checked = _checked(profile)
    with editing(path) as doc:
        name = chosen_profile(doc, checked)
        section = doc.get(name)
        if not isinstance(section, dict):
            section = tomlkit.table()
            doc[name] = section
        section["api_key"] = str(api_key)
        if base_url:
            section["base_url"] = base_url
        elif "base_url" in section:
            del section["base_url"]
    return path


def remove_profile(path: Path | None = None, *, profile: str | None = None) -> bool:
    """Remove a profile's section (all else stays); return whether there was one.

    A removed active profile is no longer the active one (``default`` is again).

    The file is removed when nothing else is left in it; a symbolic link and
    its target stay, the target emptied, so the link never dangles. Removing
    a secret from a file that group or others can read is allowed (it makes
    the file safer); the caller may repair its mode with ``check_rewritable``.
    """
    path = path or credentials_path()
    checked = _checked(profile)
    if not path.exists():
        return False
    with editing(path, loose_ok=True) as doc:
        name = chosen_profile(doc, checked)
        found = name in doc
        if found:
            del doc[name]
        if active_in(doc) == name:  # default is the active one again
            doc.pop(ACTIVE_PROFILE, None)
    return found


def list_profiles(path: Path | None = None) -> list[tuple[str, dict[str, str]]]:
    """Every saved profile (a table with an ``api_key``) and its values, in file order."""
    path = path or credentials_path()
    doc = load_document(path)
    if doc is None:
        return []
    out = []
    for name, value in doc.items():
        if isinstance(value, dict) and PROFILE_NAME.fullmatch(name):
            saved = section_of(doc, name, path)
            if saved.get("api_key"):
                out.append((name, saved))
    return out


def active_profile(path: Path | None = None) -> str | None:
    """The profile ``onepin auth switch`` made active (the file's ``active_profile``), if any."""
    return active_in(load_document(path or credentials_path()))


def set_active_profile(profile: str, path: Path | None = None) -> None:
    """Make ``profile`` (saved) the one used when none is named; ``default`` clears the choice."""
    path = path or credentials_path()
    name = check_profile(profile)
    with editing(path) as doc:
        section = doc.get(name)
        saved = isinstance(section, dict) and bool(section.get("api_key"))
        if saved and name == PROFILE:
            doc.pop(ACTIVE_PROFILE, None)
        elif saved:
            doc[ACTIVE_PROFILE] = name
        del section, doc  # raised below, with no parsed file in this frame
    if not saved:
        raise OnePinConfigurationError(f"No profile [{name}] with a key in {display_path(path)}")
