"""`journey review` through the CliRunner: its errors, and what it hands to the app.

The TUI itself is not run here: `journey.tui.app.make_app` is replaced by a recorder.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

import journey.tui.app
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.browse import filter_values
from journey.storage.session_filter import NO_FILTER, SessionFilter
from journey.storage.sessions import add_participant, start_session
from journey.storage.studies import find_study
from journey.tui.app import ReviewRequest
from journey.tui.cli import app


class Recorder:
    """Stands in for make_app: records its arguments; `run` does nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []
        self.runs = 0

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self

    return_code = 0

    def run(self) -> None:
        self.runs += 1

    @property
    def kwargs(self) -> dict:
        ((_, kwargs),) = self.calls
        return kwargs

    @property
    def path(self) -> Path:
        ((args, _),) = self.calls
        return Path(args[0])


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorded = Recorder()
    monkeypatch.setattr(journey.tui.app, "make_app", recorded)
    return recorded


def invoke(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "review", *args])


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def assert_one_line_error(result, *mentions: str) -> str:
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("journey: "), lines[0]
    for mention in mentions:
        assert mention in lines[0], (mention, lines[0])
    assert result.stdout == ""
    return lines[0]


def study_id(path: Path, name: str) -> str:
    with open_database(path, read_only=True) as db:
        study = find_study(db, name)
    assert study is not None
    return study.id


# -- errors -----------------------------------------------------------------------------------


def test_missing_database(runner: CliRunner, tmp_path: Path, recorder: Recorder) -> None:
    db = tmp_path / "missing.db"
    assert_one_line_error(invoke(runner, db), str(db), "no such database")
    assert not db.exists()
    assert recorder.calls == []


def test_missing_database_read_only(runner: CliRunner, tmp_path: Path, recorder: Recorder) -> None:
    db = tmp_path / "missing.db"
    assert_one_line_error(invoke(runner, db, "--read-only"), "no such database")
    assert not db.exists()
    assert recorder.calls == []


def test_not_a_database(runner: CliRunner, tmp_path: Path, recorder: Recorder) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not sqlite at all\n" * 100)
    before = db.read_bytes()
    assert_one_line_error(invoke(runner, db, "--read-only"), str(db))
    assert db.read_bytes() == before
    assert recorder.calls == []


def test_no_study_yet(runner: CliRunner, db_path: Path, recorder: Recorder) -> None:
    assert_one_line_error(invoke(runner, db_path), "no study")
    assert recorder.calls == []


def test_unknown_study(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    line = assert_one_line_error(invoke(runner, study_db, "--study", "Nope"), "'Nope'")
    assert "Checkout study" in line  # the studies there are
    assert recorder.calls == []


def test_several_studies_need_study(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    with open_database(study_db) as db:
        new_study(db, "Onboarding study", "six-stage")
    line = assert_one_line_error(invoke(runner, study_db), "--study")
    assert "Checkout study" in line and "Onboarding study" in line
    assert recorder.calls == []


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "30/09/2026", "2026-02-30"])
def test_bad_since_date(runner: CliRunner, study_db: Path, recorder: Recorder, since) -> None:
    before = study_db.read_bytes()
    result = invoke(runner, study_db, "--since", since)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr  # one line, as for every error
    assert errors[0].startswith("journey: --since: ")
    assert repr(since) in errors[0] and "not a date" in errors[0]
    assert result.stdout == ""
    assert study_db.read_bytes() == before
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("since", "stored"),
    [
        ("2026-01-01", "2026-01-01"),
        ("2026-01-01T10:00", "2026-01-01T10:00:00.000+00:00"),
        ("2026-01-01T12:00+02:00", "2026-01-01T10:00:00.000+00:00"),
    ],
)
def test_the_same_since_works_for_review_and_export(
    runner: CliRunner, study_db: Path, recorder: Recorder, since: str, stored: str
) -> None:
    """One parser for a date or time: what `export --since` takes, `review` takes too."""
    reviewed = invoke(runner, study_db, "--since", since)
    assert reviewed.exit_code == 0, reviewed.output
    assert recorder.kwargs["review"].where.since == stored
    exported = runner.invoke(app, ["--db", str(study_db), "export", "--since", since, "--out", "-"])
    assert exported.exit_code == 0, exported.output


# -- what the app gets ------------------------------------------------------------------------


