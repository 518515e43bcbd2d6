"""Bulk inserts for generated or imported data: many rows, one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlite_utils import Database

from journey.storage import summaries, tag_summaries
from journey.storage.connection import write
from journey.storage.items import item_key

# Parents before children, so foreign keys hold at every statement.
INSERT_ORDER = (
    "participants",
    "sessions",
    "stage_progress",
    "tags",
    "entries",
    "entry_tags",
    "edits",
)


def insert_rows(db: Database, rows: Mapping[str, Sequence[Mapping]]) -> int:
    """Insert rows of several core tables in one BEGIN IMMEDIATE transaction.

    Returns the number of rows written. Every row of a table must have the same keys.
    """
    with write(db):
        return insert_batches(db, rows)


def insert_batches(
    db: Database, rows: Mapping[str, Sequence[Mapping]], order: Sequence[str] = INSERT_ORDER
) -> int:
    """Insert rows of several tables, in `order`, inside a transaction the caller holds.

    Returns the number of rows written. Every row of a table must have the same keys.
    """
    unknown = set(rows) - set(order)
    if unknown:
        raise ValueError(f"bulk insert does not take {', '.join(sorted(unknown))}")
    written = 0
    for table in order:
        batch = rows.get(table) or ()
        if not batch:
            continue
        columns = list(batch[0])
        values = ([row[c] for c in columns] for row in batch)
        if table == "entries":
            # The item an entry counts under is derived here, once, for every bulk writer.
            given = [c for c in columns if c != "item_key"]
            values = ([*(row[c] for c in given), item_key(row["text"])] for row in batch)
            columns = [*given, "item_key"]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(columns)})"
        if table == "entries":  # the summaries once, not per entry
            with tag_summaries.new_entries_untagged(db), summaries.counted_in_bulk(db):
                db.conn.executemany(sql, values)
        elif table == "entry_tags":
            with tag_summaries.tags_counted_in_bulk(db):
                db.conn.executemany(sql, values)
        else:
            db.conn.executemany(sql, values)
        written += len(batch)
    return written


def _marks(columns: Sequence[str]) -> str:
    return ", ".join("?" for _ in columns)


def existing_tags(db: Database, study_id: str) -> dict[str, str]:
    """Tag name (lower case) to id, for a study."""
    return {
        row["name"].lower(): row["id"]
        for row in db.query("SELECT id, name FROM tags WHERE study_id = ?", [study_id])
    }


def next_session_number(db: Database, study_id: str) -> int:
    """The number of the study's next generated session: after its sessions and after
    every participant code P<number> (a participant erased leaves a gap in the count
    that a code still holds above)."""
    sessions = db.execute(
        "SELECT count(*) FROM sessions WHERE study_id = ?", [study_id]
    ).fetchone()[0]
    codes = db.execute(
        "SELECT max(CAST(substr(code, 2) AS INTEGER)) FROM participants "
        "WHERE study_id = ? AND code GLOB 'P[0-9]*' AND substr(code, 2) NOT GLOB '*[^0-9]*'",
        [study_id],
    ).fetchone()[0]
    return max(sessions, codes or 0) + 1
