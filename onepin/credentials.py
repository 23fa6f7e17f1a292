"""Credential resolution and the credentials file (``~/.onepin/credentials``).

Resolution order, highest first: an explicit key (``--api-key``, ``token=``),
the ``ONEPIN_API_KEY`` environment variable, then the ``[default]`` section of
the credentials file. The base URL resolves the same way (``ONEPIN_BASE_URL``,
the file's ``base_url``, then ``https://api.onepin.ai``).

The file is TOML, written with mode 0600 inside a 0700 directory, through a
temporary file, ``fsync`` and an atomic rename, under an exclusive lock, so an
interrupted or concurrent write never leaves it empty or half-written. A file
that group or others can read is refused on load.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from onepin._constants import DEFAULT_BASE_URL
from onepin._exceptions import OnePinConfigurationError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "PROFILE",
    "Credentials",
    "credentials_path",
    "display_path",
    "load_profile",
    "remove_profile",
    "resolve",
    "save_profile",
]

API_KEY_ENV = "ONEPIN_API_KEY"
BASE_URL_ENV = "ONEPIN_BASE_URL"
PROFILE = "default"

Source = Literal["explicit", "env", "file", "default"]


@dataclass(frozen=True)
class Credentials:
    """A resolved key and base URL, and where each came from. ``repr()`` hides the key."""

    api_key: str
    base_url: str
    api_key_source: Source
    base_url_source: Source
    path: Path

    def __repr__(self) -> str:
        return (
            f"Credentials(api_key=<redacted>, base_url={self.base_url!r}, "
            f"api_key_source={self.api_key_source!r}, base_url_source={self.base_url_source!r})"
        )


def credentials_path(home: str | os.PathLike[str] | None = None) -> Path:
    """``$HOME/.onepin/credentials`` (``home`` overrides ``$HOME``)."""
    base = Path(home) if home is not None else Path(os.environ.get("HOME") or Path.home())
    return base / ".onepin" / "credentials"


def display_path(path: Path) -> str:
    """``path`` with the home directory shown as ``~``."""
    home = os.environ.get("HOME") or str(Path.home())
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def _read_all(path: Path) -> dict[str, object]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise OnePinConfigurationError(
            f"Refusing to use {path}: it is readable by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}). Fix it with: chmod 600 {path}"
        )
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise OnePinConfigurationError(
            f"{path} is not valid TOML ({exc}). Fix it, or remove it and run `onepin login`."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc}") from None


def load_profile(path: Path | None = None) -> dict[str, str]:
    """The ``[default]`` section of the file, or ``{}`` when there is none."""
    path = path or credentials_path()
    section = _read_all(path).get(PROFILE, {})
    if not isinstance(section, dict):
        raise OnePinConfigurationError(f"{path}: [{PROFILE}] must be a table")
    out: dict[str, str] = {}
    for name in ("api_key", "base_url"):
        value = section.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise OnePinConfigurationError(f"{path}: [{PROFILE}] {name} must be a string")
        out[name] = value
    return out


def resolve(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Credentials:
    """Apply the resolution order; raise ``OnePinConfigurationError`` when no key is found."""
    env = os.environ if env is None else env
    path = path or credentials_path(env.get("HOME"))
    profile: dict[str, str] | None = None

    def first(explicit: str | None, env_name: str, field: str) -> tuple[str, Source] | None:
        """The first value found, explicit, then the environment, then the file."""
        nonlocal profile
        if explicit:
            return explicit, "explicit"
        if env.get(env_name):
            return env[env_name], "env"
        if profile is None:
            profile = load_profile(path)  # read only when needed, at most once
        if profile.get(field):
            return profile[field], "file"
        return None

    key = first(api_key, API_KEY_ENV, "api_key")
    if key is None:
        raise OnePinConfigurationError(
            f"No OnePin API key found: pass one explicitly, set {API_KEY_ENV}, "
            f"or run `onepin login` to save one in {display_path(path)}"
        )
    url = first(base_url, BASE_URL_ENV, "base_url") or (DEFAULT_BASE_URL, "default")
    return Credentials(key[0].strip(), url[0], key[1], url[1], path)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock next to the file, held while reading and rewriting it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: rename is still atomic
        yield
        return
    fd = os.open(directory / ".credentials.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ensure_dir(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot create {directory}: {exc.strerror}") from None


def _toml(data: Mapping[str, object]) -> str:
    lines: list[str] = []
    for name, section in data.items():
        if not isinstance(section, Mapping):
            continue
        if lines:
            lines.append("")
        lines.append(f"[{_toml_key(name)}]")
        for key, value in section.items():
            if isinstance(value, bool):
                rendered = "true" if value else "false"
            elif isinstance(value, int | float):
                rendered = repr(value)
            elif isinstance(value, str):
                rendered = json.dumps(value, ensure_ascii=False)
            else:
                continue
            lines.append(f"{_toml_key(key)} = {rendered}")
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _write_atomic(path: Path, text: str) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".credentials.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save_profile(api_key: str, base_url: str | None, path: Path | None = None) -> Path:
    """Write ``[default]`` atomically (0600 file, 0700 directory), keeping other sections."""
    path = path or credentials_path()
    _ensure_dir(path.parent)
    with _locked(path.parent):
        data = _read_all(path)
        section: dict[str, object] = {"api_key": api_key}
        if base_url:
            section["base_url"] = base_url
        data[PROFILE] = section
        try:
            _write_atomic(path, _toml(data))
        except OSError as exc:
            raise OnePinConfigurationError(f"Cannot write {path}: {exc.strerror}") from None
    return path


def remove_profile(path: Path | None = None) -> bool:
    """Remove ``[default]`` (other sections stay); return whether there was one."""
    path = path or credentials_path()
    if not path.exists():
        return False
    with _locked(path.parent):
        data = _read_all(path)
        if PROFILE not in data:
            return False
        del data[PROFILE]
        try:
            if any(isinstance(v, Mapping) for v in data.values()):
                _write_atomic(path, _toml(data))
            else:
                path.unlink()
        except OSError as exc:
            raise OnePinConfigurationError(f"Cannot write {path}: {exc.strerror}") from None
    return True
