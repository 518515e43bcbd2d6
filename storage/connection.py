"""Opening databases safely: validation before any write, pragmas on every connection.

`open_database` is the front door: it refuses files that are not journey
databases (or are damaged, or newer than this code) without changing a byte,
creates new files only when asked, and migrates. `connect` is the bare
connection with the pragmas of DESIGN.md, for a worker thread that needs its
own connection to a file already validated.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from journey.storage.errors import (
    CorruptDatabase,
    DatabaseBusy,
    DatabaseNotFound,
    DuplicateName,
    InvalidValue,
    JourneyError,
    NotAJourneyDatabase,
    ReadOnlyDatabase,
    SchemaTooNew,
    SchemaTooOld,
    StorageFull,
)
from journey.storage.files import DATABASE_SUFFIXES, kind_of, path_status
from journey.storage.schema import MIGRATION_SET, known_migrations, migrations

BUSY_TIMEOUT_MS = 10_000
# The TUI's own connection waits at most this long for a lock: its screen must never
# freeze. A save that meets a lock is retried by the screen, the line still in view.
UI_BUSY_TIMEOUT_MS = 100
SQLITE_MAGIC = b"SQLite format 3\x00"
FILE_MODE = 0o600
TRUNCATION_GRACE_SECONDS = 1.0
CREATOR_GRACE_SECONDS = 5.0
GROUP_FILE_MODE = 0o660


def now() -> str:
    """The current time as stored: ISO 8601 in UTC, millisecond precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_id() -> str:
    """Primary keys are UUID text, so databases from several laptops merge cleanly."""
    return str(uuid.uuid4())


def file_mode(group: bool = False) -> int:
    return GROUP_FILE_MODE if group else FILE_MODE


def create_private_file(path: Path, group: bool = False) -> None:
    """Create an empty file readable only by its owner (and group), never replacing one."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode(group))
    try:
        os.fchmod(fd, file_mode(group))  # the umask may have taken bits we asked for
    finally:
        os.close(fd)


def connect(
    path: str | Path, read_only: bool = False, *, busy_ms: int = BUSY_TIMEOUT_MS
) -> Database:
    """A connection with journey's pragmas, waiting up to `busy_ms` for a lock. The file
    must exist."""
    path = Path(path)
    try:
        # isolation_level=None: the driver never opens transactions behind our
        # back; writes open their own with BEGIN IMMEDIATE (see `write`).
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode={'ro' if read_only else 'rw'}",
            uri=True,
            isolation_level=None,
            timeout=busy_ms / 1000,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            # A 32 MiB page cache for writers: the map summaries are keyed by UUIDs, so
            # a bulk load touches pages all over their indexes and the 2 MiB default
            # thrashes. Readers keep the default: SQLite sizes sorts from it, and an
            # export's ORDER BY over a million rows would otherwise hold ~70 MiB.
            conn.execute("PRAGMA cache_size = -32768")
    except sqlite3.DatabaseError as error:
        raise _translate(error, path) from error
    return Database(conn)


@contextmanager
def write(db: Database) -> Iterator[Database]:
    """One write transaction, taken with BEGIN IMMEDIATE so concurrent writers queue
    on the busy timeout instead of failing with SQLITE_BUSY half-way."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as error:
        raise _translate(error, _db_path(db)) from error
    try:
        yield db
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        _rollback(conn)
        raise _translate(error, _db_path(db)) from error
    except BaseException:
        _rollback(conn)
        raise


