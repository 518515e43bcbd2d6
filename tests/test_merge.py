"""`journey merge`: databases of several laptops into one, by id, idempotent, conflicts listed."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.capture.study import new_study
from journey.exports.readers.merge import merge_databases
from journey.storage import open_database
from journey.storage.entries import add_entry, delete_entry, edit_entry, session_entries
from journey.storage.maintenance import backup
from journey.storage.merge_tables import DERIVED_PREFIX, merge_order
from journey.storage.sessions import (
    add_participant,
    record_progress,
    save_draft,
    start_session,
)
from journey.storage.studies import find_study, stages
from journey.storage.workshop import group_entries, vote
from journey.tui.cli import app
from tests.older_schema import older_copy

TABLES = (
    "studies",
    "stages",
    "channels",
    "prompts",
    "participants",
    "sessions",
    "stage_progress",
    "tags",
    "entries",
    "entry_tags",
    "edits",
    "drafts",
    "votes",
    "themes",
)


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def state(path: Path) -> tuple[bytes, bytes]:
    wal = Path(f"{path}-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def field_database(path: Path, *, seed: int, sessions: int, code: str, interviewer: str) -> Path:
    """A laptop's database: `journey init --study`-like demo data plus one typed interview."""
    with open_database(path, create=True) as db:
        study = add_demo_sessions(db, sessions, seed=seed).study
        stage_list = stages(db, study.id)
        participant = add_participant(db, study.id, code, segment="small business")
        session = start_session(
            db,
            study.id,
            participant_id=participant.id,
            interviewer=interviewer,
            first_stage_id=stage_list[0].id,
        )
        add_entry(db, session.id, stage_list[0].id, "goal", f"{code}: find a gift", tags=["gift"])
        pain = add_entry(
            db, session.id, stage_list[0].id, "pain", f"{code}: too many ads", emotion=-2
        )
        add_entry(db, session.id, stage_list[0].id, "pain", f"{code}: tiny font", tags=["ui"])
        edit_entry(db, pain.id, text=f"{code}: far too many ads", author=interviewer)
        record_progress(db, session.id, stage_list[1].id, "dropped", "chose a competitor")
        save_draft(db, session.id, "half a sentence")
        workshop = start_session(db, study.id, participant_id=None, mode="workshop")
        vote(db, pain.id, workshop.id, +1)
        group_entries(db, study.id, [e.id for e in session_entries(db, session.id)[:2]], "Ads")
    return path


@pytest.fixture
def laptops(tmp_path: Path) -> tuple[Path, Path]:
    a = field_database(tmp_path / "a.db", seed=1, sessions=8, code="A01", interviewer="ana")
    b = field_database(tmp_path / "b.db", seed=2, sessions=6, code="B01", interviewer="ben")
    return a, b


def merge(
    runner: CliRunner,
    target: Path,
    *sources: Path,
    dry_run: bool = False,
    participants: str = "rename",
    accept_deletions: bool = False,
):
    """`journey merge`; the laptops' demo data share codes P001.., different people, so
    their participants are renamed unless a test says otherwise."""
    args = ["--db", str(target), "merge", *map(str, sources), "--participants", participants]
    args += ["--dry-run"] if dry_run else []
    return runner.invoke(app, args + (["--accept-deletions"] if accept_deletions else []))


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journey: "), lines
    return lines[0]


