"""Help and legend on every screen (F1 and ?), `?` still typed into text inputs, the
palette's own commands, the moments of truth on the review, and lasting states in the
banner rather than in toasts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Static, TabbedContent

from journey.capture.demo import add_demo_sessions
from journey.capture.study import new_study
from journey.storage import open_database
from journey.tui.app import CaptureRequest, ReviewRequest, WorkshopRequest, make_app
from journey.tui.screens.compare_screen import CompareScreen
from journey.tui.screens.drill_down_screen import DrillDownScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.home_screen import HomeScreen
from journey.tui.screens.review_screen import ReviewScreen
from journey.tui.widgets.journey_map_table import JourneyMapTable
from tests.tui.settle import settle as settled_app


@pytest.fixture
def demo(db_path: Path) -> tuple[Path, str]:
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=7).study
    return db_path, study.id


def help_text(app) -> str:
    assert isinstance(app.screen, HelpScreen)
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(app.screen.query_one(Static).content)
    return console.export_text()


async def settle(app, pilot) -> None:
    await settled_app(pilot)


async def open_help(app, pilot, key: str) -> str:
    await pilot.press(key)
    await pilot.pause()
    text = help_text(app)
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, HelpScreen)
    return text


def review(path: Path, study_id: str):
    return make_app(
        path, review=ReviewRequest(study_id), read_only=True, poll_seconds=60, cursor_blink=False
    )


async def test_review_help_has_its_keys_and_every_symbol(demo) -> None:
    app = review(*demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key in ("f1", "question_mark"):
            text = await open_help(app, pilot, key)
            for words in (
                "Filter",
                "Compare",
                "Timeline",
                "Export view",
                "Ctrl+P",
                "lowest emotion",
                "largest drop-off",
                "top pain",
                "○ □",
                "whisker",
                "↗ ↘",
                "◇",
                "★",
                "→3",
                "✓",
                "↷",
                "▲▲ ▲ ● ▼ ▼▼",
            ):
                assert words in text, words
        # The map's symbols are all in the legend: the help explains what is on screen.
        assert "±" in text and "×" in text and "n=" in text and "thin" in text


async def test_help_on_home_compare_and_drill_down(demo) -> None:
    path, study_id = demo
    app = make_app(path, cursor_blink=False, poll_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        text = await open_help(app, pilot, "question_mark")
        assert "Interview" in text and "Review" in text and "in progress" in text
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CompareScreen)
        text = await open_help(app, pilot, "f1")
        assert "Back" in text and "■ ╍" in text and "✗3" in text
        await pilot.press("escape")
        await pilot.press("down", "down", "down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        text = await open_help(app, pilot, "f1")
        assert "Filter" in text and "#word" in text
        # In the drill-down's search box `?` is a character like any other.
        await pilot.press("slash", "question_mark")
        await pilot.pause()
        assert app.screen.query_one(Input).value == "?"
        assert isinstance(app.screen, DrillDownScreen)


async def test_capture_help_and_a_question_mark_typed_in_the_line(study_db: Path) -> None:
    with open_database(study_db) as db:
        from journey.storage.studies import find_study

        study = find_study(db, "Checkout study")
    assert study is not None
    app = make_app(
        study_db,
        capture=CaptureRequest(study.id, participant="P01", consent=True),
        cursor_blink=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press(*"q: why", "question_mark")
        await pilot.pause()
        assert app.screen.query_one("#entry", Input).value == "q: why?"
        assert not isinstance(app.screen, HelpScreen)
        text = await open_help(app, pilot, "f1")
        assert "Quick entry" in text and "▶" in text and "○ □" in text and "whisker" in text


async def test_workshop_help_and_question_mark(study_db: Path) -> None:
    with open_database(study_db) as db:
        from journey.storage.studies import find_study

        study = find_study(db, "Checkout study")
    assert study is not None
    app = make_app(
        study_db, workshop=WorkshopRequest(study.id, facilitator="kim"), cursor_blink=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("#entry", Input).value == "?"
        text = await open_help(app, pilot, "f1")
        assert "/timer 5m" in text and "lowest emotion" in text and "◇" in text


# -- the palette ------------------------------------------------------------------------------


async def palette(app, pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    # The palette searches in the background: wait until a match is listed.
    from textual.command import CommandList

    for _ in range(100):
        await pilot.pause(0.02)
        if app.screen.query_one(CommandList).option_count:
            break
    await pilot.press("enter")
    await settle(app, pilot)


async def test_the_palette_offers_the_screens_own_actions(demo) -> None:
    path, study_id = demo
    with open_database(path) as db:
        new_study(db, "Second study")
    app = review(path, study_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await palette(app, pilot, "stage timeline")
        assert app.screen.query_one(TabbedContent).active == "timeline"
        await palette(app, pilot, "help keys")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await palette(app, pilot, "compare two")
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        await palette(app, pilot, "filter the sessions")
        assert type(app.screen).__name__ == "FilterScreen"
        await pilot.press("escape")
        await settle(app, pilot)
        await palette(app, pilot, "switch study second")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.study.name == "Second study"


# -- moments of truth on screen ----------------------------------------------------------------


async def test_the_review_marks_the_moments_of_truth_with_symbols_and_words(demo) -> None:
    from journey.capture.journey_map import build_map
    from journey.capture.moments import moments_of_truth
    from journey.storage.studies import get_study

    path, study_id = demo
    with open_database(path, read_only=True) as db:
        moments = moments_of_truth(build_map(db, get_study(db, study_id)))
    assert moments.lowest is not None and moments.largest_drop is not None
    app = review(path, study_id)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(JourneyMapTable)
        headings = {key.value: str(column.label) for key, column in table.columns.items()}
        assert headings[moments.lowest.stage.id].startswith("▽")
        assert "⊘" in headings[moments.largest_drop.stage.id]
        dropped = str(table.get_cell("dropped", moments.largest_drop.stage.id))
        assert "⊘ largest drop-off" in dropped
        emotion = str(table.get_cell("emotion", moments.lowest.stage.id))
        assert "▽ lowest emotion" in emotion
        for stage_id, pain in moments.top_pains.items():
            cell = str(table.get_cell("pain", stage_id))
            marked = [line for line in cell.splitlines() if line.startswith("!")]
            assert len(marked) == 1 and pain.text[:10] in marked[0]
        line = str(app.screen.query_one("#moments", Static).render())
        assert "▽ lowest emotion" in line and "⊘ largest drop-off" in line
        assert "! top pain" in line


async def test_the_highlighted_cell_shows_whole_under_the_map(demo) -> None:
    from journey.capture.journey_map import build_map
    from journey.storage.studies import get_study

    path, study_id = demo
    with open_database(path, read_only=True) as db:
        journey_map = build_map(db, get_study(db, study_id))
    app = review(path, study_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "down", "down")  # the first stage's goals
        await pilot.pause()
        detail = str(app.screen.query_one("#cell-detail", Static).render())
        first = journey_map.stages[0].stage
        for item in journey_map.cell(first, "goal").items:
            assert item.text in detail.replace("\n", " ") or item.text in detail


async def test_dialogs_have_help_and_take_a_typed_question_mark(demo) -> None:
    app = review(*demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "FilterScreen"
        text = await open_help(app, pilot, "f1")
        assert "Cancel" in text and "Tab / Shift+Tab" in text and "Ctrl+P" in text
        assert app.screen is dialog
        since = dialog.query_one("#since", Input)
        since.focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert since.value == "?" and app.screen is dialog


async def test_a_timer_that_ran_out_stays_in_the_banner(study_db: Path) -> None:
    from journey.storage.studies import find_study
    from tests.tui.test_workshop import banner, type_line

    with open_database(study_db) as db:
        study = find_study(db, "Checkout study")
    assert study is not None
    app = make_app(
        study_db, workshop=WorkshopRequest(study.id, facilitator="kim"), cursor_blink=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await type_line(pilot, "/timer 1s")
        # The countdown ticks each second; wait (bounded) for it to run out.
        for _ in range(300):
            if "time is up" in banner(app):
                break
            await pilot.pause(0.02)
        assert "⏱ time is up for Awareness" in banner(app)
        # Long after the short notice has gone, the banner still says it.
        assert app.NOTIFICATION_TIMEOUT <= 3
        await type_line(pilot, "/timer off")
        assert "time is up" not in banner(app) and app.screen is screen
