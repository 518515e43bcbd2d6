"""Participants, sessions (interviews, workshops, surveys), stage progress and drafts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlite_utils import Database

from journey.storage.connection import new_id, now, write
from journey.storage.errors import DuplicateName, InvalidValue, NotFound
from journey.storage.models import (
    MODES,
    OUTCOMES,
    Participant,
    Session,
    SessionListing,
    StageProgress,
)

_PARTICIPANT_COLUMNS = "id, study_id, code, segment, consent_at"
_SESSION_COLUMNS = (
    "id, study_id, participant_id, mode, interviewer, title, started_at, ended_at, status, "
    "current_stage_id, updated_at"
)


def _participant(row: dict) -> Participant:
    return Participant(row["id"], row["study_id"], row["code"], row["segment"], row["consent_at"])


def _session(row: dict) -> Session:
    return Session(**{key: row[key] for key in _SESSION_COLUMNS.split(", ")})


def add_participant(
    db: Database,
    study_id: str,
    code: str,
    *,
    segment: str | None = None,
    consent_at: str | None = None,
    next_free: bool = False,
) -> Participant:
    """A new participant of the study. A code taken already is refused, or with
    `next_free` (a suggested code another interviewer took a moment ago) replaced by the
    next free one, chosen inside the write transaction so that two can never get it."""
    code = code.strip()
    if not code:
        raise InvalidValue("a participant needs a code, such as P07")
    participant_id = new_id()
    stamp = now()
    with write(db):
        if find_participant(db, study_id, code) is not None:
            if not next_free:
                raise DuplicateName(f"participant {code} already exists in this study")
            code = _next_code_like(db, study_id, code)
        db.execute(
            "INSERT INTO participants (id, study_id, code, segment, consent_at, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [participant_id, study_id, code, segment, consent_at, stamp, stamp],
        )
    return Participant(participant_id, study_id, code, segment, consent_at)


def record_consent(db: Database, participant_id: str) -> Participant:
    """Record, now, that the participant agreed to take part."""
    stamp = now()
    with write(db):
        db.execute(
            "UPDATE participants SET consent_at = ?, updated_at = ? WHERE id = ?",
            [stamp, stamp, participant_id],
        )
    found = get_participant(db, participant_id)
    if found is None:
        raise NotFound(f"no participant with id {participant_id}")
    return found


def find_participant(db: Database, study_id: str, code: str) -> Participant | None:
    rows = list(
        db.query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants "
            "WHERE study_id = ? AND code = ? COLLATE NOCASE",
            [study_id, code.strip()],
        )
    )
    return _participant(rows[0]) if rows else None


def get_participant(db: Database, participant_id: str) -> Participant | None:
    rows = list(
        db.query(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id = ?", [participant_id])
    )
    return _participant(rows[0]) if rows else None


def list_participants(db: Database, study_id: str) -> list[Participant]:
    return [
        _participant(row)
        for row in db.query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE study_id = ? ORDER BY code",
            [study_id],
        )
    ]


def _next_code_like(db: Database, study_id: str, code: str) -> str:
    """The next free code of the shape of `code` (its letters, then a number)."""
    shape = re.fullmatch(r"(.*?)\d*", code)
    prefix = shape.group(1) if shape else code
    return next_participant_code(db, study_id, prefix or "P")


def next_participant_code(db: Database, study_id: str, prefix: str = "P") -> str:
    """The next free code of the form P01, P02... (wider once past 99)."""
    codes = (
        row["code"]
        for row in db.query("SELECT code FROM participants WHERE study_id = ?", [study_id])
    )
    return next_code(codes, prefix)


def next_code(taken: Iterable[str], prefix: str = "P") -> str:
    """The code after the highest of `taken` of the form PREFIX + digits: P01, P02... (two
    digits at least, wider once past 99)."""
    highest = 0
    width = 2
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$", re.IGNORECASE)
    for code in taken:
        match = pattern.match(code)
        if match:
            highest = max(highest, int(match.group(1)))
            width = max(width, len(match.group(1)))
    return f"{prefix}{highest + 1:0{width}d}"


def start_session(
    db: Database,
    study_id: str,
    *,
    participant_id: str | None,
    mode: str = "interview",
    interviewer: str | None = None,
    title: str | None = None,
    first_stage_id: str | None = None,
) -> Session:
    """A new session; its first stage, when given, is recorded as reached."""
    if mode not in MODES:
        raise InvalidValue(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    session_id = new_id()
    stamp = now()
    with write(db):
        db.execute(
            f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                session_id,
                study_id,
                participant_id,
                mode,
                interviewer,
                title,
                stamp,
                None,
                "in_progress",
                first_stage_id,
                stamp,
            ],
        )
        if first_stage_id is not None:
            _set_progress(db, session_id, first_stage_id, "reached", None, stamp)
    return get_session(db, session_id)


def get_session(db: Database, session_id: str) -> Session:
    rows = list(db.query(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", [session_id]))
    if not rows:
        raise NotFound(f"no session with id {session_id}")
    return _session(rows[0])


def open_session_for(db: Database, participant_id: str) -> Session | None:
    """The participant's interview in progress, the one to resume."""
    rows = list(
        db.query(
            f"SELECT {_SESSION_COLUMNS} FROM sessions "
            "WHERE participant_id = ? AND status = 'in_progress' "
            "ORDER BY updated_at DESC LIMIT 1",
            [participant_id],
        )
    )
    return _session(rows[0]) if rows else None