@contextmanager
def read(db: Database) -> Iterator[Database]:
    """A consistent snapshot over several queries, ended at once so that an idle
    reader never holds a transaction open (which would starve checkpoints). Inside
    another snapshot it is part of that one."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    try:
        conn.execute("BEGIN")
        yield db
    except sqlite3.DatabaseError as error:
        raise _translate(error, _db_path(db)) from error
    finally:
        _rollback(conn)


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")


def _db_path(db: Database) -> Path:
    for row in db.conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return Path(row[2])
    return Path("?")


# What a UNIQUE constraint of each table guards, in words.
_UNIQUE_WORDS = {
    "studies": "study name",
    "stages": "stage name",
    "channels": "channel name",
    "tags": "tag name",
    "participants": "participant code",
}


def _translate(error: sqlite3.DatabaseError, path: Path) -> JourneyError:
    """A one-line, typed error for what SQLite reported."""
    message = str(error).lower()
    if isinstance(error, sqlite3.IntegrityError):
        if "unique" in message:
            taken = next(
                (what for table, what in _UNIQUE_WORDS.items() if f"{table}." in message),
                "name",
            )
            return DuplicateName(f"that {taken} is already taken ({error})")
        return InvalidValue(f"a value was refused by the database ({error})")
    if "locked" in message or "busy" in message:
        return DatabaseBusy(
            f"{path}: another program is writing to the database; nothing was saved, "
            "try again in a moment"
        )
    if "full" in message or "too big" in message:
        return StorageFull(f"{path}: the disk is full; nothing of this change was saved")
    if "disk i/o error" in message:
        return StorageFull(
            f"{path}: the disk refused the write (full, over a size limit, or failing); "
            "nothing of this change was saved"
        )
    if any(word in message for word in ("readonly", "read-only", "unable to open")):
        folder = unwritable_folder_message(path)
        if folder is not None:
            return ReadOnlyDatabase(folder)
    if "readonly" in message or "read-only" in message:
        return ReadOnlyDatabase(f"{path}: the database is read-only; nothing was saved")
    if "malformed" in message or "not a database" in message or "corrupt" in message:
        return CorruptDatabase(f"{path}: the database file is damaged ({error})")
    if "unable to open" in message:
        return DatabaseNotFound(f"{path}: cannot open the database file ({error})")
    return JourneyError(f"{path}: {error}")


def unwritable_folder_message(path: Path) -> str | None:
    """Why SQLite cannot open a readable database whose folder the user may not write,
    and what to do; None when that is not the case.

    A database in WAL mode is read through its `-shm` file, which SQLite makes beside it
    when nobody has the database open (and removes when the last one closes it). A
    reader who may not write the folder can read the database while those files exist,
    not otherwise; opening it `immutable` would be wrong on a live file."""
    try:
        folder = path.absolute().parent
        shm = path.with_name(path.name + "-shm")
        if not path.is_file() or not os.access(path, os.R_OK) or os.access(folder, os.W_OK):
            return None
        if shm.exists() and os.access(shm, os.R_OK):
            return None
    except (OSError, ValueError):
        return None
    return (
        f"{path}: cannot open the database: its folder {folder} is not writable for you, so "
        f"SQLite cannot create the {shm.name} file it needs beside a database in WAL mode; "
        "ask the owner to make the folder writable for you (for example by your group), or "
        "open a copy of the file"
    )


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def open_database(
    path: str | Path,
    *,
    read_only: bool = False,
    create: bool = False,
    group: bool = False,
    upgrade: bool = True,
    busy_ms: int = BUSY_TIMEOUT_MS,
) -> Database:
    """Open a journey database after checking, without writing, that it is one.

    `create` allows a missing file (or an empty SQLite database with no tables)
    to become a new journey database. Anything else that is not a sound journey
    database raises a typed error and leaves the file as it was. A database of
    an older schema is migrated first, also for a read-only open when the file
    is writable, unless `upgrade` is False (a strictly read-only open). The connection
    returned waits up to `busy_ms` for a lock (a migration, always the full timeout).
    """
    path = Path(path)
    status = path_status(path)
    if status is not None and not stat.S_ISDIR(status.st_mode) and kind_of(status.st_mode):
        # A FIFO would block the first read forever, a device would never end.
        raise NotAJourneyDatabase(
            f"{path}: is {kind_of(status.st_mode)}, not a regular file, so not a journey database"
        )
    if status is None:
        _refuse_companion_name(path)
        if wal_path(path).exists():
            raise NotAJourneyDatabase(
                f"{path}: there is a {wal_path(path).name} file but no database beside it; "
                "restore the database or move that file away"
            )
        if not create:
            raise DatabaseNotFound(
                f"{path}: no such database (create one with `journey --db {path} init`)"
            )
        if read_only:
            raise DatabaseNotFound(f"{path}: no such database to open read-only")
        try:
            create_private_file(path, group)
        except FileExistsError:
            # Another process created it this very moment (two `journey demo` started
            # together): give it the moment it needs to write the header, then open it.
            _wait_for_creator(path)
        except FileNotFoundError as error:
            raise DatabaseNotFound(f"{path}: the folder does not exist") from error
        except OSError as error:
            raise JourneyError(f"{path}: cannot create the database ({error.strerror})") from error
        else:
            _migrated(path).close()
            return connect(path, busy_ms=busy_ms)

    if create:
        _wait_for_creator(path)  # an empty file may be one another process is making
    _check_file(path)
    pending = _inspect(path, create=create)
    if pending and read_only and upgrade and os.access(path, os.W_OK):
        _migrated(path).close()
        pending = False
    if pending and read_only:
        raise SchemaTooOld(
            f"{path}: the database needs an upgrade that a read-only open cannot make; "
            "open it once with write access"
        )
    if read_only:
        return connect(path, read_only=True, busy_ms=busy_ms)
    if not os.access(path, os.W_OK):
        raise ReadOnlyDatabase(f"{path}: the file is not writable (open it read-only instead)")
    if pending:
        _migrated(path).close()
    return connect(path, busy_ms=busy_ms)


def _refuse_companion_name(path: Path) -> None:
    """A new database never takes the name of another one's -wal, -shm or -journal file,
    which SQLite would later treat as that database's own (and empty, or overwrite)."""
    for suffix in DATABASE_SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            owner = path.with_name(path.name[: -len(suffix)])
            if owner.is_file():
                raise NotAJourneyDatabase(
                    f"{path}: is the name of {owner.name}'s {suffix} file, not a journey "
                    "database; choose another name"
                )


