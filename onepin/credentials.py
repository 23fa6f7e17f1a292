"""Credential resolution and the credentials file (``~/.onepin/credentials``).

Resolution order, highest first: an explicit key (``--api-key``, ``token=``),
the ``ONEPIN_API_KEY`` environment variable, then a profile of the credentials
file: ``[default]``, or the one named by ``--profile`` / ``profile=`` /
``ONEPIN_PROFILE``. The base URL resolves the same way (``ONEPIN_BASE_URL``,
the profile's ``base_url``, then ``https://api.onepin.ai``).

The file is TOML, edited in place: only the chosen profile's ``api_key`` and
``base_url`` change, every comment, other key and other section stays as it
was. It is written with mode 0600 inside a 0700 directory, through a temporary
file, ``fsync`` and an atomic rename, under an exclusive lock, so an
interrupted or concurrent write never leaves it empty or half-written. A
symbolic link is written through to its target. A file that group or others
can read is refused on load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinConfigurationError
from onepin._tomlfile import LOOSE, editing, read_file, refuse_loose

if TYPE_CHECKING:
    import tomlkit

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "PROFILE",
    "PROFILE_ENV",
    "Credentials",
    "check_rewritable",
    "credentials_path",
    "display_path",
    "load_profile",
    "profile_name",
    "remove_profile",
    "resolve",
    "save_profile",
]

API_KEY_ENV = "ONEPIN_API_KEY"
BASE_URL_ENV = "ONEPIN_BASE_URL"
PROFILE_ENV = "ONEPIN_PROFILE"
PROFILE = "default"
"""The profile used when none is named."""

_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

Source = Literal["explicit", "env", "file", "default"]


@dataclass(frozen=True)
class Credentials:
    """A resolved key and base URL, and where each came from. ``repr()`` hides the key."""

    api_key: str
    base_url: str
    api_key_source: Source
    base_url_source: Source
    path: Path
    profile: str = PROFILE

    def __repr__(self) -> str:
        return (
            f"Credentials(api_key=<redacted>, base_url={self.base_url!r}, "
            f"api_key_source={self.api_key_source!r}, base_url_source={self.base_url_source!r}, "
            f"profile={self.profile!r})"
        )


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    if home == "":
        raise OnePinConfigurationError(
            "HOME is empty, so there is no place for ~/.onepin/credentials: "
            "set HOME to your home directory"
        )
    if home is not None:
        return Path(home)
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        raise OnePinConfigurationError(
            "No home directory found for ~/.onepin/credentials: set HOME"
        ) from None


def credentials_path(
    home: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> Path:
    """``$HOME/.onepin/credentials`` (``home`` overrides ``$HOME``); no home is an error."""
    base = Path(home) if home is not None else _home(os.environ if env is None else env)
    return base / ".onepin" / "credentials"


def display_path(path: Path, *, env: Mapping[str, str] | None = None) -> str:
    """``path`` with a real home directory shown as ``~``; else the path as it is."""
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


def profile_name(profile: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The profile to use: ``profile``, else ``ONEPIN_PROFILE``, else ``default``; checked."""
    env = os.environ if env is None else env
    name = profile if profile is not None else env.get(PROFILE_ENV) or PROFILE
    if not _PROFILE_NAME.fullmatch(name):
        raise OnePinConfigurationError(
            f"Bad profile name {name!r}: a profile name is 1 to 64 letters, digits, '-' or '_'"
        )
    return name


def _section(doc: tomlkit.TOMLDocument, profile: str, path: Path) -> dict[str, str]:
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
    """The ``api_key`` and ``base_url`` of a profile (``[default]``), or ``{}`` when absent."""
    path = path or credentials_path()
    name = profile_name(profile, {})
    read = read_file(path)
    if read is None:
        return {}
    doc, mode = read
    refuse_loose(path, mode)
    return _section(doc, name, path)


def resolve(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    profile: str | None = None,
) -> Credentials:
    """Apply the resolution order; raise ``OnePinConfigurationError`` when no key is found."""
    env = os.environ if env is None else env
    name = profile_name(profile, env)
    path = path or credentials_path(env=env)
    saved: dict[str, str] | None = None

    def first(explicit: str | None, env_name: str, field: str) -> tuple[str, Source] | None:
        """The first value found, explicit, then the environment, then the file."""
        nonlocal saved
        if explicit:
            return explicit, "explicit"
        if env.get(env_name):
            return env[env_name], "env"
        if saved is None:
            saved = load_profile(path, name)  # read only when needed, at most once
        if saved.get(field):
            return saved[field], "file"
        return None

    key = first(api_key, API_KEY_ENV, "api_key")
    if key is None:
        login = "onepin login" if name == PROFILE else f"onepin login --profile {name}"
        raise OnePinConfigurationError(
            f"No OnePin API key found: pass one explicitly, set {API_KEY_ENV}, "
            f"or run `{login}` to save one in {display_path(path, env=env)}"
        )
    url = first(base_url, BASE_URL_ENV, "base_url") or (DEFAULT_BASE_URL, "default")
    return Credentials(key[0].strip(), url[0], key[1], url[1], path, name)


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

    path = path or credentials_path()
    name = profile_name(profile, {})
    with editing(path) as doc:
        section = doc.get(name)
        if not isinstance(section, dict):
            section = tomlkit.table()
            doc[name] = section
        section["api_key"] = api_key
        if base_url:
            section["base_url"] = base_url
        elif "base_url" in section:
            del section["base_url"]
    return path


def remove_profile(path: Path | None = None, *, profile: str | None = None) -> bool:
    """Remove a profile's section (all else stays); return whether there was one.

    The file is removed when nothing else is left in it.
    """
    path = path or credentials_path()
    name = profile_name(profile, {})
    if not path.exists():
        return False
    with editing(path) as doc:
        found = name in doc
        if found:
            del doc[name]
    return found
