"""Erasure: a participant (`forget_participant`) or a whole study (`erase_study`) taken
out of the tables, then out of the file's bytes (`finish_erasure`).

Deleting rows is not enough to erase them. The text of a deleted row can live on in
the database file and its WAL in many places: the free space of the pages that held
the row and of every page an earlier version of it was written to (an edited entry, a
draft saved as it was typed, every summary row recounted as entries came in; connections
without `secure_delete` leave those bytes where they were), pages on the freelist, the
unused tail of pages split or rebuilt, index pages, and whole old page images in the
WAL. So an erasure ends by rewriting the file:

1. the rows go in one transaction, with `secure_delete` on (checked), so the pages it
   changes carry zeros instead of the erased cells;
2. a `VACUUM` rebuilds every page of the database from the rows that remain, so no free
   space, freelist page or stale cell of any table or index (the `agg_*` summaries
   included) keeps anything of what was erased; its working copy is kept in memory
   (`temp_store`), not in a temporary file elsewhere on disk;
3. a TRUNCATE checkpoint copies the rebuilt pages into the database file, cuts the file
   to its new size and empties the `-wal`, where the old page images were.

Steps 2 and 3 need every other connection to have let go of the snapshots it reads
from: while one reads an earlier state of the database (a transaction left open in a
sqlite3 shell, a notebook, Datasette, a long export), SQLite keeps that state's pages in
the file and the WAL for it, and nothing may overwrite them. `finish_erasure` waits for
that, up to a deadline, and says what remains when the deadline passes; it can be run
again at any time (`journey forget --finish`) and finishes whatever erasure is pending.
"""

from __future__ import annotations

import shlex
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from journey.storage.connection import _db_path, now, write
from journey.storage.errors import JourneyError, NotFound
from journey.storage.items import item_key
from journey.storage.replication import erasure as replica_erasure

# How long an erasure waits, by default, for other programs to let go of the database.
ERASE_WAIT_SECONDS = 60.0
# Readers and writers that let go within this time pass without a word.
_QUIET_SECONDS = 1.0
# Each try holds the write lock (SQLite's checkpoint keeps writers out while it waits for
# readers) at most this long, then leaves a pause for the interviewers' saves.
_TRY_MS = 100
_PAUSE_SECONDS = 0.2
# Readers still on an older snapshot: those that held one before the rewrite must end
# theirs after it too; give them at least this long after a rewrite that took longer.
_AFTER_REWRITE_SECONDS = 10.0

READERS = (
    "a journey review or export, or a sqlite3, Datasette or notebook session with a "
    "transaction open"
)


@dataclass(frozen=True)
class Overwrite:
    """Whether the erased data is gone from the file's bytes; if not, `remains` says what
    is left where, why, and what finishes it (a phrase: "old copies ... stay ...")."""

    done: bool
    remains: str = ""


@dataclass(frozen=True)
class Erased:
    participant: str
    sessions: int
    entries: int
    edits: int
    drafts: int
    tags: int  # tags only the erased entries used, removed with them
    channels: int  # channels added for the erased entries only, removed with them
    overwrite: Overwrite


@dataclass(frozen=True)
class ErasedStudy:
    study: str
    sessions: int
    entries: int
    participants: int
    overwrite: Overwrite


Waiting = Callable[[], None]


