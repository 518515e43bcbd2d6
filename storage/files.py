"""Files from outside and files journey writes: each rule written once, here.

Outputs (backups, exports, merge's list of renamed participants, merge's upgraded
copy of an older source):

- The database and its own files (`-wal`, `-shm`, `-journal`) are never outputs, with
  or without --force. A target is compared by resolved path (symlinks, `..`, another
  spelling of the folder; the name also case-folded), and by file identity when it
  exists (a hard link) (`refuse_database_files`).
- An output is written under a temporary name `.journey-tmp-<16 hex digits>` in its
  target's own folder, never in the shared /tmp, created 0600 (0660 with --group). Its
  writer holds a lock (`flock`) on it while it lives; the next command that makes a
  temporary file in that folder removes the ones whose writer is gone (killed), with
  their `-wal`, `-shm` or `-journal` (`private_temporary`, `sweep`).
- The last step never replaces a file without --force, even one that appeared while
  the output was being written: the temporary file is given the target's name with a
  hard link, which fails when the name exists (`link_no_replace`); with --force, a
  rename replaces it.

Inputs (databases, merge sources, files to import, mappings, templates) must be
regular files: a FIFO, a device or a socket is refused at once instead of being read
forever, and a file is read only up to a size limit (`read_input`; the database's own
check is in `storage.connection`, with `kind_of`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
from pathlib import Path

from journey.storage.errors import (
    InputTooLarge,
    InvalidValue,
    NotARegularFile,
    OutputIsDatabaseFile,
)

MAX_TOML_BYTES = 1_000_000  # templates and survey mappings: a few kilobytes in practice
TEMP_PREFIX = ".journey-tmp-"
DATABASE_SUFFIXES = ("-wal", "-shm", "-journal")
_TEMPORARY = re.compile(r"\.journey-tmp-[0-9a-f]{16}")
# Errors of a filesystem without hard links, where an exclusive create takes the name.
_NO_HARD_LINKS = {
    errno.EPERM,
    errno.ENOTSUP,
    errno.EOPNOTSUPP,
    errno.EXDEV,
    errno.EMLINK,
    errno.ENOSYS,
}


# --- the database's own files are never outputs ---------------------------------------------


def database_files(database: Path) -> list[tuple[str, Path]]:
    """The database and the files SQLite keeps beside it, by what they are. SQLite names
    them after the database's real path (a symbolic link followed), so both spellings."""
    files = []
    for base in dict.fromkeys([Path(database), Path(os.path.realpath(database))]):
        files.append(("the database itself", base))
        for suffix in DATABASE_SUFFIXES:
            files.append((f"the database's {suffix} file", Path(f"{base}{suffix}")))
    return files


def refuse_database_files(target: Path, database: Path | None) -> None:
    """Raise `OutputIsDatabaseFile` when `target` is the database or one of its files."""
    if database is None:
        return
    what = _database_file(Path(target), Path(database))
    if what is not None:
        raise OutputIsDatabaseFile(
            f"{target}: is {what}; choose another name (no command writes over the "
            "database's own files, even with --force)"
        )


