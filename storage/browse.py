"""Read queries behind the review screens: the entries behind a map cell, the sessions'
paths through the stages, and the values the filters offer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from storage.aggregates import NO_FILTER, SessionFilter, _session_scope


@dataclass(frozen=True)
class EntryRow:
    """An entry with what a drill-down list shows beside it."""

    id: str
    session_id: str
    participant_code: str | None
    interviewer: str | None
    mode: str
    stage_position: int
    stage: str
    lane: str
    channel: str | None
    emotion: int | None
    effort: int | None
    votes: int
    text: str
    tags: tuple[str, ...]
    created_at: str


def entries_behind(
    db: Database,
    study_id: str,
    *,
    stage_id: str | None = None,
    lane: str | None = None,
    channel_id: str | None = None,
    session_id: str | None = None,
    where: SessionFilter = NO_FILTER,
    limit: int = 5000,
) -> list[EntryRow]:
    """The live entries of a map cell (stage, lane, channel) or of one session, in time order."""
    clauses = ["st.study_id = ?", "e.deleted_at IS NULL"]
    params: list = [study_id]
    for column, value in (
        ("e.stage_id", stage_id),
        ("e.lane", lane),
        ("e.channel_id", channel_id),
        ("e.session_id", session_id),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    scope, scope_params = _session_scope(study_id, where, "e.session_id")
    return [
        EntryRow(
            *row[:13],
            tuple(row[13].split("\x1f")) if row[13] else (),
            row[14],
        )
        for row in db.conn.execute(
            f"""
            SELECT e.id, e.session_id, p.code, x.interviewer, x.mode, st.position, st.name,
                e.lane, c.name, e.emotion, e.effort, e.votes, e.text,
                (SELECT group_concat(name, char(31)) FROM (
                    SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                    WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE)),
                e.created_at
            FROM entries e
            JOIN stages st ON st.id = e.stage_id
            JOIN sessions x ON x.id = e.session_id
            LEFT JOIN participants p ON p.id = x.participant_id
            LEFT JOIN channels c ON c.id = e.channel_id
            WHERE {" AND ".join(clauses)} {scope}
            ORDER BY e.created_at, e.rowid
            LIMIT ?
            """,
            [*params, *scope_params, limit],
        )
    ]


@dataclass(frozen=True)
class StageMark:
    outcome: str | None  # reached / dropped / skipped / None
    reason: str | None
    entries: int
    mean_emotion: float | None


@dataclass(frozen=True)
class SessionPath:
    """One session as a row of the stage timeline."""

    session_id: str
    participant_code: str | None
    segment: str | None
    interviewer: str | None
    mode: str
    started_at: str
    status: str
    stages: dict[str, StageMark]  # stage id -> mark


def session_paths(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER, limit: int = 2000
) -> list[SessionPath]:
    """The most recent sessions (up to `limit`) with each stage's outcome and emotion."""
    condition, params = where.sql()
    sessions = list(
        db.conn.execute(
            f"""
            SELECT x.id, p.code, p.segment, x.interviewer, x.mode, x.started_at, x.status
            FROM sessions x LEFT JOIN participants p ON p.id = x.participant_id
            WHERE x.study_id = ? AND {condition}
            ORDER BY x.started_at DESC LIMIT ?
            """,
            [study_id, *params, limit],
        )
    )
    ids = [row[0] for row in sessions]
    marks: dict[str, dict[str, dict]] = {session_id: {} for session_id in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks_in = ", ".join("?" for _ in chunk)
        for session_id, stage_id, outcome, reason in db.conn.execute(
            f"SELECT session_id, stage_id, outcome, reason FROM stage_progress "
            f"WHERE session_id IN ({marks_in})",
            chunk,
        ):
            marks[session_id].setdefault(stage_id, {}).update(outcome=outcome, reason=reason)
        for session_id, stage_id, count, mean in db.conn.execute(
            f"SELECT session_id, stage_id, count(*), avg(emotion) FROM entries "
            f"WHERE session_id IN ({marks_in}) AND deleted_at IS NULL "
            "GROUP BY session_id, stage_id",
            chunk,
        ):
            marks[session_id].setdefault(stage_id, {}).update(entries=count, mean=mean)
    return [
        SessionPath(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            {
                stage_id: StageMark(
                    mark.get("outcome"),
                    mark.get("reason"),
                    mark.get("entries", 0),
                    mark.get("mean"),
                )
                for stage_id, mark in marks[row[0]].items()
            },
        )
        for row in sessions
    ]


def filter_values(db: Database, study_id: str) -> dict[str, list[str]]:
    """The segments, interviewers and modes present in a study, for the filter choices."""

    def distinct(sql: str) -> list[str]:
        return [row[0] for row in db.conn.execute(sql, [study_id]) if row[0]]

    return {
        "segment": distinct(
            "SELECT DISTINCT segment FROM participants WHERE study_id = ? ORDER BY segment"
        ),
        "interviewer": distinct(
            "SELECT DISTINCT interviewer FROM sessions WHERE study_id = ? ORDER BY interviewer"
        ),
        "mode": distinct("SELECT DISTINCT mode FROM sessions WHERE study_id = ? ORDER BY mode"),
    }
