"""Snapshots of the emotion curve: capture (this interview), review (the study) and
compare (two segments), at 80x24 and 160x48, with colour and with NO_COLOR."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.capture.demo import add_demo_sessions
from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import get_study
from journey.tui.app import CaptureRequest, ReviewRequest, make_app

SIZES = [(80, 24), (160, 48)]
COLOUR = ["colour", "no_color"]


@pytest.fixture(autouse=True)
def _in_db_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # paths shown relative to the test folder


@pytest.fixture
def demo(db_path: Path) -> tuple[Path, str]:
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=7).study
        # An interview in progress with emotions at three stages, some thin.
        session = InterviewSession.start(
            db, get_study(db, study.id), "P99", segment="new", consent=True
        )
        for lane, text, emotion in (
            ("pain", "ads everywhere", -2),
            ("delight", "a friend's tip", 1),
            ("pain", "no prices", -1),
        ):
            session.add(lane, text, emotion=emotion)
        session.next_stage()
        session.add("delight", "good reviews", emotion=2)
        session.add("pain", "slow site", emotion=0)
        session.next_stage()
        session.add("pain", "fees at the end", emotion=-2)
    return Path(db_path.name), study.id


def colour(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.callspec.params["mode"] == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")


def settled(*keys: str):
    async def before(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return before


@pytest.mark.parametrize("mode", COLOUR)
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_review_curve(snap_compare, demo, size, mode, request, monkeypatch) -> None:
    colour(request, monkeypatch)
    path, study_id = demo
    app = make_app(
        path, review=ReviewRequest(study_id), read_only=True, poll_seconds=60, cursor_blink=False
    )
    assert snap_compare(app, run_before=settled(), terminal_size=size)


@pytest.mark.parametrize("mode", COLOUR)
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_compare_curve(snap_compare, demo, size, mode, request, monkeypatch) -> None:
    colour(request, monkeypatch)
    path, study_id = demo
    app = make_app(
        path, review=ReviewRequest(study_id), read_only=True, poll_seconds=60, cursor_blink=False
    )
    assert snap_compare(app, run_before=settled("c"), terminal_size=size)


@pytest.mark.parametrize("mode", COLOUR)
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_capture_curve(snap_compare, demo, size, mode, request, monkeypatch) -> None:
    colour(request, monkeypatch)
    path, study_id = demo
    app = make_app(
        path,
        capture=CaptureRequest(study_id, participant="P99", consent=True),
        poll_seconds=60,
        cursor_blink=False,
    )
    assert snap_compare(app, run_before=settled(), terminal_size=size)


def test_snapshot_compare_curve_linux_console(snap_compare, demo, monkeypatch) -> None:
    # The Linux console: no colour, no braille in its fonts. A and B still differ (* and
    # #, o and + where thin, · and : lines).
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("NO_COLOR", "1")
    path, study_id = demo
    app = make_app(
        path, review=ReviewRequest(study_id), read_only=True, poll_seconds=60, cursor_blink=False
    )
    assert snap_compare(app, run_before=settled("c"), terminal_size=(80, 24))
