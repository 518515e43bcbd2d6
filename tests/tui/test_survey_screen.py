"""Pilot and snapshot tests of survey mode: the participant answers the guide's prompts."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.keys import _character_to_key
from textual.widgets import OptionList, Static

from journey.capture.journey_map import build_map
from journey.storage import open_database
from journey.storage.studies import find_study
from journey.tui.app import CaptureRequest, make_app
from journey.tui.screens.survey_screen import SurveyScreen
from journey.tui.widgets.quick_entry_input import QuickEntryInput
from tests.tui.settle import settle


def study_id(path: Path) -> str:
    with open_database(path, read_only=True) as db:
        study = find_study(db, "Checkout study")
    assert study is not None
    return study.id


def survey_app(path: Path):
    return make_app(
        path,
        capture=CaptureRequest(study_id(path), participant="S01", mode="survey", consent=True),
        poll_seconds=0.05,
        cursor_blink=False,
    )


async def type_line(pilot, text: str, *, enter: bool = True) -> None:
    """Send `text` as key events back to back (then Enter), and let the app handle them."""
    for char in text:
        pilot.app.post_message(events.Key(_character_to_key(char), char))
    if enter:
        pilot.app.post_message(events.Key("enter", "\r"))
    await settle(pilot)


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def answers(path: Path) -> list[tuple]:
    """Live entries in order: stage, prompt text, lane, text, channel, emotion."""
    return query(
        path,
        """
        SELECT st.name, p.text, e.lane, e.text, c.name, e.emotion
        FROM entries e
        JOIN stages st ON st.id = e.stage_id
        LEFT JOIN prompts p ON p.id = e.prompt_id
        LEFT JOIN channels c ON c.id = e.channel_id
        WHERE e.deleted_at IS NULL
        ORDER BY e.created_at, e.rowid
        """,
    )


def shown(widget: Static) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text().strip()


def question(app) -> str:
    return shown(app.screen.query_one("#question", Static))


def progress_line(app) -> str:
    return shown(app.screen.query_one("#progress", Static))


async def test_survey_answers_are_linked_to_their_prompts(study_db: Path) -> None:
    app = survey_app(study_db)
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, SurveyScreen)
        total = len(screen.prompts)
        assert total == 15
        assert progress_line(app) == f"Question 1 of {total} · Awareness"
        assert question(app) == "What were you trying to achieve when this started?"
        answer = screen.query_one("#answer", QuickEntryInput)
        assert app.focused is answer
        await type_line(pilot, "find a gift for my sister")  # a text question
        assert question(app) == "What did you need to know at that point?"
        await pilot.press("ctrl+n")  # skip it
        await pilot.pause()
        # A channel question: the list has the focus; arrows and Enter choose.
        assert question(app) == "Where did you first hear of us?"
        choices = screen.query_one("#choices", OptionList)
        assert choices.display and app.focused is choices
        await pilot.press("down", "down", "down", "down", "enter")  # Search ... Website
        await pilot.pause()
        assert progress_line(app) == f"Question 4 of {total} · Consideration"
        await type_line(pilot, "price and delivery time")
        await pilot.press("ctrl+n")
        await pilot.pause()
        # A channel with a comment: typed first, Enter hands over to the list.
        assert question(app) == "Where did you look for information?"
        await pilot.press("tab")
        await type_line(pilot, "compared on review sites")
        assert app.focused is choices
        assert answer.value == "compared on review sites"
        await pilot.press(*["down"] * 5, "enter")  # Reviews
        await pilot.pause()
        # An emotion question: +2 +1 0 -1 -2.
        assert question(app) == "How did that research feel?"
        assert choices.option_count == 5
        await pilot.press("down", "down", "down", "enter")  # -1
        await pilot.pause()
        assert answer.value == ""
        # Skip on to the last stage, then answer its two questions.
        await pilot.press(*["ctrl+n"] * 6)
        await pilot.pause()
        assert progress_line(app) == f"Question 14 of {total} · Advocacy"
        await type_line(pilot, "yes, if they fix the fees")
        await pilot.press("enter")  # the first channel, Search
        await pilot.pause()
        assert question(app).startswith("Thank you! All 7 answers are saved.")
        assert not choices.display and not answer.display
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running

    assert answers(study_db) == [
        (
            "Awareness",
            "What were you trying to achieve when this started?",
            "goal",
            "find a gift for my sister",
            None,
            None,
        ),
        ("Awareness", "Where did you first hear of us?", "touchpoint", "Website", "Website", None),
        (
            "Consideration",
            "What were you comparing, and on what?",
            "goal",
            "price and delivery time",
            None,
            None,
        ),
        (
            "Consideration",
            "Where did you look for information?",
            "touchpoint",
            "compared on review sites",
            "Reviews",
            None,
        ),
        ("Consideration", "How did that research feel?", "note", "negative", None, -1),
        (
            "Advocacy",
            "Would you recommend us? What would you say?",
            "expectation",
            "yes, if they fix the fees",
            None,
            None,
        ),
        ("Advocacy", "Where have you talked about us?", "touchpoint", "Search", "Search", None),
    ]
    ((mode, status, ended_at),) = query(study_db, "SELECT mode, status, ended_at FROM sessions")
    assert (mode, status) == ("survey", "finished") and ended_at
    assert query(study_db, "SELECT count(*) FROM entries WHERE prompt_id IS NULL") == [(0,)]
    # The emotion answer is the stage's feeling: it counts in the stage's emotion curve,
    # and never poses as a touchpoint without its channel.
    assert query(
        study_db, "SELECT count(*) FROM entries WHERE lane = 'touchpoint' AND channel_id IS NULL"
    ) == [(0,)]
    with open_database(study_db, read_only=True) as db:
        study = find_study(db, "Checkout study")
        assert study is not None
        consideration = build_map(db, study).stages[1]
    assert (consideration.emotion_mean, consideration.emotion_n) == (-1.0, 1)


async def test_answering_every_question_finishes_the_survey(study_db: Path) -> None:
    app = survey_app(study_db)
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, SurveyScreen)
        for number, prompt in enumerate(screen.prompts, start=1):
            assert progress_line(app).startswith(f"Question {number} of 15")
            if prompt.answer_type == "text":
                await type_line(pilot, f"answer {number}")
            else:
                await pilot.press("enter")
                await pilot.pause()
        assert question(app).startswith("Thank you! All 15 answers are saved.")
    rows = query(
        study_db,
        "SELECT p.answer_type, e.text, c.name, e.emotion FROM entries e "
        "JOIN prompts p ON p.id = e.prompt_id "
        "JOIN stages st ON st.id = e.stage_id "
        "LEFT JOIN channels c ON c.id = e.channel_id "
        "WHERE st.id = p.stage_id AND e.lane = p.lane ORDER BY e.rowid",
    )
    assert len(rows) == 15
    for number, (kind, text, channel, emotion) in enumerate(rows, start=1):
        expected = {
            "text": (f"answer {number}", None, None),
            "channel": ("Search", "Search", None),
            "emotion": ("very positive", None, 2),
        }[kind]
        assert (text, channel, emotion) == expected
    assert query(study_db, "SELECT status FROM sessions") == [("finished",)]
    assert query(study_db, "SELECT outcome, count(*) FROM stage_progress GROUP BY outcome") == [
        ("reached", 5)
    ]


# -- snapshot ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_db_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    if "snap_compare" in request.fixturenames:
        monkeypatch.chdir(tmp_path)


def test_snapshot_survey_channel_question(snap_compare, study_db: Path) -> None:
    async def run_before(pilot) -> None:
        await type_line(pilot, "find a gift for my sister")
        await type_line(pilot, "where to buy it")

    app = survey_app(study_db.relative_to(Path.cwd()))
    assert snap_compare(app, run_before=run_before, press=["down"], terminal_size=(80, 24))


async def test_escape_mid_survey_asks_the_participant_first(study_db: Path) -> None:
    from journey.tui.screens.confirm_screen import ConfirmScreen

    app = survey_app(study_db)
    async with app.run_test() as pilot:
        await pilot.pause()
        await type_line(pilot, "a first answer")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # a stray Escape ends nothing
        await pilot.press("enter")  # "Go on answering" is the default
        await pilot.pause()
        assert isinstance(app.screen, SurveyScreen) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert not app.is_running
    assert query(study_db, "SELECT status FROM sessions") == [("in_progress",)]
    assert query(study_db, "SELECT text FROM entries") == [("a first answer",)]


async def test_a_held_lock_keeps_the_answer_waiting_and_saves_it_after(study_db: Path) -> None:
    """Another program holds the write lock: the answer stays on screen with a word that
    it waits, the participant can still move about, and it is saved once the lock goes."""
    app = survey_app(study_db)
    async with app.run_test() as pilot:
        answer = app.screen.query_one("#answer", QuickEntryInput)
        other = sqlite3.connect(study_db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await type_line(pilot, "find a gift")
            assert question(app) == "What were you trying to achieve when this started?"
            assert answer.value == "find a gift"
            assert str(answer.border_subtitle).startswith("waiting for the database")
            await pilot.press("home")  # keys are answered meanwhile
            assert answer.cursor_position == 0
            assert answers(study_db) == []
        finally:
            other.execute("ROLLBACK")
            other.close()
        for _ in range(200):
            if question(app) != "What were you trying to achieve when this started?":
                break
            await pilot.pause(0.05)
        assert question(app) == "What did you need to know at that point?"
        assert answer.value == "" and not str(answer.border_subtitle)
    assert [text for _stage, _prompt, _lane, text, *_ in answers(study_db)] == ["find a gift"]
