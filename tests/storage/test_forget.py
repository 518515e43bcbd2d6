"""journey forget: a participant's data is gone from the tables and from the raw files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.app import ReviewRequest, make_app
from journey.tui.cli import app
from journey.tui.screens.review_screen import ReviewScreen
from tests.erasure import (
    DEADLINE,
    marked_participant,
    marker,
    query,
    raw_bytes,
    reader_holding_a_snapshot,
    start_journey,
    wait_for_text,
)

SECRET = "zebracorn-7f3a"


def _two_participants(path: Path) -> None:
    with open_database(path) as db:
        study = resolve_study(db, None)
        one = InterviewSession.start(db, study, "P01", segment="secret-segment-x", consent=True)
        one.add("quote", f"my phrase {SECRET}", tags=["tagonly"])
        one.edit_last(text=f"my phrase {SECRET} again")
        one.save_draft(f"draft {SECRET}")
        other = InterviewSession.start(db, study, "P02", consent=True)
        other.add("quote", "keep this one")


def _raw(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


def test_forget_erases_rows_and_bytes(study_db: Path, runner: CliRunner) -> None:
    _two_participants(study_db)
    assert SECRET.encode() in _raw(study_db)
    result = runner.invoke(app, ["--db", str(study_db), "forget", "--participant", "p01", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased P01: 1 sessions, 1 entries" in result.stdout
    assert SECRET.encode() not in _raw(study_db)
    assert b"secret-segment-x" not in _raw(study_db)
    with open_database(study_db, read_only=True) as db:
        codes = [r["code"] for r in db.query("SELECT code FROM participants")]
        texts = [r["text"] for r in db.query("SELECT text FROM entries")]
        assert codes == ["P02"]
        assert texts == ["keep this one"]
        assert list(db.query("SELECT * FROM drafts")) == []
        assert list(db.query("SELECT * FROM edits")) == []
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_forget_asks_first_and_no_answer_keeps_everything(
    study_db: Path, runner: CliRunner
) -> None:
    _two_participants(study_db)
    result = runner.invoke(
        app, ["--db", str(study_db), "forget", "--participant", "P01"], input="n\n"
    )
    assert result.exit_code == 1
    with open_database(study_db, read_only=True) as db:
        assert db.execute("SELECT count(*) FROM participants").fetchone()[0] == 2


def test_forget_unknown_participant_is_one_line(study_db: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--db", str(study_db), "forget", "--participant", "P99", "--yes"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "journey: no participant 'P99' in study 'Checkout study'"
    ]


def test_forget_on_missing_database_creates_nothing(tmp_path: Path, runner: CliRunner) -> None:
    missing = tmp_path / "nope.db"
    result = runner.invoke(app, ["--db", str(missing), "forget", "--participant", "P1", "--yes"])
    assert result.exit_code == 1
    assert not missing.exists()


# -- the file's bytes: every copy, every run -------------------------------------------


def _marked_database(path: Path, seed: int) -> str:
    """Demo interviews around a participant whose every trace carries `marker(seed)`,
    written the way many SQLite builds write (deleted content left in place: their
    `secure_delete` is off), so that stale copies are everywhere to be found. Returns the
    participant's code."""
    with open_database(path, create=True) as db:
        db.execute("PRAGMA secure_delete = OFF")
        add_demo_sessions(db, 4 + 3 * seed, seed=seed)
        code = marked_participant(db, resolve_study(db, None), marker(seed))
        add_demo_sessions(db, 2 + seed, seed=seed + 100)
    return code


def _forget(runner: CliRunner, path: Path, *args: str):
    return runner.invoke(app, ["--db", str(path), "forget", *args])


def _count_of(path: Path, code: str) -> tuple[int, int]:
    sessions = "SELECT s.id FROM sessions s JOIN participants p ON p.id = s.participant_id "
    sessions += "WHERE p.code = ?"
    return query(
        path,
        f"SELECT (SELECT count(*) FROM ({sessions})), "
        f"(SELECT count(*) FROM entries WHERE session_id IN ({sessions}))",
        code,
        code,
    )[0]


def _left_nothing(path: Path) -> str:
    return (
        f"{path.name} and {path.name}-wal hold no copy of what was erased; backups and "
        "exports made before still hold what they held."
    )


def test_forget_leaves_no_copy_in_the_file_bytes_ten_runs_of_ten(
    tmp_path: Path, runner: CliRunner
) -> None:
    for seed in range(10):
        path = tmp_path / f"run{seed}.db"
        code = _marked_database(path, seed)
        mark = marker(seed).encode()
        assert mark in raw_bytes(path)
        sessions, entries = _count_of(path, code)
        result = _forget(runner, path, "--participant", code.lower(), "--yes")
        assert result.exit_code == 0, (seed, result.output)
        assert result.stdout.splitlines() == [
            f"Erased {code}: {sessions} sessions, {entries} entries, 2 edits, 1 drafts, "
            "1 tags and 1 channels only they used",
            _left_nothing(path),
        ]
        data = raw_bytes(path)
        assert data.count(mark) == 0, f"run {seed}: {data.count(mark)} copies left"
        assert b"a quote that stays" in data  # the scan does see what was kept
        assert query(path, "SELECT count(*) FROM participants WHERE code = ?", "KEEPER") == [(1,)]
        assert query(path, "SELECT count(*) FROM tags WHERE name = 'pricing'") == [(1,)]
        # The theme that carried the erased words takes those of its remaining entry.
        assert query(path, "SELECT title FROM themes") == [("a quote that stays",)]
        assert query(path, "PRAGMA integrity_check") == [("ok",)]
        assert query(path, "PRAGMA foreign_key_check") == []


