"""`check` (integrity, foreign keys, file mode) and `backup` (VACUUM INTO, 0600, atomic)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from journey.storage.connection import open_database, write
from journey.storage.errors import JourneyError, StorageFull
from journey.storage.maintenance import backup, check
from journey.storage.schema import known_migrations

TABLES = (
    "studies",
    "stages",
    "channels",
    "prompts",
    "participants",
    "sessions",
    "entries",
    "stage_progress",
    "tags",
    "entry_tags",
    "edits",
    "drafts",
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def contents(path: Path) -> dict[str, list[tuple]]:
    with open_database(path, read_only=True) as db:
        return {
            table: sorted(tuple(r) for r in db.execute(f"SELECT * FROM {table}"))
            for table in TABLES
        }


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- check ------------------------------------------------------------------------------


def test_check_sound_database(demo_db: Path) -> None:
    with open_database(demo_db) as db:
        report = check(db, demo_db)
    assert report.sound
    assert report.integrity == ["ok"]
    assert report.foreign_key_problems == 0
    assert report.schema == report.schema_known == len(known_migrations())
    assert report.mode == 0o600
    assert report.warnings == []
    assert report.path == demo_db


def test_check_world_readable_file(demo_db: Path) -> None:
    os.chmod(demo_db, 0o644)
    with open_database(demo_db) as db:
        report = check(db, demo_db)
    assert report.sound  # readable is a warning, not damage
    assert report.mode == 0o644
    assert len(report.warnings) == 1
    assert "644" in report.warnings[0] and f"chmod 600 {demo_db}" in report.warnings[0]
    assert "\n" not in report.warnings[0]


def test_check_group_readable_is_fine(db_path: Path) -> None:
    os.chmod(db_path, 0o660)
    with open_database(db_path) as db:
        assert check(db, db_path).warnings == []


def test_check_finds_foreign_key_problems(study_db: Path) -> None:
    conn = sqlite3.connect(study_db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO channels (id, study_id, name, created_at) VALUES ('c', 'gone', 'x', 'n')"
    )
    conn.commit()
    conn.close()
    with open_database(study_db) as db:
        report = check(db, study_db)
    assert report.integrity == ["ok"]
    assert report.foreign_key_problems == 1
    assert not report.sound


# -- backup -------------------------------------------------------------------------------


def test_backup_copies_everything_privately(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy" / "backup.db"
    out.parent.mkdir()
    previous = os.umask(0o022)
    try:
        with open_database(demo_db) as db:
            assert backup(db, out) == out
    finally:
        os.umask(previous)
    assert mode_of(out) == 0o600
    assert listing(out.parent) == ["backup.db"]  # no temporary file left beside it
    original = contents(demo_db)
    assert len(original["entries"]) > 0
    assert contents(out) == original
    with open_database(out) as copy:
        assert check(copy, out).sound


def test_backup_with_group(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "group.db"
    previous = os.umask(0o022)
    try:
        with open_database(db_path) as db:
            backup(db, out, group=True)
    finally:
        os.umask(previous)
    assert mode_of(out) == 0o660


def test_backup_from_read_only_connection(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "ro.db"
    with open_database(demo_db, read_only=True) as db:
        backup(db, out)
    assert contents(out) == contents(demo_db)


def test_backup_is_a_consistent_snapshot(study_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "snapshot.db"
    with (
        open_database(study_db) as reader,
        open_database(study_db) as writer,
        pytest.raises(RuntimeError),
        write(writer),
    ):
        writer.execute(
            "INSERT INTO studies (id, name, template, created_at, updated_at) "
            "VALUES ('x', 'Uncommitted', 't', 'n', 'n')"
        )
        backup(reader, out)  # while the other connection holds its write
        raise RuntimeError("roll back")
    with open_database(out) as copy:
        assert [r[0] for r in copy.execute("SELECT name FROM studies")] == ["Checkout study"]


def test_backup_refuses_existing_file(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken.db"
    out.write_bytes(b"someone's file")
    with open_database(db_path) as db:
        before = listing(tmp_path)
        with pytest.raises(JourneyError) as caught:
            backup(db, out)
        assert "--force" in str(caught.value) and "\n" not in str(caught.value)
        assert out.read_bytes() == b"someone's file"
        assert listing(tmp_path) == before
        backup(db, out, force=True)
    assert out.read_bytes().startswith(b"SQLite format 3\x00")
    assert mode_of(out) == 0o600
    with open_database(out) as copy:
        assert check(copy, out).sound


def test_backup_into_missing_folder(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "backup.db"
    before = listing(tmp_path)
    with open_database(db_path) as db, pytest.raises(JourneyError) as caught:
        backup(db, out)
    assert "\n" not in str(caught.value)
    assert not out.parent.exists()
    assert listing(tmp_path) == before


def test_backup_onto_a_folder(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with open_database(db_path) as db, pytest.raises(JourneyError):
        backup(db, folder, force=True)
    assert folder.is_dir() and listing(folder) == []


class _FailingConnection:
    """Stands in for a connection whose VACUUM INTO fails part-way (a full disk)."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    def execute(self, sql: str, params=()):
        if sql.startswith("VACUUM INTO"):
            target = Path(params[0])
            self.targets.append(str(target))
            assert target.exists()  # the temporary file was made first
            target.write_bytes(b"half a database")
            raise sqlite3.OperationalError("database or disk is full")
        raise AssertionError(f"unexpected statement {sql}")


class _FailingDatabase:
    def __init__(self) -> None:
        self.conn = _FailingConnection()


def test_failed_backup_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    db = _FailingDatabase()
    with pytest.raises(StorageFull) as caught:
        backup(db, out, database=tmp_path / "journey.db")  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert db.conn.targets and Path(db.conn.targets[0]).parent == tmp_path
    assert listing(tmp_path) == []
