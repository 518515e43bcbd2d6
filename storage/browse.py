"""Read queries behind the review screens: the entries behind a map cell, the sessions'
paths through the stages, and the values the filters offer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from journey.storage.connection import read
from journey.storage.errors import InvalidValue
from journey.storage.session_filter import EVIDENCE, NO_FILTER, SessionFilter, session_scope


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


DRILL_DOWN_LIMIT = 5000
"""The most entries a drill-down lists at once; its count and its filter cover them all."""


@dataclass(frozen=True)
class EntryScope:
    """Which entries a drill-down is about: a map cell (stage, lane, channel), or one
    session, within the sessions a filter selects."""

    study_id: str
    stage_id: str | None = None
    lane: str | None = None
    channel_id: str | None = None
    session_id: str | None = None
    where: SessionFilter = NO_FILTER
    emotion_only: bool = False  # the emotion row of the map: rated entries only
    item_of: str | None = None  # the entries of the map item this entry belongs to


@dataclass(frozen=True)
class EntryPage:
    """The first `limit` entries of a scope that match a search, and how many match in all."""

    rows: list[EntryRow]
    matching: int

    @property
    def truncated(self) -> bool:
        return self.matching > len(self.rows)


_FROM = """
    FROM entries e
    JOIN stages st ON st.id = e.stage_id
    JOIN sessions x ON x.id = e.session_id
    LEFT JOIN participants p ON p.id = x.participant_id
    LEFT JOIN channels c ON c.id = e.channel_id
"""
_SEARCHED = ("e.text", "c.name", "p.code", "x.interviewer", "st.name", "e.lane")
_TAG_MATCH = (
    "EXISTS (SELECT 1 FROM entry_tags et JOIN tags t ON t.id = et.tag_id "
    "WHERE et.entry_id = e.id AND {column} LIKE ? ESCAPE '\\')"
)
_FOLD = "journey_casefold"


def search_terms(search: str) -> list[str]:
    """The words of a drill-down filter; every word must match somewhere in the entry."""
    return search.split()


def like_pattern(term: str) -> str:
    """`term` anywhere, with LIKE's own wildcards (and the escape character) taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _casefold(value: object) -> str | None:
    return None if value is None else str(value).casefold()


def _search_clause(db: Database, search: str) -> tuple[list[str], list]:
    """One condition per word: the word in the text, channel, participant code, interviewer,
    stage or lane, or in a tag name (a word starting with # matches tags only).

    LIKE ignores case for ASCII letters only; a word with other letters compares
    case-folded text (a Python function on the connection), so "ärger" finds "Ärger"."""
    clauses: list[str] = []
    params: list = []
    for term in search_terms(search):
        tag_only = term.startswith("#") and len(term) > 1
        if tag_only:
            term = term[1:]
        folded = not term.isascii()
        if folded:
            db.conn.create_function(_FOLD, 1, _casefold, deterministic=True)
            term = term.casefold()

        def column(name: str, folded: bool = folded) -> str:
            return f"{_FOLD}({name})" if folded else name

        pattern = like_pattern(term)
        options = [_TAG_MATCH.format(column=column("t.name"))]
        if not tag_only:
            options += [f"{column(name)} LIKE ? ESCAPE '\\'" for name in _SEARCHED]
        clauses.append("(" + " OR ".join(options) + ")")
        params += [pattern] * len(options)
    return clauses, params


