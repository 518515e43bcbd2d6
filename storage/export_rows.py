"""The rows `journey export` streams: entries and sessions (every table of a study, for
the JSON export, is in study_tables.py).

Each `iter_*` function is a generator over one cursor (never `fetchall`), so an
export of a million entries runs in constant memory. Orders are stable, so the
same database always exports the same bytes:

- entries: study name, session started_at, session id, entry created_at, rowid;
- sessions: study name, started_at, id;

Deleted entries are left out unless `include_deleted`; `where` narrows the
sessions (segment, interviewer, mode, dates) as on the journey map, and `lanes`
the entries.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from journey.storage.session_filter import EVIDENCE, NO_FILTER, SessionFilter

# The columns of `iter_entry_rows`, in order.
ENTRY_ROW_FIELDS = (
    "study",
    "session_id",
    "participant_id",
    "participant_code",
    "segment",
    "interviewer",
    "mode",
    "stage_position",
    "stage",
    "lane",
    "channel",
    "emotion",
    "effort",
    "votes",
    "text",
    "tags",
    "theme",
    "created_at",
    "updated_at",
    "deleted_at",
)
TAG_SEPARATOR = ";"


def close_cursor(cursor: sqlite3.Cursor) -> None:
    """Close a cursor; a generator abandoned after its connection closed has nothing to do."""
    with contextlib.suppress(sqlite3.ProgrammingError):
        cursor.close()


def marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def entry_scope(
    study_ids: Sequence[str],
    where: SessionFilter,
    lanes: Sequence[str] | None,
    include_deleted: bool,
) -> tuple[str, list]:
    """The WHERE clause over entries `e`, sessions `x` and participants `p`."""
    condition, params = where.sql()
    clauses = [f"x.study_id IN ({marks(study_ids)})", condition]
    values: list = [*study_ids, *params]
    if not include_deleted:
        clauses.append("e.deleted_at IS NULL")
    if lanes is not None:
        clauses.append(f"e.lane IN ({marks(lanes)})")
        values.extend(lanes)
    return " AND ".join(clauses), values


def count_entry_rows(
    db: Database,
    study_ids: Sequence[str],
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> int:
    if not study_ids:
        return 0
    condition, params = entry_scope(study_ids, where, lanes, include_deleted)
    return db.conn.execute(
        f"""
        SELECT count(*) FROM entries e
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE {condition}
        """,
        params,
    ).fetchone()[0]


# The tags of the entries, one row per tagged entry, names sorted and joined: built
# once per export instead of a lookup and a sort for every entry.
_TAGGED = f"""tagged AS MATERIALIZED (
    SELECT entry_id, group_concat(name, '{TAG_SEPARATOR}') AS names FROM (
        SELECT et.entry_id, t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE t.study_id IN ({{marks}})
        ORDER BY et.entry_id, t.name COLLATE NOCASE, t.name)
    GROUP BY entry_id)"""
# Studies by name (unique, case-insensitively), their sessions by `sessions_study_started`
# and each session's entries by `entries_session`: the rows come out in export order
# without a sort. The rowids (never NULL, unlike a TEXT primary key) tell SQLite that
# each step is distinct, which it needs to skip the sort; they change no order.
_ENTRY_ORDER = (
    "s.name COLLATE NOCASE, s.id, s.rowid, x.started_at, x.id, x.rowid, e.created_at, e.rowid"
)
_ENTRY_FROM_IN_ORDER = """
    FROM studies s
    CROSS JOIN sessions x ON x.study_id = s.id
    CROSS JOIN entries e ON e.session_id = x.id
    JOIN stages st ON st.id = e.stage_id
    LEFT JOIN participants p ON p.id = x.participant_id
    LEFT JOIN channels c ON c.id = e.channel_id
    LEFT JOIN tagged tg ON tg.entry_id = e.id
    LEFT JOIN themes th ON th.id = e.theme_id AND th.deleted_at IS NULL
