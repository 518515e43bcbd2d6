"""Where an export goes: private files written whole or not at all, or standard output.

Files are written under a temporary name in the target folder, created 0600 (or
0660 for a team's group: exports hold personal data), and renamed over their
targets with `os.replace` only once every file of the export is complete and
synced, so an error, a full disk or Ctrl+C leaves no half file and no temporary
one. Whether a target exists is checked by `check_targets` before anything is
written.

A folder the export writes into (`--shape all --out DIR`) may be made by it, in an
existing folder only, mode 0700 (0770 for the group); when the export fails, the
folder it made is removed again with everything written into it, so no half-made
folder stays behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from exports.export_errors import BadExportOption, OutputExists, OutputFailed
from storage.connection import file_mode

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

    `new_folder` is a folder the export will make (its parent exists): targets
    in it are fine."""
    made = os.path.abspath(new_folder) if new_folder is not None else None
    for target in targets:
        if target.is_dir():
            raise BadExportOption(f"{target}: is a folder; give a file name")
        if not target.parent.is_dir() and os.path.abspath(target.parent) != made:
            raise BadExportOption(f"{target.parent}: no such folder")
        if protect is not None and target.exists() and _same_file(target, protect):
            raise BadExportOption(f"{target}: is the database itself; choose another name")
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExists(f"{existing[0]}: already exists{more}; use --force to replace it")
    if len(set(map(os.path.abspath, targets))) != len(targets):
        raise BadExportOption("two outputs of the export would be the same file")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class PrivateFiles:
    """Files of one export, written to temporary names and renamed together at the end.

    `with PrivateFiles() as files: stream = files.open(path)`; leaving the block
    normally commits every file, an exception removes every temporary file.
    With `folder`, that folder is made on entry if it does not exist (its parent
    must), and removed again with its files if the export fails.
    """

    def __init__(self, *, group: bool = False, folder: Path | None = None) -> None:
        self._mode = file_mode(group)
        self._folder_mode = folder_mode(group)
        self._folder = folder
        self._made_folder = False
        self._pending: list[tuple[Path, Path, TextIO]] = []
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
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as error:
            raise OutputFailed(f"{target}: cannot write here ({error.strerror})") from error
        temporary = Path(name)
        try:
            os.fchmod(fd, self._mode)
            stream = open(fd, "w", encoding=encoding, newline="")  # noqa: SIM115
        except BaseException:
            os.close(fd)
            temporary.unlink(missing_ok=True)
            raise
        self._pending.append((temporary, target, stream))
        return stream

    def commit(self) -> None:
        try:
            for _, _, stream in self._pending:
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()
            for temporary, target, _ in self._pending:
                os.replace(temporary, target)
                self._replaced.append(target)
        except OSError as error:
            target = self._pending[0][1] if self._pending else Path("?")
            self.discard()
            raise OutputFailed(f"{target}: cannot write the export ({error.strerror})") from error
        self._pending = []
        self._replaced = []
        self._made_folder = False  # complete: the folder is the export's now

    def discard(self) -> None:
        for temporary, _, stream in self._pending:
            with contextlib.suppress(OSError):
                stream.close()
            temporary.unlink(missing_ok=True)
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
        # The reader went away (`| head`): stop quietly, no traceback at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise OutputFailed("standard output was closed before the export ended") from None
    finally:
        with contextlib.suppress(ValueError):
            stream.detach()
