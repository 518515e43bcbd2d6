"""Erasing a participant: their entries, personal fields, drafts and edit history, and
(with secure_delete and a checkpoint) the bytes in the file and its WAL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from storage.connection import write
from storage.errors import NotFound


@dataclass(frozen=True)
class Erased:
    participant: str
    sessions: int
    entries: int
    edits: int
    drafts: int
    wal_cleared: bool  # False when another connection kept the WAL from being truncated


def forget_participant(db: Database, study_id: str, code: str) -> Erased:
    """Delete everything recorded about one participant of a study, then overwrite it.

    `secure_delete` makes SQLite zero the freed content; the TRUNCATE checkpoint
    copies the zeroed pages into the database file and empties the WAL, where the
    old page images would otherwise survive.
    """
    conn = db.conn
    conn.execute("PRAGMA secure_delete = ON")
    with write(db):
        row = conn.execute(
            "SELECT id, code FROM participants WHERE study_id = ? AND code = ? COLLATE NOCASE",
            [study_id, code.strip()],
        ).fetchone()
        if row is None:
            raise NotFound(f"no participant {code!r} in this study")
        participant_id = row[0]
        sessions = "SELECT id FROM sessions WHERE participant_id = ?"
        entries = f"SELECT id FROM entries WHERE session_id IN ({sessions})"
        counts = [
            conn.execute(f"SELECT count(*) FROM ({query})", [participant_id]).fetchone()[0]
            for query in (
                sessions,
                entries,
                f"SELECT id FROM edits WHERE entry_id IN ({entries})",
                f"SELECT session_id FROM drafts WHERE session_id IN ({sessions})",
            )
        ]
        for statement in (
            f"DELETE FROM entry_tags WHERE entry_id IN ({entries})",
            f"DELETE FROM edits WHERE entry_id IN ({entries})",
            f"DELETE FROM entries WHERE session_id IN ({sessions})",
            f"DELETE FROM drafts WHERE session_id IN ({sessions})",
            f"DELETE FROM stage_progress WHERE session_id IN ({sessions})",
            "DELETE FROM sessions WHERE participant_id = ?",
            "DELETE FROM participants WHERE id = ?",
        ):
            conn.execute(statement, [participant_id])
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    sessions_n, entries_n, edits_n, drafts_n = counts
    return Erased(row[1], sessions_n, entries_n, edits_n, drafts_n, wal_cleared=busy == 0)


@dataclass(frozen=True)
class ErasedStudy:
    study: str
    sessions: int
    entries: int
    participants: int
    wal_cleared: bool


def erase_study(db: Database, study_id: str) -> ErasedStudy:
    """Delete a study and everything recorded in it (entries, sessions, participants,
    drafts, edits, votes, themes, links, tags, channels, its stages and guide), then
    overwrite it, as `forget_participant` does: `secure_delete` zeroes the freed content
    and a TRUNCATE checkpoint empties the WAL."""
    conn = db.conn
    conn.execute("PRAGMA secure_delete = ON")
    with write(db):
        row = conn.execute("SELECT name FROM studies WHERE id = ?", [study_id]).fetchone()
        if row is None:
            raise NotFound("no such study (deleted already?)")
        sessions = "SELECT id FROM sessions WHERE study_id = ?"
        counts = [
            conn.execute(sql, [study_id]).fetchone()[0]
            for sql in (
                "SELECT count(*) FROM sessions WHERE study_id = ?",
                f"SELECT count(*) FROM entries WHERE session_id IN ({sessions})",
                "SELECT count(*) FROM participants WHERE study_id = ?",
            )
        ]
        # Children first: entries point at stages and channels, which do not cascade.
        for statement in (
            f"DELETE FROM entries WHERE session_id IN ({sessions})",
            "DELETE FROM sessions WHERE study_id = ?",
            "DELETE FROM participants WHERE study_id = ?",
            "DELETE FROM themes WHERE study_id = ?",
            "DELETE FROM tags WHERE study_id = ?",
            "DELETE FROM prompts WHERE study_id = ?",
            "DELETE FROM channels WHERE study_id = ?",
            "DELETE FROM stages WHERE study_id = ?",
            "DELETE FROM studies WHERE id = ?",
        ):
            conn.execute(statement, [study_id])
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    sessions_n, entries_n, participants_n = counts
    return ErasedStudy(row[0], sessions_n, entries_n, participants_n, wal_cleared=busy == 0)
