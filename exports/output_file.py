"""Where an export goes: private files written whole or not at all, or standard output.

Files are written under a temporary name in the target folder (`.journey-tmp-*`, see
`storage.files`: created 0600, or 0660 for a team's group, since exports hold
personal data; left by a killed export, removed by the next command writing there) and
given their names only once every file of the export is complete and synced, so an
error, a full disk or Ctrl+C leaves no half file and no temporary one. Whether a
target exists is checked by `check_targets` before anything is written; without
--force the last step is a hard link, which never replaces a file, not even one that
appeared while the export was written. The database and its `-wal`, `-shm` and
`-journal` are never targets, with or without --force.

A folder the export writes into (`--shape all --out DIR`) may be made by it, in an
existing folder only, mode 0700 (0770 for the group); when the export fails, the
folder it made is removed again with everything written into it, so no half-made
folder stays behind.

Standard output closed by its reader (`journey export | head -1`) ends the export
quietly (a BrokenPipeError for the CLI, which exits 1 without a word); a full one
(`> /dev/full`) is one line.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from journey.exports.export_errors import BadExportOption, OutputExists, OutputFailed
from journey.storage.connection import file_mode
from journey.storage.errors import OutputIsDatabaseFile
from journey.storage.files import (
    Temporary,
    link_no_replace,
    path_status,
    private_temporary,
    refuse_database_files,
)

FOLDER_MODE = 0o700
GROUP_FOLDER_MODE = 0o770


def folder_mode(group: bool = False) -> int:
    return GROUP_FOLDER_MODE if group else FOLDER_MODE


def check_targets(
    targets: Sequence[Path],
    *,
    force: bool,
    protect: Path | None = None,
    new_folder: Path | None = None,
) -> None:
    """Refuse, before writing anything, targets that cannot or may not be written.

    `protect` is the database: neither it nor its own files are ever targets.
    `new_folder` is a folder the export will make (its parent exists): targets
    in it are fine."""
    made = os.path.abspath(new_folder) if new_folder is not None else None
    existing = []
    for target in targets:
        _refuse_database_files(target, protect)
        status = path_status(target)
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise BadExportOption(f"{target}: is a folder; give a file name")
        if not target.parent.is_dir() and os.path.abspath(target.parent) != made:
            raise BadExportOption(f"{target.parent}: no such folder")
        if status is not None:
            existing.append(target)
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExists(f"{existing[0]}: already exists{more}; use --force to replace it")
    if len(set(map(os.path.abspath, targets))) != len(targets):
        raise BadExportOption("two outputs of the export would be the same file")


def _refuse_database_files(target: Path, database: Path | None) -> None:
    try:
        refuse_database_files(target, database)
    except OutputIsDatabaseFile as error:
        raise BadExportOption(str(error)) from None


class PrivateFiles:
    """Files of one export, written to temporary names and renamed together at the end.

    `with PrivateFiles() as files: stream = files.open(path)`; leaving the block
    normally commits every file, an exception removes every temporary file.
    With `folder`, that folder is made on entry if it does not exist (its parent
    must), and removed again with its files if the export fails. Without `force`,
    committing never replaces a file (one that appeared meanwhile stops the commit,
    and the files already placed are taken back); `database` is never a target.
    """

    def __init__(
        self,
        *,
        group: bool = False,
        folder: Path | None = None,
        force: bool = False,
        database: Path | None = None,
    ) -> None:
        self._mode = file_mode(group)
        self._folder_mode = folder_mode(group)
        self._folder = folder
        self._force = force
        self._database = database
        self._made_folder = False
        self._pending: list[tuple[Temporary, Path, TextIO]] = []
        self._replaced: list[Path] = []

    def _make_folder(self, folder: Path) -> None:
        try:
            os.mkdir(folder, self._folder_mode)
        except FileExistsError:
            if folder.is_dir():  # made meanwhile, not by us: used, never removed
                return
            raise OutputFailed(f"{folder}: is not a folder") from None
        except OSError as error:
            raise OutputFailed(f"{folder}: cannot make the folder ({error.strerror})") from error
        self._made_folder = True
        try:
            os.chmod(folder, self._folder_mode)  # the umask may have taken bits we asked for
        except OSError as error:
            self._remove_folder()
            raise OutputFailed(f"{folder}: cannot make the folder ({error.strerror})") from error

    def _remove_folder(self) -> None:
        """Remove the folder this export made, with the files it renamed into it."""
        if not self._made_folder or self._folder is None:
            return
        for target in self._replaced:
            with contextlib.suppress(OSError):
                target.unlink()
        with contextlib.suppress(OSError):
            self._folder.rmdir()
        self._made_folder = False

    def open(self, target: Path, *, encoding: str = "utf-8") -> TextIO:
        _refuse_database_files(target, self._database)
        try:
            temporary = private_temporary(target.parent, self._mode)
        except OSError as error:
            raise OutputFailed(f"{target}: cannot write here ({error.strerror})") from error
        try:
            # A second descriptor for the stream: the temporary's own stays open, and
            # locked, until the file has its name.
            stream = open(os.dup(temporary.fd), "w", encoding=encoding, newline="")  # noqa: SIM115
        except BaseException:
            temporary.release()
            raise
        self._pending.append((temporary, target, stream))
        return stream

    def commit(self) -> None:
        target = self._pending[0][1] if self._pending else Path("?")
        placed: list[tuple[Temporary, Path]] = []
        try:
            for _, _, stream in self._pending:
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()
            for _, target, _ in self._pending:
                _refuse_database_files(target, self._database)  # the path may have changed
            for temporary, target, _ in self._pending:
                if self._force:
                    os.replace(temporary.path, target)
                else:
                    link_no_replace(temporary.path, target)
                placed.append((temporary, target))
                self._replaced.append(target)
        except FileExistsError:
            self._take_back(placed)
            self.discard()
            raise OutputExists(
                f"{target}: a file appeared there while the export was written; nothing was "
                "replaced (use --force to replace it)"
            ) from None
        except OSError as error:
            self._take_back(placed)
            self.discard()
            raise OutputFailed(f"{target}: cannot write the export ({error.strerror})") from error
        except BaseException:
            self._take_back(placed)
            self.discard()
            raise
        for temporary, _, _ in self._pending:
            temporary.release()
        self._pending = []
        self._replaced = []
        self._made_folder = False  # complete: the folder is the export's now

    def _take_back(self, placed: list[tuple[Temporary, Path]]) -> None:
        """Without --force, remove the files this commit had placed before it failed: an
        export is all of its files or none (with --force, what was replaced is gone)."""
        if self._force:
            return
        for temporary, target in placed:
            with contextlib.suppress(OSError):
                if temporary.owns(target):
                    target.unlink()
        self._replaced = [t for t in self._replaced if t not in {p for _, p in placed}]

    def discard(self) -> None:
        for temporary, _, stream in self._pending:
            with contextlib.suppress(OSError):
                stream.close()
            temporary.release()
        self._pending = []
        self._remove_folder()
        self._replaced = []

    def __enter__(self) -> PrivateFiles:
        if self._folder is not None:
            self._make_folder(self._folder)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
            return
        target = self._pending[0][1] if self._pending else "the export"
        self.discard()
        if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
            raise OutputFailed(f"{target}: cannot write the export ({error.strerror})") from error


@contextlib.contextmanager
def standard_output(*, encoding: str = "utf-8") -> Iterator[TextIO]:
    """Standard output as UTF-8 text with the line ends written as they are (CRLF in CSV)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout without bytes underneath
        yield sys.stdout
        sys.stdout.flush()
        return
    stream = io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=False)
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop, and let the CLI end quietly.
        silence_standard_output()
        raise
    except OSError as error:  # a full disk or device (`> /dev/full`)
        silence_standard_output()
        raise OutputFailed(f"standard output: cannot write the export ({error.strerror})") from None
    finally:
        with contextlib.suppress(ValueError):
            stream.detach()


def silence_standard_output() -> None:
    """Point standard output at the null device, so that what is still buffered for a
    closed or full one goes nowhere at exit instead of raising a second error there."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
