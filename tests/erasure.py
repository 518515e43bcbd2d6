"""Helpers of the erasure tests (`journey forget`, `journey study delete`): personal data
marked with one unique word, the bytes of a database's files, a reader holding a
snapshot, and a `journey` process whose standard error is watched."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from journey.capture.session import InterviewSession
from journey.capture.workshop import WorkshopSession
from journey.storage import workshop
from journey.storage.models import Study

JOURNEY = Path(sys.executable).parent / "journey"
DEADLINE = 120.0  # generous: a busy machine runs these too


def marker(seed: int) -> str:
    """A word found nowhere else in a database: letters no UUID, time or demo text has."""
    return f"zq{seed:02d}xw"


def raw_bytes(path: Path) -> bytes:
    """Every byte of the database, its -wal and its -shm, lower-cased (ASCII)."""
    data = b""
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            data += part.read_bytes()
    return data.lower()


def marked_participant(db: Database, study: Study, mark: str) -> str:
    """A participant whose every personal trace carries `mark`: code, segment,
    interviewer, entries in several lanes (edited, undone, tagged, on a channel added for
    them), a drop-out reason, a draft typed key by key, and a workshop that voted on one
    of their lines and grouped it with another participant's under its words. Returns the
    code."""
    code = mark.upper()
    interview = InterviewSession.start(
        db,
        study,
        code,
        segment=f"segment {mark}",
        interviewer=f"interviewer {mark}",
        consent=True,
    )
    channel = interview.add_channel(f"Kiosk {mark}")
    quote = interview.add("quote", f"the {mark} phrase in a quote")
    interview.add("goal", f"wanted {mark} badly", tags=[f"tag-{mark}"])
    interview.add("touchpoint", f"met {mark} at the kiosk", channel=channel, emotion=-1)
    interview.add("pain", f"pain of {mark}", tags=[f"tag-{mark}", "pricing"], emotion=-2)
    interview.edit_last(text=f"the pain of {mark}, edited")
    interview.add("note", f"undone {mark} note")
    interview.undo()
    interview.next_stage()
    interview.add("need", f"needed {mark} " + "long " * 1200)  # overflow pages
    interview.drop(f"left because of {mark}")
    for end in range(1, len(f"draft of {mark}") + 1):
        interview.save_draft(f"draft of {mark}"[:end])
    other = InterviewSession.start(db, study, "KEEPER", consent=True)
    kept = other.add("quote", "a quote that stays")
    room = WorkshopSession.start_workshop(db, study, facilitator="kim")
    workshop.vote(db, quote.id, room.session.id, 1)
    # The theme's title is the first item's words, as the workshop screen offers it.
    workshop.group_entries(db, study.id, [quote.id, kept.id], quote.text, "kim", room.session.id)
    return code


@contextmanager
def reader_holding_a_snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """Another program in the middle of a read: BEGIN; SELECT ...; until the block ends."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM entries").fetchone()
        yield conn
    finally:
        conn.close()


def query(path: Path, sql: str, *parameters: object) -> list[tuple]:
    """What a program that opens the database now reads."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, parameters).fetchall()
    finally:
        conn.close()


def start_journey(db: Path, *args: str, stderr: Path) -> subprocess.Popen:
    """`journey --db DB ARGS...` in the background, its standard error into a file."""
    command = [str(JOURNEY)] if JOURNEY.exists() else [sys.executable, "-m", "journey.tui.cli"]
    with stderr.open("wb") as err:
        return subprocess.Popen(
            [*command, "--db", str(db), *args],
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )


def wait_for_text(path: Path, text: str, process: subprocess.Popen) -> str:
    """What the file says once it contains `text` (polled; the process may not end
    first). Fails after a generous deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        said = path.read_text(errors="replace") if path.exists() else ""
        if text in said:
            return said
        if process.poll() is not None:
            raise AssertionError(f"the process ended ({process.returncode}) first: {said}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not said within {DEADLINE} s: {said}")
        time.sleep(0.05)