def test_two_laptops_add_up(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, b = laptops
    before_a, before_b = counts(a), counts(b)
    codes = {r[0] for r in query(a, "SELECT code FROM participants")} | {
        r[0] for r in query(b, "SELECT code FROM participants")
    }
    tags = {r[0].lower() for r in query(a, "SELECT name FROM tags")} | {
        r[0].lower() for r in query(b, "SELECT name FROM tags")
    }
    result = merge(runner, a, b)
    assert result.exit_code == 0, result.output
    after = counts(a)
    # One study "Demo study" (same name, other id): mapped onto ours with its layout.
    assert after["studies"] == after["studies"] == 1
    assert (after["stages"], after["channels"], after["prompts"]) == (5, 14, 15)
    # The same code on two laptops is two people: theirs got new codes.
    assert after["participants"] == before_a["participants"] + before_b["participants"]
    assert len({r[0] for r in query(a, "SELECT code FROM participants")}) == len(codes) + sum(
        1 for r in query(b, "SELECT code FROM participants") if r[0].startswith("P")
    )
    assert after["tags"] == len(tags)
    for table in (
        "participants",
        "sessions",
        "stage_progress",
        "entries",
        "entry_tags",
        "edits",
        "drafts",
        "votes",
        "themes",
    ):
        assert after[table] == before_a[table] + before_b[table], table
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Merged {b} into {a}: ")
    assert any("theirs (" in line and "merged into ours" in line for line in lines)
    assert any(line.split()[:2] == ["sessions", str(before_b["sessions"])] for line in lines)
    # Everything of theirs points at our study, stages and channels.
    assert query(a, "PRAGMA foreign_key_check") == []
    assert query(a, "SELECT count(DISTINCT study_id) FROM sessions") == [(1,)]
    assert query(
        a,
        "SELECT count(*) FROM entries e JOIN stages st ON st.id = e.stage_id "
        "JOIN sessions s ON s.id = e.session_id WHERE st.study_id != s.study_id",
    ) == [(0,)]
    assert query(a, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == [(4,)]


def test_second_merge_adds_nothing(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, b = laptops
    assert merge(runner, a, b).exit_code == 0
    once = counts(a)
    result = merge(runner, a, b)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"Merged {b} into {a}: 0 rows added, ")
    assert counts(a) == once
    with open_database(a) as db:
        [(_, report)] = merge_databases(db, a, [b], participants="rename")
    assert report.added == 0
    assert all(c.added == 0 for c in report.tables.values())


def test_merge_is_symmetric_in_counts(laptops: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = laptops
    a2 = tmp_path / "a2.db"
    b2 = tmp_path / "b2.db"
    with open_database(a) as db:
        backup(db, a2)
    with open_database(b) as db:
        backup(db, b2)
    with open_database(a2) as db:
        merge_databases(db, a2, [b], participants="rename")
    with open_database(b2) as db:
        merge_databases(db, b2, [a], participants="rename")
    assert counts(a2) == counts(b2)


def copy_of(path: Path, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    with open_database(path) as db:
        backup(db, out)
    return out


def test_conflicts_newer_wins_and_both_are_listed(
    runner: CliRunner, laptops: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = laptops
    c = copy_of(a, tmp_path, "c.db")
    with open_database(a) as db:
        study = find_study(db, "Demo study")
        assert study is not None
        first, second, third = (
            row[0]
            for row in db.conn.execute(
                "SELECT e.id FROM entries e JOIN sessions s ON s.id = e.session_id "
                "WHERE e.lane = 'quote' ORDER BY e.created_at LIMIT 3"
            )
        )
    # On the copy: `first` edited (newer there), `second` edited before a also edits it.
    with open_database(c) as db:
        edit_entry(db, first, text="edited on the copy, later", author="ben")
        edit_entry(db, second, text="edited on the copy, earlier", author="ben")
        delete_entry(db, third, author="ben")
    time.sleep(0.01)
    with open_database(a) as db:
        edit_entry(db, second, text="edited here, last", author="ana")
    # The deletion there is counted but not applied: the entry stays live here.
    held = merge(runner, a, c, dry_run=True)
    assert held.exit_code == 0, held.output
    assert "  rows deleted there, kept here: entries 1 (--accept-deletions" in held.stdout
    assert f"conflict in entries {third}: deleted_at differ; ours kept" in held.stdout
    result = merge(runner, a, c, accept_deletions=True)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"conflict in entries {first}: text differ; theirs won: theirs is newer" in out
    assert f"conflict in entries {second}: text differ; ours kept: ours is newer" in out
    assert f"conflict in entries {third}: deleted_at differ; theirs won" in out
    assert "  rows deleted there, deleted here (--accept-deletions): entries 1" in out
    assert query(a, "SELECT text FROM entries WHERE id = ?", (first,)) == [
        ("edited on the copy, later",)
    ]
    assert query(a, "SELECT text FROM entries WHERE id = ?", (second,)) == [("edited here, last",)]
    assert query(a, "SELECT deleted_at IS NOT NULL FROM entries WHERE id = ?", (third,)) == [(1,)]
    # The copy's edit log came along; nothing else was added.
    assert query(a, "SELECT count(*) FROM edits WHERE author = 'ben'") == [(3,)]
    entries_line = next(line for line in out.splitlines() if line.split()[:1] == ["entries"])
    assert entries_line.split()[1:] == ["0", str(counts(a)["entries"] - 3), "2", "1"]
    # Merging the copy again: the two that theirs won are identical now.
    again = merge(runner, a, c)
    assert f"conflict in entries {first}" not in again.stdout
    assert f"conflict in entries {second}: text differ; ours kept" in again.stdout


def test_same_name_other_stages(runner: CliRunner, tmp_path: Path) -> None:
    a = tmp_path / "a.db"
    b = tmp_path / "b.db"
    with open_database(a, create=True) as db:
        new_study(db, "Checkout")
    with open_database(b, create=True) as db:
        study = new_study(db, "checkout", "four-stage")
        acquisition = stages(db, study.id)[2]
        session = start_session(db, study.id, participant_id=None, interviewer="ben")
        add_entry(db, session.id, acquisition.id, "pain", "paid twice")
    result = merge(runner, a, b)
    assert result.exit_code == 0, result.output
    # Awareness, Consideration and Retention are ours by name; Acquisition is new, last.
    assert query(a, "SELECT position, name FROM stages ORDER BY position") == [
        (1, "Awareness"),
        (2, "Consideration"),
        (3, "Decision"),
        (4, "Retention"),
        (5, "Advocacy"),
        (6, "Acquisition"),
    ]
    assert query(a, "SELECT name FROM studies") == [("Checkout",)]
    assert query(a, "SELECT st.name FROM entries e JOIN stages st ON st.id = e.stage_id") == [
        ("Acquisition",)
    ]
    # Made separately: their name's case and template are listed, ours kept.
    assert "conflict in studies " in result.stdout
    assert "name, description, template differ; ours kept: made separately, the same by name" in (
        result.stdout
    )
    assert merge(runner, a, b).stdout.splitlines()[0].startswith(f"Merged {b} into {a}: 0 rows")


def test_dry_run_writes_nothing(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, b = laptops
    before = state(a)
    result = merge(runner, a, b, dry_run=True)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("(dry run, nothing written)")
    assert result.stdout.splitlines()[0].startswith(f"Would merge {b} into {a}: ")
    assert state(a) == before
    assert merge(runner, a, b).stdout.splitlines()[0] == result.stdout.splitlines()[0].replace(
        "Would merge", "Merged"
    ).removesuffix(" (dry run, nothing written)")


@pytest.mark.parametrize("kind", ["missing", "text", "empty", "folder", "newer", "truncated"])
def test_bad_source_is_one_line_and_changes_nothing(
    runner: CliRunner, laptops: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    a, b = laptops
    bad = tmp_path / f"{kind}.db"
    if kind == "text":
        bad.write_text("not a database\n", encoding="utf-8")
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "folder":
        bad.mkdir()
    elif kind == "newer":
        shutil.copyfile(copy_of(b, tmp_path, "fresh.db"), bad)
        conn = sqlite3.connect(bad)
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('journey', 'm999_from_the_future', '2031-01-01T00:00:00')"
        )
        conn.commit()
        conn.close()
    elif kind == "truncated":
        data = copy_of(b, tmp_path, "full.db").read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    before = state(a)
    # The good source comes first: it is not merged either.
    line = one_line_error(merge(runner, a, b, bad))
    assert str(bad) in line
    assert state(a) == before


def test_source_that_is_the_target(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, _ = laptops
    before = state(a)
    line = one_line_error(merge(runner, a, a))
    assert line == f"journey: {a}: is the database being merged into (--db)"
    assert state(a) == before


def test_missing_target(runner: CliRunner, laptops: tuple[Path, Path], tmp_path: Path) -> None:
    _, b = laptops
    target = tmp_path / "none.db"
    line = one_line_error(merge(runner, target, b))
    assert "no such database" in line
    assert not target.exists()


def test_merge_needs_a_source(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, _ = laptops
    result = runner.invoke(app, ["--db", str(a), "merge"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_sources_are_not_changed(runner: CliRunner, laptops: tuple[Path, Path]) -> None:
    a, b = laptops
    with open_database(b) as db:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = state(b)
    assert merge(runner, a, b).exit_code == 0
    assert state(b) == before


def test_every_table_of_the_schema_is_merged(db_path: Path) -> None:
    with open_database(db_path) as db:
        ordered, skipped = merge_order(db)
        tables = {name for name in db.table_names() if not name.startswith(DERIVED_PREFIX)} - {
            "_sqlite_migrations"
        }
    assert skipped == []
    assert {t.name for t in ordered} == tables
    names = [t.name for t in ordered]
    # Parents before children.
    assert names.index("studies") < names.index("stages") < names.index("entries")
    assert names.index("sessions") < names.index("entries") < names.index("entry_tags")
    assert names.index("themes") < names.index("entries")


def test_a_source_of_an_older_schema_is_read_from_an_upgraded_copy(
    runner: CliRunner, laptops: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = laptops
    new = tmp_path / "new.db"
    with open_database(new, create=True) as db:
        study = new_study(db, "Demo study")
        session = start_session(db, study.id, participant_id=None, interviewer="old laptop")
        add_entry(db, session.id, stages(db, study.id)[0].id, "note", "from an old journey")
    old = tmp_path / "old.db"
    older_copy(new, old, "m002_workshop")  # the first schema, as an old journey wrote it
    before = state(old)
    result = merge(runner, a, old)
    assert result.exit_code == 0, result.output
    assert query(a, "SELECT count(*) FROM entries WHERE text = 'from an old journey'") == [(1,)]
    assert state(old) == before
    assert query(old, "SELECT count(*) FROM _sqlite_migrations") == [(1,)]
