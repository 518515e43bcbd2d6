"""Typed errors of the storage layer.

Each carries a one-line message meant for the person at the terminal; the faces
print it as it is (CLI: one line and a non-zero exit; TUI: a notice).
"""

from __future__ import annotations


class JourneyError(Exception):
    """Base of every error journey reports to a person instead of a traceback."""


class DatabaseNotFound(JourneyError):
    """The path does not exist and this command does not create databases."""


class NotAJourneyDatabase(JourneyError):
    """The file exists but is not SQLite, is empty, or holds something else."""


class CorruptDatabase(NotAJourneyDatabase):
    """The file is SQLite but truncated or damaged."""


class SchemaTooNew(JourneyError):
    """The database was written by a newer journey than this one."""


class SchemaTooOld(JourneyError):
    """The database needs a migration but was opened read-only."""


class ReadOnlyDatabase(JourneyError):
    """A write was attempted on a database opened read-only or not writable."""


class DatabaseBusy(JourneyError):
    """Another process held the write lock for longer than the busy timeout."""


class StorageFull(JourneyError):
    """The disk (or a file-size limit) is full; nothing of the write was kept."""


class StudyNotFound(JourneyError):
    """No study of that name."""


class StudyNotChosen(JourneyError):
    """Several studies exist and the command needs one of them named."""


class DuplicateName(JourneyError):
    """A study, participant, channel or tag of that name already exists."""


class NotFound(JourneyError):
    """A session, entry or other row that was asked for does not exist."""


class InvalidValue(JourneyError):
    """A value outside its allowed range (emotion, effort, lane, outcome...)."""


class ConsentRequired(JourneyError):
    """The study requires consent and the participant has none recorded: nothing is saved
    for them until it is."""


class OutputIsDatabaseFile(JourneyError):
    """An output path that is the database or one of its own files (-wal, -shm, -journal):
    refused with or without --force."""


class TargetExists(JourneyError):
    """An output file exists, or appeared while the output was written, and --force was
    not given: nothing was replaced."""


class NotARegularFile(JourneyError):
    """An input (database, merge source, file to import) that is a FIFO, a device, a socket
    or a folder: refused at once rather than read forever."""


class InputTooLarge(JourneyError):
    """An input file over its documented size limit: refused before it is read."""