def test_review_opens_the_only_study(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    result = invoke(runner, study_db)
    assert result.exit_code == 0, result.output
    assert recorder.runs == 1
    assert recorder.path == study_db
    assert recorder.kwargs == {
        "review": ReviewRequest(study_id(study_db, "Checkout study"), NO_FILTER),
        "read_only": False,
    }


def test_review_study_and_filters(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    with open_database(study_db) as db:
        onboarding = new_study(db, "Onboarding study", "six-stage")
        person = add_participant(db, onboarding.id, "P01", segment="New")
        start_session(db, onboarding.id, participant_id=person.id, interviewer="Ana")
    result = invoke(
        runner,
        study_db,
        "--study",
        "onboarding study",
        "--segment",
        "new",
        "--interviewer",
        "ana",
        "--since",
        "2026-09-01",
    )
    assert result.exit_code == 0, result.output
    assert recorder.kwargs["review"] == ReviewRequest(
        study_id(study_db, "Onboarding study"),
        SessionFilter(segment="new", interviewer="ana", since="2026-09-01"),
    )
    assert recorder.kwargs["read_only"] is False


@pytest.mark.parametrize(
    ("option", "value", "known"),
    [
        ("--segment", "newbie", "segments here: "),
        ("--interviewer", "zed", "interviewers here: "),
    ],
)
def test_a_filter_value_no_session_has(
    runner: CliRunner, study_db: Path, recorder: Recorder, option: str, value: str, known: str
) -> None:
    checkout = study_id(study_db, "Checkout study")
    with open_database(study_db) as db:
        for code, segment, interviewer in (("P01", "Returning", "Ana"), ("P02", "New", "Ben")):
            person = add_participant(db, checkout, code, segment=segment)
            start_session(db, checkout, participant_id=person.id, interviewer=interviewer)
        values = filter_values(db, checkout)
    field = option.removeprefix("--")
    assert len(values[field]) == 2
    result = invoke(runner, study_db, option, value)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        f"journey: no session has the {field} {value!r} ({known}{', '.join(values[field])})"
    )
    assert recorder.calls == []


def test_read_only_flag(runner: CliRunner, study_db: Path, recorder: Recorder) -> None:
    before = study_db.read_bytes()
    result = invoke(runner, study_db, "--read-only")
    assert result.exit_code == 0, result.output
    assert recorder.kwargs["read_only"] is True
    assert recorder.runs == 1
    assert study_db.read_bytes() == before


def test_db_from_the_environment(
    runner: CliRunner, study_db: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNEY_DB", str(study_db))
    result = runner.invoke(app, ["review", "--read-only"])
    assert result.exit_code == 0, result.output
    assert recorder.path == study_db
    assert recorder.kwargs["read_only"] is True


def test_an_unwritable_file_opens_read_only(
    runner: CliRunner, study_db: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = study_db.read_bytes()
    study_db.chmod(0o444)
    try:
        if os.access(study_db, os.W_OK):
            # Running as root: every file is writable to os.access. Pretend it is not,
            # for this file only, as it would be for the facilitator's account.
            real_access = os.access

            def access(path, mode, *args, **kwargs):
                if Path(path) == study_db and mode & os.W_OK:
                    return False
                return real_access(path, mode, *args, **kwargs)

            monkeypatch.setattr(os, "access", access)
        result = invoke(runner, study_db)
        assert result.exit_code == 0, result.output
        assert recorder.kwargs["read_only"] is True
        assert study_db.read_bytes() == before
    finally:
        study_db.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_the_real_app_opens_read_only(runner: CliRunner, study_db: Path, monkeypatch) -> None:
    """Without the recorder: the app make_app builds holds a read-only connection."""
    seen = {}

    def run(self) -> None:
        seen["read_only"] = self.read_only
        seen["review"] = self.review
        try:
            self.db.execute("DELETE FROM studies")
        except sqlite3.OperationalError as error:
            seen["error"] = str(error)
        self.db.close()

    monkeypatch.setattr(journey.tui.app.JourneyApp, "run", run)
    before = study_db.read_bytes()
    result = invoke(runner, study_db, "--read-only")
    assert result.exit_code == 0, result.output
    assert seen["read_only"] is True
    assert seen["review"].study_id == study_id(study_db, "Checkout study")
    assert "readonly" in seen["error"]
    assert study_db.read_bytes() == before