def _database_file(target: Path, database: Path) -> str | None:
    real = os.path.realpath(target)
    folder, name = os.path.split(real)
    for what, own in database_files(database):
        own_real = os.path.realpath(own)
        own_folder, own_name = os.path.split(own_real)
        if real == own_real or _same_file(target, own):
            return what
        if name.casefold() == own_name.casefold() and (
            folder == own_folder or _same_file(Path(folder), Path(own_folder))
        ):
            return what  # the same name on a case-insensitive disk is the same file
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def path_status(path: Path) -> os.stat_result | None:
    """What is at a path now (following symlinks), None when nothing; a name that cannot
    be a file (too long, a part that is not a folder) is a one-line error."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise InvalidValue(f"{path}: {_path_problem(error)}") from None
    except ValueError:  # an embedded NUL
        raise InvalidValue(f"{str(path)!r}: not a possible file name") from None


def _path_problem(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long for a file; choose a shorter one"
    if error.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if error.errno == errno.ELOOP:
        return "too many symbolic links"
    return f"cannot use this path ({error.strerror})"


# --- temporary files beside their targets ----------------------------------------------------


class Temporary:
    """A private temporary file beside its target, locked while this process lives.

    `fd` is open for reading and writing; close it only through `release` (closing it
    ends the lock that tells `sweep` the file is in use)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    def identity(self) -> tuple[int, int]:
        status = os.fstat(self.fd)
        return status.st_dev, status.st_ino

    def owns(self, path: Path) -> bool:
        """Whether `path` is (still) this file: a name it was given, or its own."""
        try:
            status = os.lstat(path)
        except OSError:
            return False
        return (status.st_dev, status.st_ino) == self.identity()

    def release(self) -> None:
        """Remove the temporary name (when it is still ours) and end the lock."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            if self.owns(self.path):
                os.unlink(self.path)
        for suffix in DATABASE_SUFFIXES:
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
        os.close(self.fd)
        self.fd = -1

    def __enter__(self) -> Temporary:
        return self

    def __exit__(self, *_) -> None:
        self.release()


def private_temporary(folder: Path, mode: int) -> Temporary:
    """A new, empty temporary file in `folder`, created `mode` (0600, or 0660 for a team's
    group), after removing the temporary files there whose writers are gone.

    Raises OSError when the folder cannot take a file (the caller words it)."""
    sweep(folder)
    for _ in range(100):
        path = Path(folder) / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        flags = os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, mode)
        temporary = Temporary(path, fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.fchmod(fd, mode)  # the umask may have taken bits we asked for
            if temporary.owns(path):
                return temporary
            # `sweep` in another process took it for stale between create and lock
            os.close(fd)
        except BaseException:
            temporary.release()
            raise
    raise OSError(errno.EEXIST, "cannot make a temporary file", str(folder))


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files in `folder` whose writers are gone (killed mid-way):
    a file nobody holds the lock of. Returns what was removed; errors are skipped."""
    removed: list[Path] = []
    try:
        names = set(os.listdir(folder))
    except OSError:
        return removed
    for name in sorted(names):
        if not _TEMPORARY.fullmatch(name):
            continue
        path = Path(folder) / name
        if _remove_if_stale(path):
            removed.append(path)
    for name in sorted(names):  # companions (-wal, -shm) of a temporary file now gone
        base = next((name[: -len(s)] for s in DATABASE_SUFFIXES if name.endswith(s)), None)
        if base is None or not _TEMPORARY.fullmatch(base):
            continue
        path = Path(folder) / name
        if not os.path.lexists(Path(folder) / base) and _is_regular(path):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed


def _remove_if_stale(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # its writer is alive
        now = os.lstat(path)
        if (now.st_dev, now.st_ino) != (status.st_dev, status.st_ino):
            return False  # renamed into place, or replaced, meanwhile
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def link_no_replace(source: Path, target: Path) -> None:
    """Give the file at `source` the name `target` too, unless that name is taken
    (FileExistsError): a file that appeared meanwhile is never replaced.

    On a filesystem without hard links, an exclusive create takes the name first and the
    rename then replaces only that (`source` is gone afterwards)."""
    try:
        os.link(source, target, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    reserved = os.fstat(fd)
    os.close(fd)
    try:
        os.replace(source, target)
    except BaseException:
        with contextlib.suppress(OSError):  # give the name back, if it is still our empty file
            now = os.lstat(target)
            if (now.st_dev, now.st_ino) == (reserved.st_dev, reserved.st_ino):
                os.unlink(target)
        raise


# --- inputs ------------------------------------------------------------------------------------


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: Path, mode: int, what: str) -> NotARegularFile | None:
    """The error for an input that is not a regular file, or None when it is one."""
    kind = kind_of(mode)
    if kind is None:
        return None
    return NotARegularFile(f"{path}: is {kind}, not a regular file; {what} must be a file")


def read_input(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Opened without waiting (a FIFO would block until a writer came) and judged by the
    open file, so a file swapped meanwhile cannot slip through; reading stops after the
    limit even when the file grows. Raises `NotARegularFile`, `InputTooLarge`, or OSError
    (missing, unreadable, a folder) for the caller to word."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        error = not_regular(path, status.st_mode, what)
        if error is not None:
            raise error
        if status.st_size > limit:
            raise _too_large(path, limit, status.st_size)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_large(path, limit, None)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(path: Path, limit: int, size: int | None) -> InputTooLarge:
    has = f" ({size:,} bytes)" if size is not None else ""
    return InputTooLarge(f"{path}: the file is over the limit of {limit / 1_000_000:,g} MB{has}")