def test_forget_while_another_program_reads_says_what_stays_and_finish_erases_it(
    tmp_path: Path, runner: CliRunner
) -> None:
    path = tmp_path / "held.db"
    code = _marked_database(path, 42)
    mark = marker(42).encode()
    with reader_holding_a_snapshot(path) as reader:
        result = _forget(runner, path, "--participant", code, "--yes", "--wait", "0")
        assert result.exit_code == 1
        assert result.stdout.startswith(f"Erased {code}: 1 sessions, 6 entries, ")
        [line] = result.stderr.splitlines()
        assert line.startswith(
            f"journey: {code} is erased from the tables, but old copies of it stay in the "
            f"bytes of {path.name} and {path.name}-wal until another program that is reading "
            "an earlier state of the database (a journey review or export, or a sqlite3, "
            "Datasette or notebook session with a transaction open) lets go; then run "
            "`journey --db "
        )
        assert line.endswith(f"{path.name} forget --finish`")
        # What it says is so: gone for every new reader, still in the bytes for this one.
        assert query(path, "SELECT count(*) FROM participants WHERE code = ?", code) == [(0,)]
        assert reader.execute(
            "SELECT count(*) FROM participants WHERE code = ?", [code]
        ).fetchone() == (1,)
        assert mark in raw_bytes(path)
        early = _forget(runner, path, "--finish", "--wait", "0")
        assert early.exit_code == 1
        assert early.stderr.startswith("journey: the erasure is not finished: old copies of it ")
        assert mark in raw_bytes(path)
    finished = _forget(runner, path, "--finish")
    assert (finished.exit_code, finished.stdout) == (0, f"Finished: {_left_nothing(path)}\n")
    assert mark not in raw_bytes(path)
    assert query(path, "SELECT count(*) FROM participants") != [(0,)]


def test_forget_waits_for_a_reader_and_erases_once_it_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "waits.db"
    code = _marked_database(path, 7)
    mark = marker(7).encode()
    stderr = tmp_path / "stderr.txt"
    with reader_holding_a_snapshot(path):
        process = start_journey(
            path, "forget", "--participant", code, "--yes", "--wait", "600", stderr=stderr
        )
        try:
            said = wait_for_text(stderr, "(Ctrl-C stops waiting)\n", process)
            assert process.poll() is None  # still waiting: the reader holds its snapshot
            assert mark in raw_bytes(path)
        except BaseException:
            process.kill()
            raise
    out, _ = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, stderr.read_text()
    assert (
        said
        == stderr.read_text()
        == (
            "journey: another program is reading an earlier state of the database (a journey "
            "review or export, or a sqlite3, Datasette or notebook session with a transaction "
            "open); waiting up to 600 s for it to let go, so that the old copies of the erased "
            "data in the file can be overwritten (Ctrl-C stops waiting)\n"
        )
    )
    assert out.decode().splitlines()[1] == _left_nothing(path)
    assert mark not in raw_bytes(path)


def test_forget_keeps_the_studys_own_channels_and_what_others_use(
    study_db: Path, runner: CliRunner
) -> None:
    with open_database(study_db) as db:
        study = resolve_study(db, None)
        one = InterviewSession.start(db, study, "P01", consent=True)
        website = next(c for c in one.channels if c.name == "Website")
        one.add("touchpoint", "found it", channel=website, tags=["mine", "shared"])
        kiosk = one.add_channel("Kiosk")
        one.add("touchpoint", "kiosk again", channel=kiosk)
        other = InterviewSession.start(db, study, "P02", consent=True)
        other.add("touchpoint", "kiosk too", channel=kiosk, tags=["shared"])
        before = {c.name for c in other.channels}
    result = _forget(runner, study_db, "--participant", "P01", "--yes")
    assert result.exit_code == 0, result.output
    assert "1 tags and 0 channels only they used" in result.stdout
    # Website came with the study (its template), Kiosk is still used by P02.
    assert {name for (name,) in query(study_db, "SELECT name FROM channels")} == before
    assert query(study_db, "SELECT name FROM tags") == [("shared",)]


def test_finish_and_participant_go_alone(study_db: Path, runner: CliRunner) -> None:
    for args in ((), ("--participant", "P01", "--finish")):
        result = _forget(runner, study_db, *args)
        assert result.exit_code == 2
        assert "give either --participant CODE, to erase a participant, or --finish" in (
            result.stderr
        )


async def test_a_live_review_does_not_hold_an_erasure_up(tmp_path: Path, runner: CliRunner) -> None:
    """A review reads in short snapshots and holds none while idle, so an erasure run
    beside it finishes at once, without waiting (`--wait 0`)."""
    path = tmp_path / "live.db"
    code = _marked_database(path, 11)
    with open_database(path, read_only=True) as db:
        study_id = resolve_study(db, None).id
    app = make_app(
        path, review=ReviewRequest(study_id), read_only=True, poll_seconds=0.1, cursor_blink=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        result = _forget(runner, path, "--participant", code, "--yes", "--wait", "0")
        assert result.exit_code == 0, result.output
        assert marker(11).encode() not in raw_bytes(path)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ReviewScreen)
        assert [n for n in app._notifications if n.severity == "error"] == []
