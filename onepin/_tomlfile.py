"""A private TOML file (the credentials file): read with its mode, edited in place, safely.

``editing()`` hands out the parsed document (``tomlkit``, so comments, order and
every other key survive) and writes it back through a temporary file, ``fsync``
and an atomic rename, under an exclusive lock, with mode 0600 in a 0700
directory; a symbolic link is written through to its target. A file that group
or others can read is refused (``refuse_loose``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from onepin._exceptions import OnePinConfigurationError

if TYPE_CHECKING:
    import tomlkit

__all__ = ["LOOSE", "editing", "read_file", "refuse_loose"]

LOOSE = stat.S_IRWXG | stat.S_IRWXO
"""Permission bits that let group or others at a file."""


def read_file(path: Path) -> tuple[tomlkit.TOMLDocument, int] | None:
    """The parsed file and its permission bits, or ``None`` when there is no file."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "it is a directory")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc}") from None
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        raise OnePinConfigurationError(
            f"{path} is not valid TOML ({exc}). Fix it, or remove it and run `onepin login`."
        ) from None
    return doc, stat.S_IMODE(st.st_mode)


def refuse_loose(path: Path, mode: int) -> None:
    """Refuse a file whose ``mode`` lets group or others read it, naming the fix."""
    if mode & LOOSE:
        raise OnePinConfigurationError(
            f"Refusing to use {path}: it is readable by group or others "
            f"(mode {mode:04o}). Fix it with: chmod 600 {path}"
        )


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


@contextlib.contextmanager
def editing(path: Path) -> Iterator[tomlkit.TOMLDocument]:
    """The file's document to change in place; written back (or removed when empty) after."""
    import tomlkit

    _ensure_dir(path.parent)
    target = path.resolve() if path.is_symlink() else path  # write through a link
    with _locked(target.parent):
        read = read_file(target)
        doc = tomlkit.document() if read is None else read[0]
        if read is not None:
            refuse_loose(path, read[1])
        before = doc.as_string()
        yield doc
        text = doc.as_string()
        if read is not None and text == before:
            return
        try:
            if text.strip():
                _write_atomic(target, text)
            else:
                target.unlink(missing_ok=True)
        except OSError as exc:
            raise OnePinConfigurationError(f"Cannot write {path}: {exc.strerror}") from None