def open_workshop_of(
    db: Database, study_id: str, facilitator: str | None, title: str | None = None
) -> Session | None:
    """The facilitator's workshop on a study still in progress (the latest one), to resume;
    with a title, only a workshop of that title."""
    rows = list(
        db.query(
            f"SELECT {_SESSION_COLUMNS} FROM sessions "
            "WHERE study_id = ? AND mode = 'workshop' AND status = 'in_progress' "
            "AND coalesce(interviewer, '') = coalesce(?, '') COLLATE NOCASE "
            "AND (? IS NULL OR coalesce(title, '') = ? COLLATE NOCASE) "
            "ORDER BY updated_at DESC LIMIT 1",
            [study_id, facilitator, title, title],
        )
    )
    return _session(rows[0]) if rows else None


def list_sessions(
    db: Database, study_id: str, *, status: str | None = None
) -> list[SessionListing]:
    """Sessions of a study, most recently active first, with what a list shows."""
    where = "s.study_id = ?"
    params: list = [study_id]
    if status is not None:
        where += " AND s.status = ?"
        params.append(status)
    listings = []
    for row in db.query(
        f"""
        SELECT {", ".join("s." + c for c in _SESSION_COLUMNS.split(", "))},
            p.code AS participant_code, p.segment AS segment, st.name AS stage_name,
            (SELECT count(*) FROM entries e
                WHERE e.session_id = s.id AND e.deleted_at IS NULL) AS entry_count,
            max(s.updated_at, coalesce((SELECT max(updated_at) FROM entries e
                WHERE e.session_id = s.id), '')) AS last_activity
        FROM sessions s
        LEFT JOIN participants p ON p.id = s.participant_id
        LEFT JOIN stages st ON st.id = s.current_stage_id
        WHERE {where}
        ORDER BY last_activity DESC
        """,
        params,
    ):
        listings.append(
            SessionListing(
                _session(row),
                row["participant_code"],
                row["segment"],
                row["stage_name"],
                row["entry_count"],
                row["last_activity"],
            )
        )
    return listings


def move_to_stage(db: Database, session_id: str, stage_id: str) -> None:
    """Make `stage_id` the current stage; a stage entered for the first time is reached."""
    stamp = now()
    with write(db):
        db.execute(
            "UPDATE sessions SET current_stage_id = ?, updated_at = ? WHERE id = ?",
            [stage_id, stamp, session_id],
        )
        db.execute(
            "INSERT INTO stage_progress (session_id, stage_id, outcome, reason, at) "
            "VALUES (?, ?, 'reached', NULL, ?) ON CONFLICT (session_id, stage_id) DO NOTHING",
            [session_id, stage_id, stamp],
        )


def record_progress(
    db: Database, session_id: str, stage_id: str, outcome: str, reason: str | None = None
) -> None:
    """Mark a stage reached, dropped (the customer left the journey there) or skipped."""
    if outcome not in OUTCOMES:
        raise InvalidValue(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    stamp = now()
    with write(db):
        _set_progress(db, session_id, stage_id, outcome, reason, stamp)
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [stamp, session_id])


def _set_progress(
    db: Database, session_id: str, stage_id: str, outcome: str, reason: str | None, stamp: str
) -> None:
    db.execute(
        "INSERT INTO stage_progress (session_id, stage_id, outcome, reason, at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, stage_id) "
        "DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason, at = excluded.at",
        [session_id, stage_id, outcome, reason, stamp],
    )


def clear_progress(db: Database, session_id: str, stage_id: str) -> None:
    with write(db):
        db.execute(
            "DELETE FROM stage_progress WHERE session_id = ? AND stage_id = ?",
            [session_id, stage_id],
        )


def progress(db: Database, session_id: str) -> list[StageProgress]:
    return [
        StageProgress(row["session_id"], row["stage_id"], row["outcome"], row["reason"], row["at"])
        for row in db.query(
            """
            SELECT sp.session_id, sp.stage_id, sp.outcome, sp.reason, sp.at
            FROM stage_progress sp JOIN stages s ON s.id = sp.stage_id
            WHERE sp.session_id = ? ORDER BY s.position
            """,
            [session_id],
        )
    ]


def finish_session(db: Database, session_id: str) -> Session:
    stamp = now()
    with write(db):
        db.execute(
            "UPDATE sessions SET status = 'finished', ended_at = ?, updated_at = ? WHERE id = ?",
            [stamp, stamp, session_id],
        )
        db.execute("DELETE FROM drafts WHERE session_id = ?", [session_id])
    return get_session(db, session_id)


def reopen_session(db: Database, session_id: str) -> Session:
    stamp = now()
    with write(db):
        db.execute(
            "UPDATE sessions SET status = 'in_progress', ended_at = NULL, updated_at = ? "
            "WHERE id = ?",
            [stamp, session_id],
        )
    return get_session(db, session_id)


def save_draft(db: Database, session_id: str, text: str) -> None:
    """Keep what sits unsent in the input line; an empty text clears the draft."""
    with write(db):
        if text:
            db.execute(
                "INSERT INTO drafts (session_id, text, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET text = excluded.text, "
                "updated_at = excluded.updated_at",
                [session_id, text, now()],
            )
        else:
            db.execute("DELETE FROM drafts WHERE session_id = ?", [session_id])


def clear_draft(db: Database, session_id: str) -> None:
    save_draft(db, session_id, "")


def get_draft(db: Database, session_id: str) -> str:
    rows = list(db.query("SELECT text FROM drafts WHERE session_id = ?", [session_id]))
    return rows[0]["text"] if rows else ""
