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

__all__ = [
    "LOOSE",
    "MAX_BYTES",
    "InvalidFileError",
    "editing",
    "read_file",
    "refuse_loose",
    "set_aside",
]

LOOSE = stat.S_IRWXG | stat.S_IRWXO
"""Permission bits that let group or others at a file."""


MAX_BYTES = 1 << 20
"""The largest credentials file read (1 MiB): a bigger one is refused, not parsed for minutes."""


class InvalidFileError(OnePinConfigurationError):
    """The file is there but is not TOML in UTF-8: ``set_aside`` it to start a new one."""


def _read_bytes(path: Path) -> tuple[bytes, int] | None:
    """The bytes and permission bits of a regular file of at most ``MAX_BYTES``; never blocks."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise OnePinConfigurationError(f"Cannot read {path}: it is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise OnePinConfigurationError(
                f"Cannot read {path}: it is not a regular file (a pipe, socket or device)"
            )
        if st.st_size > MAX_BYTES:
            raise OnePinConfigurationError(
                f"Cannot read {path}: it is {st.st_size:,} bytes, and a credentials file "
                f"is at most {MAX_BYTES:,}"
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:  # it grew while being read
            chunks.clear()  # its secrets stay out of the traceback's locals
            raise OnePinConfigurationError(f"Cannot read {path}: it is over {MAX_BYTES:,} bytes")
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    return b"".join(chunks), stat.S_IMODE(st.st_mode)


def read_file(path: Path) -> tuple[tomlkit.TOMLDocument, int] | None:
    """The parsed file and its permission bits, or ``None`` when there is no file.

    A file that is not a regular file or is over ``MAX_BYTES`` raises
    ``OnePinConfigurationError`` naming it; one that is not UTF-8 or is not
    valid TOML (a duplicated key included), ``InvalidFileError``.
    """
    read = _read_bytes(path)
    if read is None:
        return None
    parsed, mode = _parsed(read[0]), read[1]
    del read  # the file's bytes (its secrets) stay out of the traceback's locals
    if isinstance(parsed, str):
        raise InvalidFileError(
            f"{path} {parsed}. Fix it, or run `onepin login --force`, "
            f"which sets it aside as {path.name}.bak and starts a new file."
        )
    return parsed, mode


def _parsed(data: bytes) -> tomlkit.TOMLDocument | str:
    """The document in ``data``, or what is wrong with it.

    An error is returned as text, not raised, so that no exception (nor its
    context, nor a frame of the parser) keeps the file's text alive.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"is not UTF-8 text (at byte {exc.start})"
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:  # ParseError, and KeyAlreadyPresent for a duplicated key
        return f"is not valid TOML ({exc})"


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


def set_aside(path: Path) -> Path:
    """Move an unusable file (a link's target) aside, 0600, so a new one can start.

    It becomes ``<name>.bak``, or ``<name>.bak.1``, ``.2``, ... when that is
    taken: an earlier backup is never overwritten.
    """
    target = path.resolve() if path.is_symlink() else path
    backup = target.with_name(target.name + ".bak")
    number = 0
    while backup.exists() or backup.is_symlink():
        number += 1
        backup = target.with_name(f"{target.name}.bak.{number}")
    try:
        os.chmod(target, 0o600)
        os.replace(target, backup)
    except OSError as exc:
        raise OnePinConfigurationError(f"Cannot move {target} aside: {exc.strerror}") from None
    return backup


@contextlib.contextmanager
def editing(path: Path, *, loose_ok: bool = False) -> Iterator[tomlkit.TOMLDocument]:
    """The file's document to change in place; written back (or removed when empty) after.

    The lock sits beside ``path`` (in the directory the CLI owns), also when
    ``path`` is a symbolic link. A link is written through to its target, and
    a link whose document becomes empty keeps its target as an empty file, so
    the link never dangles; a plain file that becomes empty is removed. A file
    group or others can read is refused unless ``loose_ok`` (removing a secret
    from it only makes it safer; the rewrite is 0600).
    """
    import tomlkit

    _ensure_dir(path.parent)
    with _locked(path.parent):
        linked = path.is_symlink()
        target = path.resolve() if linked else path  # write through a link
        read = read_file(target)
        if read is not None and not loose_ok and read[1] & LOOSE:
            mode = read[1]
            del read  # the secrets stay out of the traceback's locals
            refuse_loose(path, mode)
        doc = tomlkit.document() if read is None else read[0]
        before = doc.as_string()
        yield doc
        text = doc.as_string()
        if read is not None and text == before:
            return
        try:
            if text.strip() or linked:
                _write_atomic(target, text if text.strip() else "")
            else:
                target.unlink(missing_ok=True)
        except OSError as exc:
            raise OnePinConfigurationError(f"Cannot write {path}: {exc.strerror}") from None
