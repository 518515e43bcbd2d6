"""Every table of one study, as the JSON export writes them: one generator over one
cursor per table (never `fetchall`), in a stable order (by position, creation time or id;
links and votes by the order of their entries), deleted rows only when asked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlite_utils import Database

from journey.storage.export_rows import close_cursor, entry_scope
from journey.storage.session_filter import NO_FILTER, SessionFilter


def _dicts(db: Database, sql: str, params: Sequence) -> Iterator[dict]:
    cursor = db.conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    try:
        for row in cursor:
            yield dict(zip(names, row, strict=True))
    finally:
        close_cursor(cursor)


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
    condition, params = entry_scope([study_id], where, lanes, include_deleted)
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
    condition, params = entry_scope([study_id], where, lanes, include_deleted)
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
    condition, params = entry_scope([study_id], where, lanes, include_deleted)
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
    condition, params = entry_scope([study_id], where, lanes, include_deleted)
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
