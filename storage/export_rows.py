"""The rows `journey export` streams: entries, sessions and every table of a study.

Each `iter_*` function is a generator over one cursor (never `fetchall`), so an
export of a million entries runs in constant memory. Orders are stable, so the
same database always exports the same bytes:

- entries: study name, session started_at, session id, entry created_at, rowid;
- sessions: study name, started_at, id;
- the other tables of the JSON export: by position, creation time or id; links and
  votes by the order of their entries.

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


def _close(cursor: sqlite3.Cursor) -> None:
    """Close a cursor; a generator abandoned after its connection closed has nothing to do."""
    with contextlib.suppress(sqlite3.ProgrammingError):
        cursor.close()


def _marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def _entry_scope(
    study_ids: Sequence[str],
    where: SessionFilter,
    lanes: Sequence[str] | None,
    include_deleted: bool,
) -> tuple[str, list]:
    """The WHERE clause over entries `e`, sessions `x` and participants `p`."""
    condition, params = where.sql()
    clauses = [f"x.study_id IN ({_marks(study_ids)})", condition]
    values: list = [*study_ids, *params]
    if not include_deleted:
        clauses.append("e.deleted_at IS NULL")
    if lanes is not None:
        clauses.append(f"e.lane IN ({_marks(lanes)})")
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
    condition, params = _entry_scope(study_ids, where, lanes, include_deleted)
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
    condition, params = _entry_scope(study_ids, where, lanes, include_deleted)
    participant = "" if csv_shape else "p.id, "
    deleted = ", e.deleted_at" if include_deleted or not csv_shape else ""
    cursor = db.conn.execute(
        f"""
        WITH {_TAGGED.format(marks=_marks(study_ids))}
        SELECT s.name, x.id, {participant}p.code, p.segment, x.interviewer, x.mode,
            st.position, st.name, e.lane, c.name, e.emotion, e.effort, e.votes, e.text,
            tg.names, th.title, e.created_at, e.updated_at{deleted}
        {_ENTRY_FROM_IN_ORDER}
        WHERE s.id IN ({_marks(study_ids)}) AND {condition}
        ORDER BY {_ENTRY_ORDER}
        """,
        [*study_ids, *study_ids, *params],
    )
    try:
        for row in cursor:  # noqa: UP028 (`yield from` would close the cursor twice)
            yield row
    finally:
        _close(cursor)


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
    return f"x.study_id IN ({_marks(study_ids)}) AND {condition}", [*study_ids, *params]


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
    lane_clause = f"AND e.lane IN ({_marks(lanes)})" if lanes is not None else ""
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
        _close(cursor)


def max_stage_count(db: Database, study_ids: Sequence[str]) -> int:
    if not study_ids:
        return 0
    return (
        db.conn.execute(
            f"SELECT max(position) FROM stages WHERE study_id IN ({_marks(study_ids)})",
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


# --- whole studies, table by table (the JSON export) ------------------------------


def _dicts(db: Database, sql: str, params: Sequence) -> Iterator[dict]:
    cursor = db.conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    try:
        for row in cursor:
            yield dict(zip(names, row, strict=True))
    finally:
        _close(cursor)


def study_record(db: Database, study_id: str) -> dict:
    return list(
        _dicts(
            db,
            "SELECT id, name, description, template, created_at, updated_at FROM studies "
            "WHERE id = ?",
            [study_id],
        )
    )[0]


def iter_stages(db: Database, study_id: str) -> Iterator[dict]:
    return _dicts(
        db,
        "SELECT id, position, name, description FROM stages WHERE study_id = ? ORDER BY position",
        [study_id],
    )


def iter_channels(db: Database, study_id: str) -> Iterator[dict]:
    return _dicts(
        db,
        "SELECT id, name, created_at FROM channels WHERE study_id = ? ORDER BY created_at, rowid",
        [study_id],
    )


def iter_prompts(db: Database, study_id: str) -> Iterator[dict]:
    return _dicts(
        db,
        """
        SELECT p.id, p.stage_id, p.position, p.lane, p.text, p.answer_type
        FROM prompts p JOIN stages st ON st.id = p.stage_id
        WHERE p.study_id = ? ORDER BY st.position, p.position
        """,
        [study_id],
    )


def iter_tags(db: Database, study_id: str) -> Iterator[dict]:
    return _dicts(
        db,
        "SELECT id, name FROM tags WHERE study_id = ? ORDER BY name COLLATE NOCASE, name, id",
        [study_id],
    )


def iter_participants(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> Iterator[dict]:
    """Every participant of the study, or with a filter those with a selected session."""
    if where.active:
        condition, params = where.sql()
        scope = (
            "AND p.id IN (SELECT x.participant_id FROM sessions x "
            f"WHERE x.study_id = ? AND {condition})"
        )
        values = [study_id, study_id, *params]
    else:
        scope, values = "", [study_id]
    return _dicts(
        db,
        f"""
        SELECT p.id, p.code, p.segment, p.consent_at, p.personal_name, p.personal_contact,
            p.created_at, p.updated_at
        FROM participants p WHERE p.study_id = ? {scope}
        ORDER BY p.code COLLATE NOCASE, p.code, p.id
        """,
        values,
    )


def iter_sessions(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> Iterator[dict]:
    condition, params = where.sql()
    return _dicts(
        db,
        f"""
        SELECT x.id, x.participant_id, x.mode, x.interviewer, x.title, x.started_at,
            x.ended_at, x.status, x.current_stage_id, x.updated_at
        FROM sessions x LEFT JOIN participants p ON p.id = x.participant_id
        WHERE x.study_id = ? AND {condition}
        ORDER BY x.started_at, x.id
        """,
        [study_id, *params],
    )


def iter_progress(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> Iterator[dict]:
    condition, params = where.sql()
    return _dicts(
        db,
        f"""
        SELECT sp.session_id, sp.stage_id, sp.outcome, sp.reason, sp.at
        FROM stage_progress sp
        JOIN sessions x ON x.id = sp.session_id
        JOIN stages st ON st.id = sp.stage_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE x.study_id = ? AND {condition}
        ORDER BY x.started_at, x.id, st.position
        """,
        [study_id, *params],
    )


def iter_entries(
    db: Database,
    study_id: str,
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> Iterator[dict]:
    """Entries as stored, with `tags`: their tag names, sorted, joined with char 31."""
    condition, params = _entry_scope([study_id], where, lanes, include_deleted)
    return _dicts(
        db,
        f"""
        SELECT e.id, e.session_id, e.stage_id, e.lane, e.text, e.channel_id, e.emotion,
            e.effort, e.votes, e.author, e.prompt_id, e.theme_id, e.created_at, e.updated_at,
            e.deleted_at,
            (SELECT group_concat(name, char(31)) FROM (
                SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE, t.name)) AS tags
        FROM entries e
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE {condition}
        ORDER BY x.started_at, x.id, e.created_at, e.rowid
        """,
        params,
    )


def iter_themes(db: Database, study_id: str, include_deleted: bool = False) -> Iterator[dict]:
    """The study's themes (grouped items): the live ones, and ungrouped (deleted) ones
    that an entry still points at or, with `include_deleted`, all of them."""
    return _dicts(
        db,
        """
        SELECT th.id, th.title, th.author, th.created_at, th.updated_at, th.deleted_at
        FROM themes th
        WHERE th.study_id = ? AND (th.deleted_at IS NULL OR ?
            OR EXISTS (SELECT 1 FROM entries e WHERE e.theme_id = th.id))
        ORDER BY th.created_at, th.id
        """,
        [study_id, int(include_deleted)],
    )


def iter_entry_links(
    db: Database,
    study_id: str,
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> Iterator[dict]:
    """Opportunity -> pain links between two of the entries `iter_entries` yields, in
    the order of the opportunity, then of the pain."""
    condition, params = _entry_scope([study_id], where, lanes, include_deleted)
    return _dicts(
        db,
        f"""
        SELECT l.opportunity_id, l.pain_id, l.author, l.created_at
        FROM entry_links l
        JOIN entries e ON e.id = l.opportunity_id
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        JOIN entries q ON q.id = l.pain_id
        JOIN sessions y ON y.id = q.session_id
        WHERE {condition} AND l.pain_id IN (
            SELECT e.id FROM entries e
            JOIN sessions x ON x.id = e.session_id
            LEFT JOIN participants p ON p.id = x.participant_id
            WHERE {condition})
        ORDER BY x.started_at, x.id, e.created_at, e.rowid, y.started_at, y.id, q.created_at,
            q.rowid
        """,
        [*params, *params],
    )


def iter_votes(
    db: Database,
    study_id: str,
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> Iterator[dict]:
    """Dot-votes per (workshop) session on the entries `iter_entries` yields, given by
    the sessions `iter_sessions` yields; by entry order, then session order."""
    condition, params = _entry_scope([study_id], where, lanes, include_deleted)
    session_condition, session_params = where.sql()
    return _dicts(
        db,
        f"""
        SELECT v.entry_id, v.session_id, v.votes, v.updated_at
        FROM votes v
        JOIN entries e ON e.id = v.entry_id
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        JOIN sessions y ON y.id = v.session_id
        WHERE {condition} AND v.session_id IN (
            SELECT x.id FROM sessions x LEFT JOIN participants p ON p.id = x.participant_id
            WHERE x.study_id = ? AND {session_condition})
        ORDER BY x.started_at, x.id, e.created_at, e.rowid, y.started_at, y.id
        """,
        [*params, study_id, *session_params],
    )


def iter_edits(
    db: Database,
    study_id: str,
    where: SessionFilter = NO_FILTER,
    lanes: Sequence[str] | None = None,
    include_deleted: bool = False,
) -> Iterator[dict]:
    """The edit log of the entries `iter_entries` yields, oldest first per entry."""
    condition, params = _entry_scope([study_id], where, lanes, include_deleted)
    return _dicts(
        db,
        f"""
        SELECT d.id, d.entry_id, d.field, d.old, d.new, d.author, d.at
        FROM edits d
        JOIN entries e ON e.id = d.entry_id
        JOIN sessions x ON x.id = e.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE {condition}
        ORDER BY x.started_at, x.id, e.created_at, e.rowid, d.at, d.rowid
        """,
        params,
    )


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
        WHERE p.study_id IN ({_marks(study_ids)}) {scope}
        ORDER BY s.name COLLATE NOCASE, s.id, p.code COLLATE NOCASE, p.code, p.id
        """,
        values,
    )
    return (tuple(row) for row in cursor)  # type: ignore[misc]
