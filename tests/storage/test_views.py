"""The views for people who query the file (`entry_details`, `session_details`) hold the
rows of the CSV export; `table_guide` marks the `agg_*` summaries as derived."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from journey.capture.session import InterviewSession
from journey.exports.formula import unneutralise
from journey.storage import open_database
from journey.storage.schema import known_migrations
from journey.storage.studies import resolve_study
from journey.tui.cli import app
from tests.older_schema import older_copy


def rows_of(db: Path, sql: str) -> tuple[list[str], list[tuple]]:
    conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
    try:
        cursor = conn.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        conn.close()


def exported(runner: CliRunner, db: Path, *args: str) -> tuple[list[str], list[list[str]]]:
    result = runner.invoke(app, ["--db", str(db), "export", *args])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    return rows[0], [[unneutralise(cell) for cell in row] for row in rows[1:]]


def as_cell(value: object) -> str:
    return "" if value is None else str(value)


def with_hostile_and_deleted(db_path: Path) -> None:
    with open_database(db_path) as db:
        session = InterviewSession.start(db, resolve_study(db, None), "H01", consent=True)
        session.add("pain", '=HYPERLINK("http://x","y")\nsecond line', tags=["b", "A"])
        session.add("quote", "said and undone")
        assert session.undo() is not None


def test_entry_details_holds_the_rows_of_the_entries_export(
    runner: CliRunner, demo_db: Path
) -> None:
    with_hostile_and_deleted(demo_db)
    header, csv_rows = exported(runner, demo_db)
    columns, view_rows = rows_of(demo_db, "SELECT * FROM entry_details")
    shared = [name for name in header if name in columns]
    assert set(header) - set(shared) == set()  # every CSV column is in the view
    from_view = sorted(tuple(as_cell(row[columns.index(n)]) for n in shared) for row in view_rows)
    from_csv = sorted(tuple(row[header.index(n)] for n in shared) for row in csv_rows)
    assert from_view == from_csv
    assert len(view_rows) == len(
        rows_of(demo_db, "SELECT id FROM entries WHERE deleted_at IS NULL")[1]
    )


def test_session_details_holds_the_rows_of_the_sessions_export(
    runner: CliRunner, demo_db: Path
) -> None:
    header, csv_rows = exported(runner, demo_db, "--shape", "sessions")
    columns, view_rows = rows_of(demo_db, "SELECT * FROM session_details")
    _, stages = rows_of(demo_db, "SELECT position, name FROM stages ORDER BY position")
    shared = [name for name in header if name in columns]
    assert "drop_reason" in shared and "last_stage_reached" in shared
    by_id = {row[columns.index("session_id")]: row for row in view_rows}
    assert sorted(by_id) == sorted(row[header.index("session_id")] for row in csv_rows)
    for row in csv_rows:
        view = by_id[row[header.index("session_id")]]
        assert [as_cell(view[columns.index(n)]) for n in shared] == [
            row[header.index(n)] for n in shared
        ]
        outcomes = json.loads(view[columns.index("stage_outcomes")] or "{}")
        expected = {
            name: row[header.index(f"outcome_{position}")]
            for position, name in stages
            if row[header.index(f"outcome_{position}")]
        }
        assert outcomes == expected
        assert list(outcomes) == [name for _, name in stages if name in outcomes]  # in order


def test_the_table_guide_marks_the_summaries_as_derived(demo_db: Path) -> None:
    _, guide = rows_of(demo_db, "SELECT name, kind, holds FROM table_guide")
    kinds = {name: kind for name, kind, _ in guide}
    _, tables = rows_of(demo_db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    assert set(kinds) == {name for (name,) in tables}
    assert [name for name, kind, _ in guide[:3]] == [
        "entry_details",
        "session_details",
        "table_guide",
    ]
    summaries = [name for name in kinds if name.startswith("agg_")]
    assert len(summaries) == 11  # m004's nine and m007's tag summaries
    assert {kinds[name] for name in summaries} == {"derived"}
    assert kinds["entries"] == "data" and kinds["sessions"] == "data"
    assert all(kind != "table" for kind in kinds.values())  # every table is described


def test_an_older_database_gains_the_views(demo_db: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    older_copy(demo_db, older, stop_before="m005_views")
    _, before = rows_of(older, "SELECT name FROM sqlite_master WHERE type = 'view'")
    assert before == []
    assert "m005_views" in known_migrations()
    open_database(older).close()  # opening upgrades
    _, views = rows_of(older, "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY 1")
    assert views == [("entry_details",), ("session_details",), ("table_guide",)]
    assert (
        rows_of(older, "SELECT count(*) FROM entry_details")[1]
        == rows_of(demo_db, "SELECT count(*) FROM entry_details")[1]
    )