"""


def iter_entry_rows(
    db: Database,
    study_ids: Sequence[str],
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
    *,
    csv_shape: bool = False,
) -> Iterator[tuple]:
    """One tuple per entry, fields as `ENTRY_ROW_FIELDS` (tags sorted, joined with `;`).

    With `csv_shape`, as the entries CSV has them: without the participant id, and
    without deleted_at unless deleted entries are included."""
    if not study_ids:
        return
    condition, params = entry_scope(study_ids, where, lanes, include_deleted)
    participant = "" if csv_shape else "p.id, "
    deleted = ", e.deleted_at" if include_deleted or not csv_shape else ""
    cursor = db.conn.execute(
        f"""
        WITH {_TAGGED.format(marks=marks(study_ids))}
        SELECT s.name, x.id, {participant}p.code, p.segment, x.interviewer, x.mode,
            st.position, st.name, e.lane, c.name, e.emotion, e.effort, e.votes, e.text,
            tg.names, th.title, e.created_at, e.updated_at{deleted}
        {_ENTRY_FROM_IN_ORDER}
        WHERE s.id IN ({marks(study_ids)}) AND {condition}
        ORDER BY {_ENTRY_ORDER}
        """,
        [*study_ids, *study_ids, *params],
    )
    try:
        for row in cursor:  # noqa: UP028 (`yield from` would close the cursor twice)
            yield row
    finally:
        close_cursor(cursor)


# --- sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class StageFigures:
    """A session's entries at one stage: how many, and their mean emotion."""

    entries: int
    emotion_mean: float | None
    emotion_n: int


@dataclass(frozen=True)
class StageOutcome:
    position: int
    stage: str
    outcome: str  # reached / dropped / skipped
    reason: str | None


@dataclass(frozen=True)
class SessionRow:
    study: str
    session_id: str
    participant_id: str | None
    participant_code: str | None
    segment: str | None
    interviewer: str | None
    mode: str
    started_at: str
    ended_at: str | None
    status: str
    figures: dict[int, StageFigures]  # by stage position
    progress: tuple[StageOutcome, ...]  # by stage position

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.figures.values())

    @property
    def last_reached(self) -> StageOutcome | None:
        """The furthest stage the session got to (reached, or dropped there)."""
        reached = [p for p in self.progress if p.outcome in ("reached", "dropped")]
        return reached[-1] if reached else None

    @property
    def dropped(self) -> StageOutcome | None:
        dropped = [p for p in self.progress if p.outcome == "dropped"]
        return dropped[-1] if dropped else None


def session_scope(study_ids: Sequence[str], where: SessionFilter) -> tuple[str, list]:
    condition, params = where.sql()
    return f"x.study_id IN ({marks(study_ids)}) AND {condition}", [*study_ids, *params]


def count_sessions(db: Database, study_ids: Sequence[str], where: SessionFilter = NO_FILTER) -> int:
    if not study_ids:
        return 0
    condition, params = session_scope(study_ids, where)
    return db.conn.execute(
        "SELECT count(*) FROM sessions x LEFT JOIN participants p ON p.id = x.participant_id "
        f"WHERE {condition}",
        params,
    ).fetchone()[0]


