"""`journey workshop` through the CliRunner: its errors, and what it hands to the app.

The TUI itself is not run here: `journey.tui.app.make_app` is replaced by a recorder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import journey.tui.app
import journey.tui.screens.new_interview_screen
from journey.capture.study import new_study
from journey.storage import open_database
from journey.tui.app import WorkshopRequest
from journey.tui.cli import app
from tests.tui.cli.test_review_cli import Recorder, assert_one_line_error, study_id


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorded = Recorder()
    monkeypatch.setattr(journey.tui.app, "make_app", recorded)
    monkeypatch.setattr("getpass.getuser", lambda: "kim")
    return recorded


def invoke(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "workshop", *args])


# -- errors -----------------------------------------------------------------------------------


def test_missing_database(runner: CliRunner, tmp_path: Path, recorder: Recorder) -> None:
    db = tmp_path / "missing.db"
    assert_one_line_error(invoke(runner, db), str(db), "no such database")
    assert not db.exists()
    assert recorder.calls == []


def test_not_a_database(runner: CliRunner, tmp_path: Path, recorder: Recorder) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not sqlite at all\n" * 100)
    before = db.read_bytes()
    assert_one_line_error(invoke(runner, db), str(db), "not a SQLite database")
    assert db.read_bytes() == before
    assert recorder.calls == []


def test_no_study_yet(runner: CliRunner, db_path: Path, recorder: Recorder) -> None:
    assert_one_line_error(invoke(runner, db_path), "no study")
    assert recorder.calls == []


def test_unknown_study(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    line = assert_one_line_error(invoke(runner, study_db, "--study", "Nope"), "'Nope'")
    assert "Checkout study" in line
    assert recorder.calls == []


def test_several_studies_need_study(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    with open_database(study_db) as db:
        new_study(db, "Onboarding study", "six-stage")
    line = assert_one_line_error(invoke(runner, study_db), "--study")
    assert "Checkout study" in line and "Onboarding study" in line
    assert recorder.calls == []


def test_an_unknown_option_is_a_usage_error(
    runner: CliRunner, study_db: Path, recorder: Recorder
) -> None:
    result = invoke(runner, study_db, "--facilitaor", "kim")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "--facilitaor" in line
    assert recorder.calls == []


def test_an_unwritable_database_cannot_hold_a_workshop(
    runner: CliRunner, study_db: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = study_db.read_bytes()
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        # As for the facilitator's account (to root, os.access finds every file writable).
        if Path(path) == study_db and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    assert_one_line_error(invoke(runner, study_db), str(study_db), "not writable")
    assert study_db.read_bytes() == before
    assert recorder.calls == []


# -- what the app gets ------------------------------------------------------------------------


def test_the_login_name_facilitates_by_default(
    runner: CliRunner, study_db: Path, recorder: Recorder
) -> None:
    result = invoke(runner, study_db)
    assert result.exit_code == 0, result.output
    assert recorder.runs == 1
    assert recorder.path == study_db
    assert recorder.kwargs == {
        "workshop": WorkshopRequest(study_id(study_db, "Checkout study"), facilitator="kim")
    }


def test_facilitator_title_and_new(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    with open_database(study_db) as db:
        new_study(db, "Onboarding study", "six-stage")
    result = invoke(
        runner,
        study_db,
        "--study",
        "onboarding STUDY",
        "--facilitator",
        "Lee",
        "--title",
        "Day two",
        "--new",
    )
    assert result.exit_code == 0, result.output
    assert recorder.kwargs["workshop"] == WorkshopRequest(
        study_id(study_db, "Onboarding study"), facilitator="Lee", title="Day two", new=True
    )
