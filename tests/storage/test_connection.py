"""Connections, pragmas, migrations and the refusals of `open_database`."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import journey.storage.connection
from journey.storage.connection import (
    connect,
    create_private_file,
    data_version,
    open_database,
    read,
    schema_version,
    write,
)
from journey.storage.errors import (
    CorruptDatabase,
    DatabaseNotFound,
    InvalidValue,
    JourneyError,
    NotAJourneyDatabase,
    ReadOnlyDatabase,
    SchemaTooNew,
)
from journey.storage.schema import known_migrations

NOW = "2026-01-01T00:00:00.000+00:00"

# The contract of DESIGN.md: these tables with (at least) these columns.
CORE_TABLES = {
    "studies": {"id", "name", "description", "template", "created_at"},
    "stages": {"id", "study_id", "position", "name", "description"},
    "channels": {"id", "study_id", "name"},
    "prompts": {"study_id", "stage_id", "position", "lane", "text", "answer_type"},
    "participants": {"id", "study_id", "code", "segment", "consent_at"},
    "sessions": {
        "id",
        "study_id",
        "participant_id",
        "mode",
        "interviewer",
        "started_at",
        "ended_at",
        "status",
    },
    "entries": {
        "id",
        "session_id",
        "stage_id",
        "lane",
        "text",
        "channel_id",
        "emotion",
        "effort",
        "votes",
        "author",
        "created_at",
        "updated_at",
        "deleted_at",
    },
    "stage_progress": {"session_id", "stage_id", "outcome", "reason", "at"},
    "tags": {"id", "study_id", "name"},
    "entry_tags": {"entry_id", "tag_id"},
    "edits": {"entry_id", "field", "old", "new", "author", "at"},
    "drafts": {"session_id", "text"},
}


def pragmas(conn: sqlite3.Connection) -> dict[str, object]:
    return {
        name: conn.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }


def insert_study(db, name: str) -> None:
    db.execute(
        "INSERT INTO studies (id, name, template, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [f"id-{name}", name, "five-stage", NOW, NOW],
    )


def study_names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM studies ORDER BY name")]
    finally:
        conn.close()


def assert_one_line(error: BaseException) -> None:
    message = str(error)
    assert message.strip()
    assert "\n" not in message and "\r" not in message


# -- pragmas ----------------------------------------------------------------------


def test_read_write_connection_pragmas(db_path: Path) -> None:
    with connect(db_path) as db:
        values = pragmas(db.conn)
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2  # FULL
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000


def test_open_database_connection_pragmas(db_path: Path) -> None:
    with open_database(db_path) as db:
        values = pragmas(db.conn)
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000


def test_new_database_pragmas(tmp_path: Path) -> None:
    with open_database(tmp_path / "new.db", create=True) as db:
        values = pragmas(db.conn)
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000


@pytest.mark.parametrize("opener", ["connect", "open_database"])
def test_read_only_connection_pragmas(db_path: Path, opener: str) -> None:
    if opener == "connect":
        db = connect(db_path, read_only=True)
    else:
        db = open_database(db_path, read_only=True)
    with db:
        values = pragmas(db.conn)
    # WAL is a property of the file: a reader sees it without setting it.
    assert values["journal_mode"] == "wal"
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement that connections opened from now on send to SQLite."""
    sent: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(sent.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    return sent


def test_pragmas_are_set_explicitly(db_path: Path, statements: list[str]) -> None:
    # The values above may be this SQLite's defaults; journey must not rely on them.
    with connect(db_path) as db:
        assert "PRAGMA journal_mode = WAL" in statements
        assert "PRAGMA synchronous = FULL" in statements
        assert "PRAGMA foreign_keys = ON" in statements
        assert any(s.startswith("PRAGMA busy_timeout") for s in statements)
        statements.clear()
        with write(db):
            insert_study(db, "Traced")
        assert statements[0] == "BEGIN IMMEDIATE"
        assert statements[-1] == "COMMIT"


def test_read_only_pragmas_are_set_explicitly(db_path: Path, statements: list[str]) -> None:
    with connect(db_path, read_only=True):
        assert "PRAGMA foreign_keys = ON" in statements
        assert any(s.startswith("PRAGMA busy_timeout") for s in statements)
        # A reader must not try to change the journal mode of the file.
        assert not any(s.startswith("PRAGMA journal_mode =") for s in statements)


def test_foreign_keys_are_enforced(db_path: Path) -> None:
    with connect(db_path) as db, pytest.raises(sqlite3.IntegrityError):
        db.conn.execute(
            "INSERT INTO stages (id, study_id, position, name) VALUES ('s', 'no-such', 1, 'x')"
        )


# -- read-only --------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["connect", "open_database"])
def test_read_only_connection_refuses_writes(db_path: Path, opener: str) -> None:
    if opener == "connect":
        db = connect(db_path, read_only=True)
    else:
        db = open_database(db_path, read_only=True)
    with db:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.conn.execute(
                "INSERT INTO studies (id, name, template, created_at, updated_at) "
                "VALUES ('x', 'x', 't', 'n', 'n')"
            )
        with pytest.raises(ReadOnlyDatabase) as caught, write(db):
            insert_study(db, "Refused")
        assert_one_line(caught.value)
        assert not db.conn.in_transaction
    assert study_names(db_path) == []


def test_read_only_open_reads_committed_rows(db_path: Path) -> None:
    with open_database(db_path) as db, write(db):
        insert_study(db, "Kept")
    with open_database(db_path, read_only=True) as db:
        assert [r["name"] for r in db.query("SELECT name FROM studies")] == ["Kept"]


# -- file modes -------------------------------------------------------------------


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_files_are_private(tmp_path: Path, loose_umask) -> None:
    path = tmp_path / "new.db"
    db = open_database(path, create=True)
    try:
        with write(db):
            insert_study(db, "One")
        wal = path.with_name("new.db-wal")
        shm = path.with_name("new.db-shm")
        assert wal.exists() and shm.exists()
        assert mode_of(path) == 0o600
        assert mode_of(wal) == 0o600
        assert mode_of(shm) == 0o600
    finally:
        db.close()
    assert mode_of(path) == 0o600


def test_group_database_files(tmp_path: Path, loose_umask) -> None:
    path = tmp_path / "group.db"
    db = open_database(path, create=True, group=True)
    try:
        # umask 022 would have taken the group write bit: it must be back.
        assert mode_of(path) == 0o660
        assert mode_of(path.with_name("group.db-wal")) == 0o660
    finally:
        db.close()


def test_create_private_file_never_replaces(tmp_path: Path, loose_umask) -> None:
    path = tmp_path / "private"
    create_private_file(path)
    assert mode_of(path) == 0o600
    path.write_bytes(b"data")
    with pytest.raises(FileExistsError):
        create_private_file(path)
    assert path.read_bytes() == b"data"


# -- migrations -------------------------------------------------------------------


def test_migrations_create_core_tables(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    with open_database(path, create=True) as db:
        tables = set(db.table_names())
        for table, columns in CORE_TABLES.items():
            assert table in tables, table
            actual = {row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")}
            assert columns <= actual, (table, columns - actual)
        assert schema_version(db) == len(known_migrations()) >= 1
        applied = [
            row[0]
            for row in db.conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'journey'"
            )
        ]
        assert applied == known_migrations()


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    before = db_path.read_bytes()
    with open_database(db_path) as db:
        assert schema_version(db) == len(known_migrations())
        count = db.conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert count == len(known_migrations())
    assert db_path.read_bytes() == before


def test_primary_keys_are_text(db_path: Path) -> None:
    with open_database(db_path) as db:
        for table in ("studies", "sessions", "participants", "entries"):
            columns = {row[1]: row for row in db.conn.execute(f"PRAGMA table_info({table})")}
            assert columns["id"][2] == "TEXT" and columns["id"][5] == 1, table


def test_study_names_unique_case_insensitively(db_path: Path) -> None:
    with open_database(db_path) as db:
        with pytest.raises(sqlite3.IntegrityError):
            db.conn.execute(
                "INSERT INTO studies (id, name, template, created_at, updated_at) "
                "VALUES ('a', 'Same', 't', 'n', 'n'), ('b', 'same', 't', 'n', 'n')"
            )
        assert db.conn.execute("SELECT count(*) FROM studies").fetchone()[0] == 0


# -- open_database refusals ---------------------------------------------------------


def make_text_file(path: Path) -> None:
    path.write_text("name,answer\nP01,hello\n", encoding="utf-8")


def make_empty_file(path: Path) -> None:
    path.write_bytes(b"")


def make_short_sqlite_header(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")


def make_filled(path: Path) -> None:
    with open_database(path, create=True) as db, write(db):
        for n in range(50):
            insert_study(db, f"Study {n} " + "x" * 200)


def make_truncated(path: Path) -> None:
    make_filled(path)
    size = path.stat().st_size
    assert size > 8192
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


def make_unrelated(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('a shopping list')")
    conn.commit()
    conn.close()


def make_empty_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")
    conn.commit()
    conn.close()
    assert path.stat().st_size > 0


def make_other_migrations(path: Path) -> None:
    # sqlite-utils migrations of another tool: the table is there, journey's set is not.
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, "
        "name TEXT, applied_at TEXT)"
    )
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('other-tool', 'm001', 'then')"
    )
    conn.commit()
    conn.close()


def make_too_new(path: Path) -> None:
    open_database(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('journey', 'm999_from_the_future', 'later')"
    )
    conn.commit()
    conn.close()


REFUSALS: list[tuple[str, Callable[[Path], None], type[JourneyError]]] = [
    ("text file", make_text_file, NotAJourneyDatabase),
    ("empty file", make_empty_file, NotAJourneyDatabase),
    ("short sqlite header", make_short_sqlite_header, CorruptDatabase),
    ("truncated", make_truncated, CorruptDatabase),
    ("unrelated tables", make_unrelated, NotAJourneyDatabase),
    ("empty sqlite", make_empty_sqlite, NotAJourneyDatabase),
    ("other migration set", make_other_migrations, NotAJourneyDatabase),
    ("schema too new", make_too_new, SchemaTooNew),
]


@pytest.mark.parametrize("read_only", [False, True], ids=["rw", "ro"])
@pytest.mark.parametrize(("kind", "make", "expected"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_open_database_refuses_and_leaves_file(
    tmp_path: Path,
    kind: str,
    make: Callable[[Path], None],
    expected: type[JourneyError],
    read_only: bool,
) -> None:
    path = tmp_path / "target.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(expected) as caught:
        open_database(path, read_only=read_only)
    assert_one_line(caught.value)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before
    if expected is CorruptDatabase:
        assert "truncated" in str(caught.value)


def test_truncated_database_refused_even_with_create(tmp_path: Path) -> None:
    path = tmp_path / "target.db"
    make_truncated(path)
    before = path.read_bytes()
    with pytest.raises(CorruptDatabase):
        open_database(path, create=True)
    assert path.read_bytes() == before


def test_file_briefly_short_during_a_checkpoint_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process's checkpoint writes page 1 before it extends the file: the opener
    # looks again. The checkpoint finishes while the opener waits (its second look), in
    # place, as SQLite writes the pages: no timer racing the check.
    path = tmp_path / "target.db"
    make_filled(path)
    whole = path.read_bytes()
    half = len(whole) // 2
    with path.open("r+b") as handle:
        handle.truncate(half)
    waits: list[float] = []
    real_sleep = journey.storage.connection.time.sleep

    def checkpoint_finishes(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            with path.open("r+b") as handle:
                handle.seek(half)
                handle.write(whole[half:])
        real_sleep(0)

    monkeypatch.setattr(journey.storage.connection.time, "sleep", checkpoint_finishes)
    with open_database(path) as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert len(waits) == 3  # it looked again until the file was whole, then opened it


def test_file_that_stays_short_is_refused_after_the_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "target.db"
    make_filled(path)
    with path.open("r+b") as handle:
        handle.truncate(len(path.read_bytes()) // 2)
    before = path.read_bytes()
    clock = [0.0]
    monkeypatch.setattr(journey.storage.connection.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(
        journey.storage.connection.time,
        "sleep",
        lambda seconds: clock.__setitem__(0, clock[0] + seconds),
    )
    with pytest.raises(CorruptDatabase, match="truncated"):
        open_database(path)
    assert clock[0] >= journey.storage.connection.TRUNCATION_GRACE_SECONDS
    assert path.read_bytes() == before


def test_unrelated_database_refused_even_with_create(tmp_path: Path) -> None:
    path = tmp_path / "target.db"
    make_unrelated(path)
    before = path.read_bytes()
    with pytest.raises(NotAJourneyDatabase):
        open_database(path, create=True)
    assert path.read_bytes() == before


def test_empty_sqlite_with_create_becomes_journey_database(tmp_path: Path) -> None:
    path = tmp_path / "target.db"
    make_empty_sqlite(path)
    with open_database(path, create=True) as db:
        assert schema_version(db) == len(known_migrations())
        assert "entries" in db.table_names()


def test_missing_database_without_create(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    for read_only in (False, True):
        with pytest.raises(DatabaseNotFound) as caught:
            open_database(path, read_only=read_only)
        assert_one_line(caught.value)
        assert str(path) in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_database_read_only_with_create(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFound) as caught:
        open_database(tmp_path / "missing.db", read_only=True, create=True)
    assert_one_line(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_with_create(tmp_path: Path) -> None:
    path = tmp_path / "no-folder" / "journey.db"
    with pytest.raises(DatabaseNotFound) as caught:
        open_database(path, create=True)
    assert_one_line(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("create", [False, True])
def test_stray_wal_without_database(tmp_path: Path, create: bool) -> None:
    path = tmp_path / "journey.db"
    wal = tmp_path / "journey.db-wal"
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 28)
    before = wal.read_bytes()
    with pytest.raises(NotAJourneyDatabase) as caught:
        open_database(path, create=create)
    assert_one_line(caught.value)
    assert "journey.db-wal" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journey.db-wal"]
    assert wal.read_bytes() == before


def test_folder_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    with pytest.raises(NotAJourneyDatabase) as caught:
        open_database(folder)
    assert_one_line(caught.value)


def test_connect_to_missing_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFound):
        connect(tmp_path / "missing.db")
    assert list(tmp_path.iterdir()) == []


# -- write transactions --------------------------------------------------------------


def test_write_commits(db_path: Path) -> None:
    with open_database(db_path) as db:
        with write(db):
            assert db.conn.in_transaction
            insert_study(db, "Committed")
        assert not db.conn.in_transaction
    assert study_names(db_path) == ["Committed"]


def test_write_rolls_back_on_exception(db_path: Path) -> None:
    with open_database(db_path) as db:
        with pytest.raises(RuntimeError, match="boom"), write(db):
            insert_study(db, "Lost")
            raise RuntimeError("boom")
        assert not db.conn.in_transaction
        # The connection is usable again afterwards.
        with write(db):
            insert_study(db, "Kept")
    assert study_names(db_path) == ["Kept"]


def test_write_rolls_back_on_database_error(db_path: Path) -> None:
    with open_database(db_path) as db:
        with pytest.raises(InvalidValue) as caught, write(db):
            insert_study(db, "Lost")
            db.execute(
                "INSERT INTO stages (id, study_id, position, name) VALUES ('s', 'nope', 1, 'x')"
            )
        assert_one_line(caught.value)
        assert not db.conn.in_transaction
    assert study_names(db_path) == []


def test_write_takes_the_lock_at_begin(db_path: Path) -> None:
    # BEGIN IMMEDIATE: the write lock is held from the start, before any statement.
    with open_database(db_path) as first, open_database(db_path) as second:
        second.conn.execute("PRAGMA busy_timeout = 0")
        with write(first):
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                second.conn.execute("BEGIN IMMEDIATE")
            assert not second.conn.in_transaction


def test_concurrent_writer_waits_then_succeeds(db_path: Path) -> None:
    holding = threading.Event()
    failures: list[BaseException] = []

    def hold_the_lock() -> None:
        db = connect(db_path)  # a thread opens its own connection
        try:
            with write(db):
                insert_study(db, "First")
                holding.set()
                time.sleep(0.3)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            holding.set()
            db.close()

    second = connect(db_path)
    try:
        thread = threading.Thread(target=hold_the_lock)
        thread.start()
        assert holding.wait(5)
        started = time.monotonic()
        with write(second):
            insert_study(second, "Second")
        waited = time.monotonic() - started
        thread.join(5)
    finally:
        second.close()
    assert not failures
    assert waited >= 0.15  # it queued behind the first writer instead of failing
    assert study_names(db_path) == ["First", "Second"]


def test_read_ends_its_transaction(db_path: Path) -> None:
    with open_database(db_path) as db:
        with read(db):
            assert db.conn.in_transaction
            db.execute("SELECT count(*) FROM studies").fetchone()
        assert not db.conn.in_transaction


# -- data_version -----------------------------------------------------------------


def test_data_version_changes_after_another_commit(db_path: Path) -> None:
    with open_database(db_path, read_only=True) as watcher, open_database(db_path) as writer:
        first = data_version(watcher)
        assert data_version(watcher) == first  # nothing happened
        with write(writer):
            insert_study(writer, "New")
        second = data_version(watcher)
        assert second != first
        assert data_version(watcher) == second  # and nothing since


def test_data_version_ignores_rolled_back_writes(db_path: Path) -> None:
    with open_database(db_path) as watcher, open_database(db_path) as writer:
        first = data_version(watcher)
        with pytest.raises(RuntimeError), write(writer):
            insert_study(writer, "Never")
            raise RuntimeError
        assert data_version(watcher) == first