def iter_session_rows(
    db: Database,
    study_ids: Sequence[str],
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
) -> Iterator[SessionRow]:
    """One row per session with its per-stage figures (live entries in `lanes`) and its
    stage progress, in study name, started_at, id order."""
    if not study_ids:
        return
    condition, params = session_scope(study_ids, where)
    lane_clause = f"AND e.lane IN ({marks(lanes)})" if lanes is not None else ""
    cursor = db.conn.execute(
        f"""
        SELECT s.name, x.id, p.id, p.code, p.segment, x.interviewer, x.mode,
            x.started_at, x.ended_at, x.status,
            (SELECT json_group_array(json_array(position, n, mean, rated)) FROM (
                SELECT st.position AS position, count(*) AS n, avg(e.emotion) AS mean,
                    count(e.emotion) AS rated
                FROM entries e JOIN stages st ON st.id = e.stage_id
                WHERE e.session_id = x.id AND e.deleted_at IS NULL {lane_clause}
                GROUP BY st.position)),
            (SELECT json_group_array(json_array(position, name, outcome, reason)) FROM (
                SELECT st.position AS position, st.name AS name, sp.outcome AS outcome,
                    sp.reason AS reason
                FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id
                WHERE sp.session_id = x.id ORDER BY st.position))
        FROM sessions x
        JOIN studies s ON s.id = x.study_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE {condition}
        ORDER BY s.name COLLATE NOCASE, s.id, x.started_at, x.id
        """,
        [*(lanes or ()), *params],
    )
    try:
        for row in cursor:
            figures = {
                position: StageFigures(n, mean, rated)
                for position, n, mean, rated in json.loads(row[10] or "[]")
            }
            progress = tuple(
                StageOutcome(position, name, outcome, reason)
                for position, name, outcome, reason in json.loads(row[11] or "[]")
            )
            study, session_id, participant_id, code, segment, interviewer = row[:6]
            mode, started_at, ended_at, status = row[6:10]
            yield SessionRow(
                study,
                session_id,
                participant_id,
                code,
                segment,
                interviewer,
                mode,
                started_at,
                ended_at,
                status,
                figures,
                progress,
            )
    finally:
        close_cursor(cursor)


def max_stage_count(db: Database, study_ids: Sequence[str]) -> int:
    if not study_ids:
        return 0
    return (
        db.conn.execute(
            f"SELECT max(position) FROM stages WHERE study_id IN ({marks(study_ids)})",
            list(study_ids),
        ).fetchone()[0]
        or 0
    )


# --- per-cell emotion of the map -------------------------------------------------------


@dataclass(frozen=True)
class CellEmotion:
    """Mean emotion (-2..+2) of one stage x lane cell, its spread (population standard
    deviation) and n (entries that carry an emotion)."""

    mean: float | None
    spread: float | None
    n: int


def lane_emotions(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> dict[tuple[str, str], CellEmotion]:
    """(stage id, lane) -> the emotion of the cell's live evidence entries, for the sessions
    `where` selects (cells without any rated entry are absent)."""
    condition, params = where.sql()
    result = {}
    for stage_id, lane, mean, mean_square, n in db.conn.execute(
        f"""
        SELECT e.stage_id, e.lane, avg(e.emotion), avg(e.emotion * e.emotion), count(*)
        FROM entries e
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE x.study_id = ? AND e.deleted_at IS NULL AND e.emotion IS NOT NULL
            AND {EVIDENCE} AND {condition}
        GROUP BY e.stage_id, e.lane
        """,
        [study_id, *params],
    ):
        spread = max(mean_square - mean * mean, 0.0) ** 0.5
        result[(stage_id, lane)] = CellEmotion(mean, spread, n)
    return result


def count_study_rows(
    db: Database,
    study_ids: Sequence[str],
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> int:
    """Sessions plus entries: what a progress bar of a whole-study export counts."""
    return count_sessions(db, study_ids, where) + count_entry_rows(
        db, study_ids, where, lanes, include_deleted
    )


def participant_codes(
    db: Database, study_ids: Sequence[str], where: SessionFilter = NO_FILTER
) -> Iterator[tuple[str, str, str]]:
    """(study name, participant id, code) of the participants an export covers."""
    if not study_ids:
        return iter(())
    condition, params = where.sql()
    scope = ""
    values: list = list(study_ids)
    if where.active:
        scope = f"AND p.id IN (SELECT x.participant_id FROM sessions x WHERE {condition})"
        values.extend(params)
    cursor = db.conn.execute(
        f"""
        SELECT s.name, p.id, p.code FROM participants p JOIN studies s ON s.id = p.study_id
        WHERE p.study_id IN ({marks(study_ids)}) {scope}
        ORDER BY s.name COLLATE NOCASE, s.id, p.code COLLATE NOCASE, p.code, p.id
        """,
        values,
    )
    return (tuple(row) for row in cursor)  # type: ignore[misc]
