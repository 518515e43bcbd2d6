"""Pilot and snapshot tests of the home screen and the new-study form."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from journey.capture.demo import add_demo_sessions
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.studies import list_studies, study_summaries
from journey.tui.app import make_app
from journey.tui.screens.confirm_screen import ConfirmScreen
from journey.tui.screens.home_screen import DEMO_SESSIONS
from journey.tui.screens.new_study_screen import NewStudyScreen
from journey.tui.widgets.stage_summary import StageSummary
from tests.tui.settle import settle as settled_app


def app_for(path: Path):
    return make_app(path, poll_seconds=0.05, cursor_blink=False)


async def settle(app, pilot) -> None:
    await settled_app(pilot)


def table_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#studies", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def study_names(path: Path) -> list[str]:
    with open_database(path, read_only=True) as db:
        return [s.name for s in list_studies(db)]


async def test_empty_database_offers_to_create_a_study(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#empty").display
        assert not app.screen.query_one("#studies").display
        await pilot.click("#create-study")
        await pilot.pause()
        assert isinstance(app.screen, NewStudyScreen)
        await pilot.press(*"Checkout study", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, NewStudyScreen)
        assert table_rows(app) == [["Checkout study", "five-stage", "0", "0", "0", "-"]]
    assert study_names(db_path) == ["Checkout study"]


async def test_new_study_with_chosen_template(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Signup", "tab", "enter", "down", "enter")  # four-stage
        await pilot.pause()
        await pilot.click("#create")
        await pilot.pause()
    with open_database(db_path, read_only=True) as db:
        (summary,) = study_summaries(db)
    assert (summary.name, summary.template) == ("Signup", "four-stage")


async def test_duplicate_study_name_shows_the_error_and_writes_nothing(study_db: Path) -> None:
    app = app_for(study_db)
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"checkout STUDY", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NewStudyScreen)
        error = str(app.screen.query_one("#error", Static).render())
        assert "already exists" in error
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NewStudyScreen)
    assert study_names(study_db) == ["Checkout study"]


async def test_load_demo_adds_interviews_in_a_worker(db_path: Path) -> None:
    app = app_for(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.click("#load-demo")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # demo data never lands unasked
        question = _plain(app.screen.query_one("#question", Static))
        assert "Add 30 generated interviews" in question and str(db_path.name) in question
        await pilot.click("#yes")
        await settle(app, pilot)
        await settle(app, pilot)  # the demo's worker, then the list's read
        rows = table_rows(app)
        assert rows[0][:3] == ["Demo study", "five-stage", str(DEMO_SESSIONS)]
    with open_database(db_path, read_only=True) as db:
        (summary,) = study_summaries(db)
    assert summary.sessions == DEMO_SESSIONS
    assert int(rows[0][3]) == summary.entries > 0


async def test_commits_of_another_process_appear_without_a_key(study_db: Path) -> None:
    app = app_for(study_db)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert [row[0] for row in table_rows(app)] == ["Checkout study"]
        with open_database(study_db) as other:
            new_study(other, "Onboarding study", "six-stage")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert [row[0] for row in table_rows(app)] == ["Checkout study", "Onboarding study"]


async def test_highlighted_study_shows_its_stages(demo_db: Path) -> None:
    with open_database(demo_db) as db:
        new_study(db, "Another", "six-stage")
    app = app_for(demo_db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        summary = app.screen.query_one(StageSummary)
        text = _plain(summary)
        assert "Another" in text and "Need recognition" in text
        await pilot.press("down")
        await settle(app, pilot)
        text = _plain(summary)
        assert "Demo study" in text and "Awareness" in text and "Advocacy" in text


def _plain(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=widget.size.width or 100, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


@pytest.mark.parametrize(
    "hostile",
    ["[@click=app.quit]click me[/]", "[bold]bold[/bold] [link=http://x]y[/link]"],
)
async def test_study_names_are_shown_literally(db_path: Path, hostile: str) -> None:
    with open_database(db_path) as db:
        new_study(db, hostile)
    app = app_for(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert table_rows(app)[0][0] == hostile
        await pilot.click("#studies", offset=(3, 1))
        await pilot.pause()
        assert app.is_running


# -- snapshots -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_db_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # The header shows the database path as given: relative, so snapshots are stable.
    if "snap_compare" in request.fixturenames:
        monkeypatch.chdir(tmp_path)


def snapshot_app(path: Path):
    return app_for(path.relative_to(Path.cwd()) if path.is_absolute() else path)


async def settled(pilot) -> None:
    await settle(pilot.app, pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_empty_database(snap_compare, db_path: Path, size) -> None:
    assert snap_compare(snapshot_app(db_path), run_before=settled, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_studies(snap_compare, db_path: Path, size) -> None:
    with open_database(db_path) as db:
        add_demo_sessions(db, 25, seed=3)
        new_study(db, "Onboarding study", "six-stage")
    assert snap_compare(snapshot_app(db_path), run_before=settled, terminal_size=size)


def test_snapshot_new_study_form(snap_compare, study_db: Path) -> None:
    async def before(pilot) -> None:
        await settled(pilot)
        await pilot.press("n", *"Pricing")

    assert snap_compare(snapshot_app(study_db), run_before=before, terminal_size=(80, 24))


async def test_new_interview_from_home_then_resume_from_the_list(study_db: Path) -> None:
    from journey.tui.screens.capture_screen import CaptureScreen
    from journey.tui.widgets.quick_entry_input import QuickEntryInput

    app = app_for(study_db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#consent").value = True
        await pilot.click("#start")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        await pilot.press(*"g: find a gift", "enter")
        await pilot.pause()
        await pilot.press(*"unsent", "escape")
        await settle(app, pilot)
        rows = app.screen.query_one("#in-progress", DataTable)
        assert rows.row_count == 1
        assert [str(c) for c in rows.get_row_at(0)][:4] == ["P01", "-", "Awareness", "1"]
        rows.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.query_one(QuickEntryInput).value == "unsent"
    with open_database(study_db, read_only=True) as db:
        texts = [r["text"] for r in db.query("SELECT text FROM entries")]
        drafts = [r["text"] for r in db.query("SELECT text FROM drafts")]
        consent = [r["consent_at"] for r in db.query("SELECT consent_at FROM participants")]
    assert texts == ["find a gift"]
    assert drafts == ["unsent"]
    assert consent[0] is not None


# -- every key of the home screen, on an empty database and on one with studies -------------


async def test_every_key_on_an_empty_database_offers_a_study(db_path: Path) -> None:
    from journey.tui.screens.new_interview_screen import NewInterviewScreen

    app = app_for(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        for key in ("r", "w", "e", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, NewStudyScreen), key
            assert "no study yet" in [str(n.message) for n in app._notifications][-1]
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # no: nothing is added
        await settle(app, pilot)
        assert study_names(db_path) == []
        # i, offered in the footer, makes a study first, then asks for the interview.
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, NewStudyScreen)
        await pilot.press(*"Pricing", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, NewInterviewScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert table_rows(app)[0][0] == "Pricing"
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert app.return_code == 0
    assert study_names(db_path) == ["Pricing"]


async def test_review_and_workshop_of_the_highlighted_study(demo_db: Path) -> None:
    from journey.tui.screens.review_screen import ReviewScreen
    from journey.tui.screens.workshop_screen import WorkshopScreen

    with open_database(demo_db) as db:
        new_study(db, "Another", "six-stage")
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "r")  # Demo study
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.study.name == "Demo study"
        await pilot.press("q")  # back home, not out of the app
        await settle(app, pilot)
        assert app.is_running and not isinstance(app.screen, ReviewScreen)
        await pilot.press("w")
        await settle(app, pilot)
        assert isinstance(app.screen, WorkshopScreen)
        assert app.screen.session.study.name == "Demo study"
        await pilot.press("escape")  # the workshop stays in progress; back home
        await settle(app, pilot)
        assert app.is_running and not isinstance(app.screen, WorkshopScreen)
    with open_database(demo_db, read_only=True) as db:
        workshops = db.execute(
            "SELECT count(*) FROM sessions WHERE mode = 'workshop' AND status = 'in_progress'"
        ).fetchone()[0]
    assert workshops == 1


async def test_rename_and_delete_from_the_home_screen(demo_db: Path) -> None:
    from journey.tui.screens.text_prompt_screen import TextPromptScreen

    with open_database(demo_db) as db:
        new_study(db, "Another", "six-stage")
    app = app_for(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptScreen)
        app.screen.query_one("#answer").value = ""
        await pilot.press(*"Onboarding", "enter")
        await settle(app, pilot)
        assert study_names(demo_db) == ["Demo study", "Onboarding"]
        # The cursor stayed on the renamed study, now second. Delete needs the study's
        # name typed: a wrong one erases nothing.
        assert app.screen.query_one("#studies", DataTable).cursor_row == 1
        await pilot.press("up", "x")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptScreen)
        await pilot.press(*"Demo", "enter")
        await settle(app, pilot)
        assert study_names(demo_db) == ["Demo study", "Onboarding"]
        assert "nothing was erased" in [str(n.message) for n in app._notifications][-1]
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"demo STUDY", "enter")
        await settle(app, pilot)
        await settle(app, pilot)  # the erasure's worker, then the list's read
        assert [row[0] for row in table_rows(app)] == ["Onboarding"]
    assert study_names(demo_db) == ["Onboarding"]
    with open_database(demo_db, read_only=True) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
