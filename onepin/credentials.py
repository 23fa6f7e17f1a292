"""Credential resolution and the credentials file (``~/.onepin/credentials``).

Resolution order, highest first: an explicit key (``--api-key``, ``token=``),
the ``ONEPIN_API_KEY`` environment variable, then a profile of the credentials
file. A key and its server are resolved together: a key given explicitly or
by ``ONEPIN_API_KEY`` goes to the explicit base URL, else ``ONEPIN_BASE_URL``,
else ``https://api.onepin.ai``, never to a URL saved in the file, and the file
is not read at all (no home directory is needed). A key from the file goes to
the explicit URL, else ``ONEPIN_BASE_URL``, else the profile's ``base_url``.

The profile is the one named (``--profile`` / ``profile=``), else
``ONEPIN_PROFILE``, else the file's top-level ``active_profile`` (set by
``onepin auth switch``), else ``[default]``.

The file is TOML, edited in place: only the chosen profile's ``api_key`` and
``base_url`` change, every comment, other key and other section stays as it
was. It is written with mode 0600 inside a 0700 directory, through a temporary
file, ``fsync`` and an atomic rename, under an exclusive lock, so an
interrupted or concurrent write never leaves it empty or half-written. A
symbolic link is written through to its target. A file that group or others
can read is refused on load; so is one that is not a regular file or is over
1 MiB. Keys are held as ``Secret``: their ``repr()`` is masked.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinConfigurationError
from onepin._secret import Secret
from onepin._tomlfile import LOOSE, editing, read_file, refuse_loose

if TYPE_CHECKING:
    import tomlkit

__all__ = [
    "ACTIVE_PROFILE",
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "PROFILE",
    "PROFILE_ENV",
    "Credentials",
    "Inputs",
    "NoCredentialsError",
    "active_profile",
    "check_profile",
    "check_rewritable",
    "credentials_path",
    "display_path",
    "list_profiles",
    "load_profile",
    "profile_name",
    "remove_profile",
    "resolve",
    "resolve_inputs",
    "save_profile",
    "set_active_profile",
]

API_KEY_ENV = "ONEPIN_API_KEY"
BASE_URL_ENV = "ONEPIN_BASE_URL"
PROFILE_ENV = "ONEPIN_PROFILE"
PROFILE = "default"
"""The profile used when none is named and none is active."""
ACTIVE_PROFILE = "active_profile"
"""The file's top-level key naming the profile used when none is named."""

_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

Source = Literal["explicit", "env", "file", "default"]


class NoCredentialsError(OnePinConfigurationError):
    """No key was given, set in ``ONEPIN_API_KEY`` or saved in the chosen profile."""


@dataclass(frozen=True)
class Credentials:
    """A resolved key and base URL, and where each came from; the key is a masked ``Secret``.

    ``path`` is the credentials file, ``None`` when there is no home directory
    to put it in (a key from the flag or the environment needs no file).
    """

    api_key: str
    base_url: str
    api_key_source: Source
    base_url_source: Source
    path: Path | None = None
    profile: str = PROFILE

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, Secret):
            object.__setattr__(self, "api_key", Secret(self.api_key))


@dataclass(frozen=True)
class Inputs:
    """What resolution reads from the caller and the environment, taken once.

    Keys are held as ``Secret`` and nothing else of the environment is kept,
    so a frame that holds an ``Inputs`` shows no key in a traceback's locals.
    """

    api_key: Secret | None = None
    base_url: str | None = None
    env_api_key: Secret | None = None
    env_base_url: str | None = None
    env_profile: str | None = None
    home: str | None = None
    """``$HOME``, ``None`` when unset."""

    @classmethod
    def take(
        cls, api_key: str | None, base_url: str | None, env: Mapping[str, str] | None
    ) -> Inputs:
        """The inputs from an explicit key and URL and ``env`` (``os.environ`` by default)."""
        env = os.environ if env is None else env
        return cls(
            _secret(api_key),
            base_url or None,
            _secret(env.get(API_KEY_ENV)),
            env.get(BASE_URL_ENV) or None,
            env.get(PROFILE_ENV) or None,
            env.get("HOME"),
        )

    @property
    def environ(self) -> dict[str, str]:
        """The ``HOME`` entry of the environment, as the path helpers take it."""
        return {} if self.home is None else {"HOME": self.home}


def _secret(value: str | None) -> Secret | None:
    return Secret(value.strip()) if value and value.strip() else None


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
    if not _PROFILE_NAME.fullmatch(name):
        raise OnePinConfigurationError(
            f"Bad profile name {name!r}: a profile name is 1 to 64 letters, digits, '-' or '_'"
        )
    return name


def _active(doc: tomlkit.TOMLDocument | None) -> str | None:
    value = None if doc is None else doc.get(ACTIVE_PROFILE)
    return str(value) if isinstance(value, str) and _PROFILE_NAME.fullmatch(value) else None


def _load(path: Path) -> tomlkit.TOMLDocument | None:
    read = read_file(path)
    if read is None:
        return None
    refuse_loose(path, read[1])
    return read[0]


