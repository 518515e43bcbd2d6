"""journey forget: a participant's data is gone from the tables and from the raw files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from capture.session import InterviewSession
from storage import open_database
from storage.studies import resolve_study
from tui.cli import app

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