def _wait_for_creator(path: Path) -> None:
    """Wait (a few seconds at most) until the file another process just created has a
    header; the checks that follow judge it as any other file."""
    deadline = time.monotonic() + CREATOR_GRACE_SECONDS
    while time.monotonic() < deadline and path.exists() and path.stat().st_size == 0:
        time.sleep(0.02)


def _migrated(path: Path) -> Database:
    db = connect(path)
    with write(db):
        migrations.apply(db)
    return db


def _check_file(path: Path) -> None:
    """Header checks that need no SQLite: not a file, empty, not SQLite, truncated."""
    if path.is_dir():
        raise NotAJourneyDatabase(f"{path}: is a folder, not a journey database")
    header, size = _header_and_size(path)
    if size == 0:
        raise NotAJourneyDatabase(f"{path}: the file is empty, not a journey database")
    if not header.startswith(SQLITE_MAGIC):
        raise NotAJourneyDatabase(f"{path}: not a SQLite database, so not a journey database")
    if len(header) < 100:
        raise CorruptDatabase(f"{path}: the database file is truncated")
    # A checkpoint by another process writes page 1 before it extends the file,
    # so a live database can look short for a moment: look again before judging.
    deadline = time.monotonic() + TRUNCATION_GRACE_SECONDS
    while (expected := _size_in_header(header)) > size:
        if time.monotonic() >= deadline:
            raise CorruptDatabase(
                f"{path}: the database file is truncated ({size} bytes, its header says {expected})"
            )
        time.sleep(0.02)
        header, size = _header_and_size(path)


def _header_and_size(path: Path) -> tuple[bytes, int]:
    try:
        # Without waiting: a FIFO put there meanwhile is refused, not waited on.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            status = os.fstat(fd)
            kind = kind_of(status.st_mode)
            if kind is not None:
                raise NotAJourneyDatabase(
                    f"{path}: is {kind}, not a regular file, so not a journey database"
                )
            header = handle.read(100)
            size = status.st_size
    except OSError as error:
        raise NotAJourneyDatabase(f"{path}: cannot read the file ({error.strerror})") from error
    return header, size


def _size_in_header(header: bytes) -> int:
    """The file size the header promises, or 0 when SQLite's rule says not to trust it."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    # The in-header page count is current only when these two counters agree.
    if header[24:28] != header[92:96]:
        return 0
    return page_size * page_count


def _inspect(path: Path, *, create: bool) -> bool:
    """Read-only look at the schema. Returns whether migrations are pending."""
    try:
        probe = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as error:
        raise _translate(error, path) from error
    try:
        tables = {
            row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            if create:
                return True
            raise NotAJourneyDatabase(
                f"{path}: an empty SQLite database, not a journey one "
                f"(make it one with `journey --db {path} init`)"
            )
        if migrations.migrations_table not in tables:
            raise NotAJourneyDatabase(f"{path}: a SQLite database, but not a journey database")
        applied = [
            row[0]
            for row in probe.execute(
                f"SELECT name FROM {migrations.migrations_table} "
                "WHERE migration_set = ? ORDER BY rowid",
                [MIGRATION_SET],
            )
        ]
    except sqlite3.DatabaseError as error:
        raise _translate(error, path) from error
    finally:
        probe.close()
    if not applied:
        raise NotAJourneyDatabase(f"{path}: a SQLite database, but not a journey database")
    known = known_migrations()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise SchemaTooNew(
            f"{path}: written by a newer journey (schema {len(applied)}, this one knows "
            f"{len(known)}: unknown migration {unknown[0]}); upgrade journey to open it"
        )
    return len(applied) < len(known)


def schema_version(db: Database) -> int:
    """How many of journey's migrations the database has."""
    return len(migrations.applied(db))


def readable_by_others(path: Path) -> bool:
    """Whether users outside the owner and group can read the file."""
    return bool(path.stat().st_mode & stat.S_IROTH)


def data_version(db: Database) -> int:
    """Changes whenever another connection commits; the cheap poll of live screens."""
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])
