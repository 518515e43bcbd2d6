"""Databases of an older schema, holding rows written by today's code, for the tests of
migrations and of merging an older source."""

from __future__ import annotations

from pathlib import Path

CORE_TABLES = (
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
    "votes",
    "themes",
    "entry_links",
)


def older_copy(source: Path, target: Path, stop_before: str) -> None:
    """`target`: a database of the schema before `stop_before`, holding the rows of
    `source` as older code wrote them (the columns that schema has)."""
    from journey.storage.connection import connect, write
    from journey.storage.schema import migrations

    target.touch()
    db = connect(target)
    with write(db):
        migrations.apply(db, stop_before=stop_before)
    db.execute(f"ATTACH DATABASE '{source}' AS newer")
    with write(db):
        db.execute("PRAGMA defer_foreign_keys = ON")  # themes and entries point both ways
        tables = {
            r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
        }
        for table in (t for t in CORE_TABLES if t in tables):
            columns = ", ".join(
                f"[{row[1]}]" for row in db.execute(f"PRAGMA main.table_info([{table}])")
            )
            db.execute(
                f"INSERT INTO main.[{table}] ({columns}) SELECT {columns} FROM newer.[{table}]"
            )
    db.execute("DETACH DATABASE newer")
    db.close()