def forget_participant(
    db: Database,
    study_id: str,
    code: str,
    *,
    wait: float = ERASE_WAIT_SECONDS,
    waiting: Waiting | None = None,
) -> Erased:
    """Erase one participant of a study: their participant row (code, segment, consent,
    personal fields), their sessions (interviewer, title, stage progress and drop-out
    reasons, drafts), their entries with their tags, votes, links and edit history; the
    tags and the channels that only their entries used (a channel the study was created
    with stays); a workshop theme left without entries, or titled with the very words of
    an erased entry (the title a theme is offered), which takes those of its first
    remaining entry instead. Then `finish_erasure` overwrites their bytes (see there for
    `wait` and `waiting`)."""
    conn = db.conn
    _secure_delete(conn)
    with write(db):
        row = conn.execute(
            "SELECT id, code FROM participants WHERE study_id = ? AND code = ? COLLATE NOCASE",
            [study_id, code.strip()],
        ).fetchone()
        if row is None:
            raise NotFound(f"no participant {code!r} in this study")
        found = _participant_rows(conn, row[0])
        for statement in (
            f"DELETE FROM entry_tags WHERE entry_id IN ({_ENTRIES_OF})",
            f"DELETE FROM edits WHERE entry_id IN ({_ENTRIES_OF})",
            f"DELETE FROM entries WHERE session_id IN ({_SESSIONS_OF})",
            f"DELETE FROM drafts WHERE session_id IN ({_SESSIONS_OF})",
            f"DELETE FROM stage_progress WHERE session_id IN ({_SESSIONS_OF})",
            "DELETE FROM sessions WHERE participant_id = ?",
            "DELETE FROM participants WHERE id = ?",
        ):
            conn.execute(statement, [row[0]])
        tags, channels = _delete_left_unused(conn, found.tag_ids, found.channel_ids)
        _clear_themes(conn, study_id, set(found.theme_ids), found.said)
    sessions_n, entries_n, edits_n, drafts_n = found.counts
    return Erased(
        row[1],
        sessions_n,
        entries_n,
        edits_n,
        drafts_n,
        tags,
        channels,
        finish_erasure(db, wait=wait, waiting=waiting),
    )


# A participant's sessions and entries, for the participant id as the one parameter.
_SESSIONS_OF = "SELECT id FROM sessions WHERE participant_id = ?"
_ENTRIES_OF = f"SELECT id FROM entries WHERE session_id IN ({_SESSIONS_OF})"


@dataclass(frozen=True)
class _ParticipantRows:
    """What erasing a participant removes, read before the rows go."""

    counts: tuple[int, int, int, int]  # sessions, entries, edits, drafts
    tag_ids: list
    channel_ids: list
    theme_ids: list
    said: set[str]  # the item keys of their entries (a theme titled with them is cleared)


def _participant_rows(conn, participant_id: str) -> _ParticipantRows:
    one = [participant_id]
    counts = tuple(
        conn.execute(f"SELECT count(*) FROM ({query})", one).fetchone()[0]
        for query in (
            _SESSIONS_OF,
            _ENTRIES_OF,
            f"SELECT id FROM edits WHERE entry_id IN ({_ENTRIES_OF})",
            f"SELECT session_id FROM drafts WHERE session_id IN ({_SESSIONS_OF})",
        )
    )
    of_entries = f"FROM entries WHERE session_id IN ({_SESSIONS_OF})"
    return _ParticipantRows(
        counts=counts,  # type: ignore[arg-type]
        tag_ids=_column(
            conn, f"SELECT DISTINCT tag_id FROM entry_tags WHERE entry_id IN ({_ENTRIES_OF})", one
        ),
        channel_ids=_column(
            conn, f"SELECT DISTINCT channel_id {of_entries} AND channel_id IS NOT NULL", one
        ),
        theme_ids=_column(
            conn, f"SELECT DISTINCT theme_id {of_entries} AND theme_id IS NOT NULL", one
        ),
        said={item_key(text) for text in _column(conn, f"SELECT text {of_entries}", one)},
    )


def _delete_left_unused(conn, tag_ids: list, channel_ids: list) -> tuple[int, int]:
    """The tags and channels only the erased entries used; a channel the study was made
    with (from its template) is its guide and stays."""
    tags = _delete_unused(
        conn,
        tag_ids,
        "DELETE FROM tags WHERE id = ? "
        "AND NOT EXISTS (SELECT 1 FROM entry_tags et WHERE et.tag_id = tags.id)",
    )
    channels = _delete_unused(
        conn,
        channel_ids,
        "DELETE FROM channels WHERE id = ? "
        "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.channel_id = channels.id) "
        "AND created_at <> (SELECT s.created_at FROM studies s WHERE s.id = channels.study_id)",
    )
    return tags, channels