def profile_name(
    profile: str | None = None, env: Mapping[str, str] | None = None, *, path: Path | None = None
) -> str:
    """The profile to use, checked.

    ``profile``, else ``ONEPIN_PROFILE``, else the file's active one (when
    ``path`` is given), else ``default``.
    """
    env = os.environ if env is None else env
    name = profile if profile is not None else env.get(PROFILE_ENV) or None
    if name is None and path is not None:  # only a name is read: a loose file is no bar
        read = read_file(path)
        name = _active(None if read is None else read[0])
    return check_profile(name or PROFILE)


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
    """The ``api_key`` and ``base_url`` of a profile (the active one), or ``{}`` when absent."""
    path = path or credentials_path()
    doc = _load(path)
    if doc is None:
        return {}
    name = check_profile(profile if profile is not None else _active(doc) or PROFILE)
    return _section(doc, name, path)


def resolve(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    profile: str | None = None,
) -> Credentials:
    """Apply the resolution order; raise ``NoCredentialsError`` when no key is found.

    Other failures (a bad profile name, an unsafe or unreadable file) raise
    ``OnePinConfigurationError``.
    """
    inputs = Inputs.take(api_key, base_url, env)
    del api_key, env  # no local of this frame holds a key (or the environment) if it raises
    return resolve_inputs(inputs, path=path, profile=profile)


def resolve_inputs(
    inputs: Inputs, *, path: Path | None = None, profile: str | None = None
) -> Credentials:
    """``resolve()`` from ``Inputs`` already taken."""
    named = profile if profile is not None else inputs.env_profile
    if named is not None:
        check_profile(named)
    key = inputs.api_key or inputs.env_api_key
    if key is not None:  # the key's own source names its server: the file is not read
        source: Source = "explicit" if inputs.api_key else "env"
        url = inputs.base_url or inputs.env_base_url
        if path is None:
            with contextlib.suppress(OnePinConfigurationError):  # no home: no file, none needed
                path = credentials_path(env=inputs.environ)
        given: Source = _url_source(inputs) if url else "default"
        return Credentials(key, url or DEFAULT_BASE_URL, source, given, path, named or PROFILE)
    path = path or credentials_path(env=inputs.environ)
    doc = _load(path)
    name = check_profile(named or _active(doc) or PROFILE)
    saved = {} if doc is None else _section(doc, name, path)
    if not saved.get("api_key"):
        login = "onepin login" if name == PROFILE else f"onepin login --profile {name}"
        raise NoCredentialsError(
            f"No OnePin API key found: pass one explicitly, set {API_KEY_ENV}, "
            f"or run `{login}` to save one in {display_path(path, env=inputs.environ)}"
        )
    url = inputs.base_url or inputs.env_base_url
    if url:
        return Credentials(saved["api_key"], url, "file", _url_source(inputs), path, name)
    saved_url = saved.get("base_url")
    url_source: Source = "file" if saved_url else "default"
    return Credentials(
        saved["api_key"], saved_url or DEFAULT_BASE_URL, "file", url_source, path, name
    )


def _url_source(inputs: Inputs) -> Source:
    return "explicit" if inputs.base_url else "env"


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
    with editing(path) as doc:
        name = check_profile(profile if profile is not None else _active(doc) or PROFILE)
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

    The file is removed when nothing else is left in it; a symbolic link and
    its target stay, the target emptied, so the link never dangles. Removing
    a secret from a file that group or others can read is allowed (it makes
    the file safer); the caller may repair its mode with ``check_rewritable``.
    """
    path = path or credentials_path()
    if not path.exists():
        return False
    with editing(path, loose_ok=True) as doc:
        name = check_profile(profile if profile is not None else _active(doc) or PROFILE)
        found = name in doc
        if found:
            del doc[name]
    return found


def list_profiles(path: Path | None = None) -> list[tuple[str, dict[str, str]]]:
    """Every saved profile (a table with an ``api_key``) and its values, in file order."""
    path = path or credentials_path()
    doc = _load(path)
    if doc is None:
        return []
    out = []
    for name, value in doc.items():
        if isinstance(value, dict) and _PROFILE_NAME.fullmatch(name):
            saved = _section(doc, name, path)
            if saved.get("api_key"):
                out.append((name, saved))
    return out


def active_profile(path: Path | None = None) -> str | None:
    """The profile ``onepin auth switch`` made active (the file's ``active_profile``), if any."""
    return _active(_load(path or credentials_path()))


def set_active_profile(profile: str, path: Path | None = None) -> None:
    """Make ``profile`` (saved) the one used when none is named; ``default`` clears the choice."""
    path = path or credentials_path()
    name = check_profile(profile)
    with editing(path) as doc:
        section = doc.get(name)
        if not (isinstance(section, dict) and section.get("api_key")):
            where = display_path(path)
            raise OnePinConfigurationError(f"No profile [{name}] with a key in {where}")
        if name == PROFILE:
            doc.pop(ACTIVE_PROFILE, None)
        else:
            doc[ACTIVE_PROFILE] = name
