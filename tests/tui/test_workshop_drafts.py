"""A workshop's half-typed sticky survives a dropped line, a quit and a leave, as an
interview's does: it is the session's draft, restored when the workshop carries on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from journey.tui.draft_keeper import DRAFT_DELAY
from journey.tui.screens.workshop_screen import WorkshopScreen
from tests.tui.test_capture_screen import capture_app, keystrokes
from tests.tui.test_capture_screen import entry_input as capture_entry
from tests.tui.test_workshop import entry_line, notices, settle, study_id, workshop_app
from tests.tui.test_workshop import keys as send_keys


def drafts(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT s.mode, s.status, d.text FROM drafts d JOIN sessions s ON s.id = d.session_id"
        ).fetchall()
    finally:
        conn.close()


def type_only(app, text: str) -> None:
    keystrokes(app, text, enter=False)


async def test_a_pause_in_typing_saves_the_draft_and_carrying_on_restores_it(
    study_db: Path,
) -> None:
    sid = study_id(study_db)
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        type_only(app, "o: show the total")
        await pilot.pause(DRAFT_DELAY + 0.4)
        assert drafts(study_db) == [("workshop", "in_progress", "o: show the total")]
        # The line drops: nothing else runs.
    again = workshop_app(study_db, sid)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(again, pilot)
        assert isinstance(again.screen, WorkshopScreen)
        assert entry_line(again).value == "o: show the total"
        assert "Your unsent line was restored." in notices(again)
        type_only(again, " early")
        send_keys(again, "enter")
        await settle(again, pilot)
        assert entry_line(again).value == ""
    # Saved as a sticky: no draft is left.
    assert drafts(study_db) == []


async def test_ctrl_q_right_after_typing_keeps_the_line(study_db: Path) -> None:
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        type_only(app, "p: no guest checkout")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert drafts(study_db) == [("workshop", "in_progress", "p: no guest checkout")]


async def test_escape_leaves_the_workshop_in_progress_and_says_how_to_carry_on(
    study_db: Path,
) -> None:
    app = workshop_app(study_db, study_id(study_db), facilitator="Kim Lee", title="Day one")
    messages = []
    real_exit = app.exit

    def exit_recorded(*args, message=None, **kwargs) -> None:
        messages.append(message)
        real_exit(*args, message=message, **kwargs)

    app.exit = exit_recorded  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        type_only(app, "d: free returns")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running
    (message,) = messages
    assert str(message) == (
        "The workshop stays in progress; carry on with: journey "
        f"--db {study_db} workshop --facilitator 'Kim Lee' --title 'Day one'"
    )
    assert drafts(study_db) == [("workshop", "in_progress", "d: free returns")]


async def test_ctrl_q_keeps_an_interviews_line_too(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.focused is capture_entry(app)
        type_only(app, "n: half a thought")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert drafts(study_db) == [("interview", "in_progress", "n: half a thought")]
