"""Several interviewers on one database file at once: every line of every process is kept.

Each worker is its own OS process (as several `journey capture` sessions on the
team's server would be), starting its own InterviewSession and committing its
entries one by one while the others do the same.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from journey.storage import open_database
from journey.storage.studies import find_study
from tests.paths import REPO

ROOT = REPO
WORKERS = 6
ENTRIES = 50

WORKER = """
import sys, time
from pathlib import Path
from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import get_study
from tests.paths import REPO

path, study_id, code, count, flags, workers = sys.argv[1:7]
count, workers = int(count), int(workers)
flags = Path(flags)
with open_database(path) as db:
    study = get_study(db, study_id)
    (flags / f"ready-{code}").touch()
    while not (flags / "go").exists():
        time.sleep(0.005)
    session = InterviewSession.start(db, study, code, interviewer=code, consent=True)
    for n in range(count):
        lane = ("goal", "need", "touchpoint", "pain", "note")[n % 5]
        channel = session.channels[n % len(session.channels)] if lane == "touchpoint" else None
        tags = ["busy", code.lower()] if n % 10 == 0 else []
        session.add(lane, f"{code} line {n}", channel=channel, emotion=n % 5 - 2, tags=tags)
        if n == 0:
            # Everyone's first line is in before anyone's second: the sessions interleave
            # however the machine schedules the processes.
            (flags / f"first-{code}").touch()
            while len(list(flags.glob("first-*"))) < workers:
                time.sleep(0.005)
        if n == count // 2:
            session.next_stage()
    session.finish()
print(session.session.id)
"""


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_interviews_in_several_processes_lose_nothing(study_db: Path, tmp_path: Path) -> None:
    with open_database(study_db, read_only=True) as db:
        study = find_study(db, "Checkout study")
    assert study is not None
    flags = tmp_path / "flags"
    flags.mkdir()
    codes = [f"P{n:02d}" for n in range(1, WORKERS + 1)]
    workers = [
        subprocess.Popen(
            [
                *(sys.executable, "-c", WORKER, str(study_db), study.id, code, str(ENTRIES)),
                *(str(flags), str(WORKERS)),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for code in codes
    ]
    try:
        deadline = time.monotonic() + 20
        while len(list(flags.glob("ready-*"))) < WORKERS:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
            time.sleep(0.01)
        (flags / "go").touch()  # all at once
        results = [w.communicate(timeout=60) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
        assert err == ""
    session_ids = [out.strip() for out, _err in results]
    assert len(set(session_ids)) == WORKERS

    # Every entry of every process, each session's in the order it was typed.
    for code, session_id in zip(codes, session_ids, strict=True):
        rows = query(
            study_db,
            "SELECT e.text, e.author, st.position FROM entries e "
            "JOIN stages st ON st.id = e.stage_id "
            "WHERE e.session_id = ? ORDER BY e.created_at, e.rowid",
            (session_id,),
        )
        assert [text for text, _a, _p in rows] == [f"{code} line {n}" for n in range(ENTRIES)]
        assert {author for _t, author, _p in rows} == {code}
        assert [p for _t, _a, p in rows] == [1] * (ENTRIES // 2 + 1) + [2] * (ENTRIES // 2 - 1)
    assert query(study_db, "SELECT count(*) FROM entries") == [(WORKERS * ENTRIES,)]
    # The processes really wrote at the same time: their commits interleave.
    order = [sid for (sid,) in query(study_db, "SELECT session_id FROM entries ORDER BY rowid")]
    assert set(order[:WORKERS]) == set(session_ids)
    assert query(
        study_db, "SELECT count(*) FROM entries WHERE lane = 'touchpoint' AND channel_id IS NULL"
    ) == [(0,)]
    # The shared tag was created once, although every process asked for it at once.
    assert query(study_db, "SELECT name FROM tags WHERE name = 'busy'") == [("busy",)]
    assert query(study_db, "SELECT count(*) FROM tags") == [(WORKERS + 1,)]
    assert query(study_db, "SELECT count(*) FROM entry_tags") == [(WORKERS * ENTRIES // 10 * 2,)]
    assert query(study_db, "SELECT code FROM participants ORDER BY code") == [(c,) for c in codes]
    assert query(study_db, "SELECT status, count(*) FROM sessions GROUP BY status") == [
        ("finished", WORKERS)
    ]
    assert query(study_db, "PRAGMA integrity_check") == [("ok",)]
