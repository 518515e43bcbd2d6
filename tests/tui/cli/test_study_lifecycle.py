"""`journey study list|rename|delete`, and demo runs started together on one file."""

from __future__ import annotations

import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.cli import app
from tests.erasure import (
    DEADLINE,
    marked_participant,
    marker,
    raw_bytes,
    reader_holding_a_snapshot,
    start_journey,
    wait_for_text,
)
from tests.paths import JOURNEY_COMMAND


def invoke(runner: CliRunner, db: Path, *args: str, input: str | None = None):
    return runner.invoke(app, ["--db", str(db), *args], input=input)


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def two_studies(path: Path) -> Path:
    with open_database(path, create=True) as db:
        new_study(db, "Checkout study")
        add_demo_sessions(db, 12, seed=3)
    return path


def test_list_shows_each_study(runner: CliRunner, tmp_path: Path) -> None:
    db = two_studies(tmp_path / "x.db")
    result = invoke(runner, db, "study", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["study", "stage", "model", "sessions", "entries", "workshops"] + [
        "last",
        "activity",
    ]
    assert lines[1].startswith("Checkout study") and lines[1].split()[3:6] == ["0", "0", "0"]
    assert lines[2].startswith("Demo study") and lines[2].split()[3] == "12"


def test_list_of_an_empty_database(runner: CliRunner, db_path: Path) -> None:
    result = invoke(runner, db_path, "study", "list")
    assert (result.exit_code, result.stdout) == (
        0,
        "No study yet (create one with `journey init --study NAME`).\n",
    )


def test_rename(runner: CliRunner, tmp_path: Path) -> None:
    db = two_studies(tmp_path / "x.db")
    result = invoke(runner, db, "study", "rename", "checkout STUDY", "Checkout 2027")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Renamed study 'Checkout study' to 'Checkout 2027'\n"
    assert query(db, "SELECT name FROM studies ORDER BY name") == [
        ("Checkout 2027",),
        ("Demo study",),
    ]


def test_rename_errors(runner: CliRunner, tmp_path: Path) -> None:
    db = two_studies(tmp_path / "x.db")
    before = db.read_bytes()
    taken = invoke(runner, db, "study", "rename", "Checkout study", "demo study")
    assert taken.exit_code == 1
    assert taken.stderr == "journey: a study named 'demo study' already exists\n"
    unknown = invoke(runner, db, "study", "rename", "Nope", "Other")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("journey: no study named 'Nope' (studies: ")
    empty = invoke(runner, db, "study", "rename", "Checkout study", "  ")
    assert empty.exit_code == 1 and "a study needs a name" in empty.stderr
    assert db.read_bytes() == before


def test_delete_erases_the_study_and_its_bytes(runner: CliRunner, tmp_path: Path) -> None:
    db = two_studies(tmp_path / "x.db")
    phrase = query(db, "SELECT text FROM entries LIMIT 1")[0][0]
    assert phrase.encode() in db.read_bytes() + Path(f"{db}-wal").read_bytes()
    result = invoke(runner, db, "study", "delete", "Demo study", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Erased study 'Demo study': 12 sessions, ")
    for table in ("sessions", "participants", "entries", "tags", "agg_entry_keys", "agg_items"):
        assert query(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert query(db, "SELECT name FROM studies") == [("Checkout study",)]
    wal = Path(f"{db}-wal")
    stored = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert phrase.encode() not in stored
    assert b"first-time buyer" not in stored  # a segment, a personal field
    assert query(db, "PRAGMA foreign_key_check") == []


def test_delete_asks_first_and_no_keeps_everything(runner: CliRunner, tmp_path: Path) -> None:
    db = two_studies(tmp_path / "x.db")
    before = query(db, "SELECT count(*) FROM entries")
    result = invoke(runner, db, "study", "delete", "Demo study", input="n\n")
    assert result.exit_code == 1
    assert "Erase study 'Demo study'" in result.stderr and "Nothing erased." in result.stderr
    assert query(db, "SELECT count(*) FROM entries") == before
    nobody = invoke(runner, db, "study", "delete", "Demo study")  # no answer at all
    assert nobody.exit_code == 1
    assert query(db, "SELECT count(*) FROM entries") == before
    unknown = invoke(runner, db, "study", "delete", "Nope", "--yes")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("journey: no study named 'Nope'")


def marked_studies(path: Path, seed: int) -> Path:
    """A study that stays, and the demo study with a participant whose every trace carries
    `marker(seed)`, written with deleted content left in place (as many SQLite builds
    write: `secure_delete` off)."""
    with open_database(path, create=True) as db:
        db.execute("PRAGMA secure_delete = OFF")
        kept = new_study(db, "Checkout study")
        InterviewSession.start(db, kept, "K01", consent=True).add("quote", "words that stay")
        add_demo_sessions(db, 4 + 3 * seed, seed=seed)
        marked_participant(db, resolve_study(db, "Demo study"), marker(seed))
        add_demo_sessions(db, 2 + seed, seed=seed + 100)
    return path


def left_nothing(path: Path) -> str:
    return (
        f"{path.name} and {path.name}-wal hold no copy of what was erased; backups and "
        "exports made before still hold what they held."
    )


def test_delete_leaves_no_copy_in_the_file_bytes(runner: CliRunner, tmp_path: Path) -> None:
    for seed in range(5):
        db = marked_studies(tmp_path / f"run{seed}.db", seed)
        mark = marker(seed).encode()
        assert mark in raw_bytes(db)
        result = invoke(runner, db, "study", "delete", "Demo study", "--yes")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1] == left_nothing(db)
        data = raw_bytes(db)
        assert data.count(mark) == 0, f"run {seed}: {data.count(mark)} copies left"
        assert b"words that stay" in data  # the scan does see what was kept
        assert query(db, "SELECT name FROM studies") == [("Checkout study",)]
        assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_delete_while_another_program_reads_says_what_stays_until_finish(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = marked_studies(tmp_path / "held.db", 3)
    mark = marker(3).encode()
    with reader_holding_a_snapshot(db):
        result = invoke(runner, db, "study", "delete", "Demo study", "--yes", "--wait", "0")
        assert result.exit_code == 1
        assert result.stdout.startswith("Erased study 'Demo study': ")
        [line] = result.stderr.splitlines()
        assert line.startswith(
            "journey: study 'Demo study' is erased from the tables, but old copies of it stay "
            f"in the bytes of {db.name} and {db.name}-wal until another program that is "
            "reading an earlier state of the database ("
        )
        assert line.endswith(f"{db.name} forget --finish`")
        assert query(db, "SELECT name FROM studies") == [("Checkout study",)]
        assert mark in raw_bytes(db)
    finished = invoke(runner, db, "forget", "--finish")
    assert (finished.exit_code, finished.stdout) == (0, f"Finished: {left_nothing(db)}\n")
    assert mark not in raw_bytes(db)


def test_delete_waits_for_a_reader_and_erases_once_it_lets_go(tmp_path: Path) -> None:
    db = marked_studies(tmp_path / "waits.db", 5)
    mark = marker(5).encode()
    stderr = tmp_path / "stderr.txt"
    with reader_holding_a_snapshot(db):
        process = start_journey(
            db, "study", "delete", "Demo study", "--yes", "--wait", "600", stderr=stderr
        )
        try:
            said = wait_for_text(stderr, "(Ctrl-C stops waiting)\n", process)
            assert process.poll() is None  # still waiting: the reader holds its snapshot
            assert said.startswith("journey: another program is reading an earlier state ")
            assert mark in raw_bytes(db)
        except BaseException:
            process.kill()
            raise
    out, _ = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, stderr.read_text()
    assert stderr.read_text() == said
    assert out.decode().splitlines()[1] == left_nothing(db)
    assert mark not in raw_bytes(db)


def test_twenty_five_demo_runs_started_together_all_succeed(tmp_path: Path) -> None:
    """Participant numbers and tags are chosen inside each run's write transaction, and
    the file is created once: no run fails on another's participant code."""
    db = tmp_path / "p.db"
    command = [
        *JOURNEY_COMMAND,
        "--db",
        str(db),
        "demo",
        "--sessions",
        "5",
    ]

    def run(_: int) -> subprocess.CompletedProcess:
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(run, range(25)))
    failures = [r.stderr for r in results if r.returncode != 0]
    assert failures == []
    assert all(r.stdout.startswith("Added ") for r in results)
    ((sessions, participants, codes),) = query(
        db,
        "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM participants), "
        "(SELECT count(DISTINCT code) FROM participants)",
    )
    workshops = query(db, "SELECT count(*) FROM sessions WHERE mode = 'workshop'")[0][0]
    assert sessions == 125
    assert participants == codes == 125 - workshops