def erase_study(
    db: Database,
    study_id: str,
    *,
    wait: float = ERASE_WAIT_SECONDS,
    waiting: Waiting | None = None,
) -> ErasedStudy:
    """Delete a study and everything recorded in it (entries, sessions, participants,
    drafts, edits, votes, themes, links, tags, channels, its stages and guide), then
    overwrite it with `finish_erasure`, as `forget_participant` does."""
    conn = db.conn
    _secure_delete(conn)
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
    sessions_n, entries_n, participants_n = counts
    return ErasedStudy(
        row[0],
        sessions_n,
        entries_n,
        participants_n,
        finish_erasure(db, wait=wait, waiting=waiting),
    )


def finish_erasure(
    db: Database, *, wait: float = ERASE_WAIT_SECONDS, waiting: Waiting | None = None
) -> Overwrite:
    """Overwrite what was deleted from the database: rebuild every page from the rows that
    remain (VACUUM), copy the result into the file and empty the WAL (a TRUNCATE
    checkpoint). It runs after any erasure, and again at any time to finish one that
    could not be finished then; on a database with nothing erased it changes no row.

    While another connection reads an earlier state of the database, its pages must stay
    in the file: this waits for every such reader to let go, up to `wait` seconds,
    calling `waiting` once when it starts waiting longer than a moment (to say so). It
    gives up at the deadline, on an interrupt (Ctrl-C) or when the rewrite fails (the
    disk or memory is full), and then says what remains in `Overwrite.remains`; the rows
    stay erased either way. Must be called outside a transaction."""
    conn = db.conn
    path = _db_path(db)
    deadline = time.monotonic() + max(0.0, wait)
    told = [waiting is None]

    def say_once() -> None:
        if not told[0] and waiting is not None:
            told[0] = True
            waiting()

    try:
        # Litestream (`journey replicate`) holds a read transaction for good: it is
        # stopped while the file is rewritten, and the erasure is then carried to its
        # working folder and its replicas (see `storage.replication.erasure`).
        with replica_erasure.paused(path) as was_paused:
            # Rebuilding while an old snapshot is held would only grow the WAL by a copy
            # of the database each time: wait for the readers first.
            if not _checkpoint(conn, deadline, say_once):
                return Overwrite(False, _held(path))
            try:
                _rebuild(conn)
            except sqlite3.DatabaseError as error:
                return Overwrite(False, _not_rebuilt(path, error))
            after = max(deadline, time.monotonic() + min(wait, _AFTER_REWRITE_SECONDS))
            if not _checkpoint(conn, after, say_once):
                return Overwrite(False, _held(path))
            replica_erasure.mark_erased(path)
        remains = replica_erasure.replicas_after_erasure(path, was_paused)
    except KeyboardInterrupt:
        return Overwrite(False, _held(path, stopped=True))
    if remains:
        return Overwrite(False, _in_replicas(path, remains))
    return Overwrite(True)


def _secure_delete(conn: sqlite3.Connection) -> None:
    """Freed content is zeroed by this connection; refuse to erase where SQLite cannot."""
    conn.execute("PRAGMA secure_delete = ON")
    if conn.execute("PRAGMA secure_delete").fetchone()[0] != 1:
        raise JourneyError(
            "this SQLite cannot overwrite deleted data (secure_delete is off); nothing was erased"
        )


def _column(conn: sqlite3.Connection, sql: str, parameters: list) -> list:
    return [row[0] for row in conn.execute(sql, parameters)]


def _delete_unused(conn: sqlite3.Connection, ids: list[str], statement: str) -> int:
    return sum(conn.execute(statement, [row_id]).rowcount for row_id in ids)