def _scope_clause(db: Database, scope: EntryScope, search: str) -> tuple[str, list]:
    clauses = ["st.study_id = ?", "e.deleted_at IS NULL"]
    params: list = [scope.study_id]
    for column, value in (
        ("e.stage_id", scope.stage_id),
        ("e.lane", scope.lane),
        ("e.channel_id", scope.channel_id),
        ("e.session_id", scope.session_id),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if scope.emotion_only:
        clauses.append("e.emotion IS NOT NULL")
    if scope.item_of is not None:
        clauses.append(
            "e.id IN (SELECT k.entry_id FROM agg_entry_keys item JOIN agg_entry_keys k "
            "ON k.stage_id = item.stage_id AND k.lane = item.lane AND k.key = item.key "
            "WHERE item.entry_id = ?)"
        )
        params.append(scope.item_of)
    searched, search_params = _search_clause(db, search)
    clauses += searched
    params += search_params
    in_sessions, session_params = session_scope(scope.study_id, scope.where, "e.session_id")
    return f"WHERE {' AND '.join(clauses)} {in_sessions}", [*params, *session_params]


def _entry_row(row: tuple) -> EntryRow:
    (id_, session_id, code, interviewer, mode, position, stage, lane, channel) = row[:9]
    emotion, effort, votes, text, tags, created_at = row[9:]
    return EntryRow(
        id_,
        session_id,
        code,
        interviewer,
        mode,
        position,
        stage,
        lane,
        channel,
        emotion,
        effort,
        votes,
        text,
        tuple(tags.split("\x1f")) if tags else (),
        created_at,
    )


def entries_in(
    db: Database, scope: EntryScope, search: str = "", limit: int = DRILL_DOWN_LIMIT
) -> list[EntryRow]:
    """The first `limit` live entries of `scope` that match `search`, in time order."""
    where, params = _scope_clause(db, scope, search)
    return [
        _entry_row(row)
        for row in db.conn.execute(
            f"""
            SELECT e.id, e.session_id, p.code, x.interviewer, x.mode, st.position, st.name,
                e.lane, c.name, e.emotion, e.effort, e.votes, e.text,
                (SELECT group_concat(name, char(31)) FROM (
                    SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                    WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE)),
                e.created_at
            {_FROM}
            {where}
            ORDER BY e.created_at, e.rowid
            LIMIT ?
            """,
            [*params, limit],
        )
    ]


def count_entries_in(db: Database, scope: EntryScope, search: str = "") -> int:
    """How many live entries of `scope` match `search` (all of them when it is empty)."""
    where, params = _scope_clause(db, scope, search)
    return db.conn.execute(f"SELECT count(*) {_FROM} {where}", params).fetchone()[0]


def entry_page(
    db: Database, scope: EntryScope, search: str = "", limit: int = DRILL_DOWN_LIMIT
) -> EntryPage:
    """The rows a drill-down shows and the number they are out of, from one snapshot."""
    with read(db):
        rows = entries_in(db, scope, search, limit)
        matching = count_entries_in(db, scope, search) if len(rows) >= limit else len(rows)
    return EntryPage(rows, matching)


def entries_behind(
    db: Database,
    study_id: str,
    *,
    stage_id: str | None = None,
    lane: str | None = None,
    channel_id: str | None = None,
    session_id: str | None = None,
    where: SessionFilter = NO_FILTER,
    emotion_only: bool = False,
    search: str = "",
    limit: int = DRILL_DOWN_LIMIT,
) -> list[EntryRow]:
    """The live entries of a map cell (stage, lane, channel) or of one session, in time order."""
    scope = EntryScope(study_id, stage_id, lane, channel_id, session_id, where, emotion_only)
    return entries_in(db, scope, search, limit)


def count_entries_behind(
    db: Database,
    study_id: str,
    *,
    stage_id: str | None = None,
    lane: str | None = None,
    channel_id: str | None = None,
    session_id: str | None = None,
    where: SessionFilter = NO_FILTER,
    emotion_only: bool = False,
    search: str = "",
) -> int:
    """How many entries `entries_behind` would list without a limit."""
    scope = EntryScope(study_id, stage_id, lane, channel_id, session_id, where, emotion_only)
    return count_entries_in(db, scope, search)


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
    """The most recent evidence sessions (up to `limit`; workshops walk no journey) with
    each stage's outcome and emotion."""
    condition, params = where.sql()
    sessions = list(
        db.conn.execute(
            f"""
            SELECT x.id, p.code, p.segment, x.interviewer, x.mode, x.started_at, x.status
            FROM sessions x LEFT JOIN participants p ON p.id = x.participant_id
            WHERE x.study_id = ? AND {EVIDENCE} AND {condition}
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


@dataclass(frozen=True)
class DroppedSession:
    """A session that left the journey at a stage, as the Dropped drill-down lists it."""

    session_id: str
    participant_code: str | None
    segment: str | None
    interviewer: str | None
    mode: str
    at: str  # when the drop was recorded
    reason: str | None


def dropped_sessions(
    db: Database, study_id: str, stage_id: str, where: SessionFilter = NO_FILTER
) -> list[DroppedSession]:
    """The evidence sessions (as filtered) that dropped out at a stage, latest first: the
    sessions behind the map's Dropped figure."""
    condition, params = where.sql()
    return [
        DroppedSession(*row)
        for row in db.conn.execute(
            f"""
            SELECT x.id, p.code, p.segment, x.interviewer, x.mode, sp.at, sp.reason
            FROM stage_progress sp
            JOIN sessions x ON x.id = sp.session_id
            LEFT JOIN participants p ON p.id = x.participant_id
            WHERE x.study_id = ? AND sp.stage_id = ? AND sp.outcome = 'dropped'
                AND {EVIDENCE} AND {condition}
            ORDER BY sp.at DESC, x.id
            """,
            [study_id, stage_id, *params],
        )
    ]


def filter_values(db: Database, *study_ids: str) -> dict[str, list[str]]:
    """The segments, interviewers and modes present in studies, for the filter choices."""
    marks = ", ".join("?" * len(study_ids))

    def distinct(column: str, table: str, collate: str = "BINARY") -> list[str]:
        # One spelling per value the filter tells apart (segments ignore case).
        sql = (
            f"SELECT MIN({column}) FROM {table} "
            f"WHERE study_id IN ({marks}) AND {column} <> '' "
            f"GROUP BY {column} COLLATE {collate} ORDER BY 1 COLLATE NOCASE"
        )
        return [row[0] for row in db.conn.execute(sql, study_ids)]

    return {
        "segment": distinct("segment", "participants", "NOCASE"),
        "interviewer": distinct("interviewer", "sessions", "NOCASE"),
        "mode": distinct("mode", "sessions"),
    }


def check_filter(db: Database, study_ids: Sequence[str], where: SessionFilter) -> None:
    """Refuse a segment, interviewer or mode that no session has: a typo, not an empty map."""
    chosen = {
        "segment": where.segment,
        "interviewer": where.interviewer,
        "mode": where.mode,
    }
    if not any(chosen.values()):
        return
    known = filter_values(db, *study_ids)
    for field, value in chosen.items():
        # Segment and interviewer match whatever their case, as the map's filter does.
        fold = str.casefold if field != "mode" else str
        if value is None or fold(value) in {fold(v) for v in known[field]}:
            continue
        choices = ", ".join(known[field]) if known[field] else "none recorded"
        raise InvalidValue(f"no session has the {field} {value!r} ({field}s here: {choices})")