def _clear_themes(
    conn: sqlite3.Connection, study_id: str, touched: set[str], said: set[str]
) -> None:
    """Themes after an erasure: one that lost its last entry goes; one titled with the
    words of an erased entry takes those of its first remaining entry (live first)."""
    themes = conn.execute("SELECT id, title FROM themes WHERE study_id = ?", [study_id]).fetchall()
    for theme_id, title in themes:
        words = item_key(title) in said
        if theme_id not in touched and not words:
            continue
        first = conn.execute(
            "SELECT text FROM entries WHERE theme_id = ? "
            "ORDER BY deleted_at IS NOT NULL, created_at, rowid LIMIT 1",
            [theme_id],
        ).fetchone()
        if first is None:
            conn.execute("DELETE FROM themes WHERE id = ?", [theme_id])
        elif words:
            conn.execute(
                "UPDATE themes SET title = ?, updated_at = ? WHERE id = ?",
                [first[0], now(), theme_id],
            )


def _rebuild(conn: sqlite3.Connection) -> None:
    """VACUUM, its working copy in memory: a temporary file would put a copy of the
    database in the temporary folder, outside the database's own folder."""
    before = conn.execute("PRAGMA temp_store").fetchone()[0]
    conn.execute("PRAGMA temp_store = MEMORY")
    try:
        conn.execute("VACUUM")
    finally:
        conn.execute(f"PRAGMA temp_store = {int(before)}")


def _checkpoint(conn: sqlite3.Connection, deadline: float, waiting: Waiting) -> bool:
    """Copy the WAL into the file and truncate it, retrying until every reader is on the
    latest snapshot or the deadline passes; `waiting` is called once readers have held
    out for a moment. Whether it succeeded."""
    before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    quiet_until = time.monotonic() + _QUIET_SECONDS
    try:
        while True:
            remaining = deadline - time.monotonic()
            conn.execute(
                f"PRAGMA busy_timeout = {int(max(0.0, min(remaining, _TRY_MS / 1000)) * 1000)}"
            )
            if conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0:
                return True
            if time.monotonic() + _PAUSE_SECONDS >= deadline:
                return False
            if time.monotonic() >= quiet_until:
                waiting()
            time.sleep(_PAUSE_SECONDS)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(before)}")


def _finish_command(path: Path) -> str:
    return f"`journey --db {shlex.quote(str(path))} forget --finish`"


def _held(path: Path, *, stopped: bool = False) -> str:
    return (
        f"old copies of it stay in the bytes of {path.name} and {path.name}-wal until "
        f"another program that is reading an earlier state of the database ({READERS}) "
        f"lets go{' (the wait was stopped)' if stopped else ''}; then run "
        f"{_finish_command(path)}"
    )


def _not_rebuilt(path: Path, error: sqlite3.DatabaseError) -> str:
    return (
        f"old copies of it may stay in the free space of {path.name} and {path.name}-wal: "
        f"the file could not be rewritten ({error}); once that is fixed, run "
        f"{_finish_command(path)}"
    )


def _in_replicas(path: Path, remains: list[str]) -> str:
    return (
        f"{path.name} and {path.name}-wal hold no copy of it any more; old copies stay in "
        + "; in ".join(remains)
    )


def waiting_notice(wait: float) -> str:
    """What an erasure says when it starts waiting for readers (`finish_erasure`)."""
    return (
        f"another program is reading an earlier state of the database ({READERS}); waiting "
        f"up to {wait:g} s for it to let go, so that the old copies of the erased data in "
        "the file can be overwritten"
    )


def left_nothing(path: Path) -> str:
    """What a finished erasure says."""
    replicas = replica_erasure.replica_urls(path)
    return (
        f"{path.name} and {path.name}-wal hold no copy of what was erased"
        + (f", nor Litestream's working folder or the replicas ({replicas})" if replicas else "")
        + "; backups and exports made before still hold what they held"
    )
