"""Pilot and snapshot tests of `journey workshop`: stickies on the live map, dot-votes,
themes, links from opportunities to pains, undo, the timer and the summary, each with
the database checked afterwards; a review open on the same file follows the workshop.

Keys are sent as a terminal sends them (see test_capture_screen.keystrokes): in one
burst, without waiting for the app between them.
"""

from __future__ import annotations

import csv
import html
import io
import re
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.widgets import DataTable, SelectionList, Static

from journey.capture.demo import add_demo_sessions
from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.capture.workshop import WorkshopSession
from journey.storage import open_database, workshop
from journey.storage.studies import find_study, list_studies, stages
from journey.tui.app import ReviewRequest, WorkshopRequest, make_app
from journey.tui.screens.cell_items_screen import CellItemsScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.pick_screen import PickScreen
from journey.tui.screens.review_screen import ReviewScreen
from journey.tui.screens.text_prompt_screen import TextPromptScreen
from journey.tui.screens.workshop_screen import WorkshopScreen
from journey.tui.screens.workshop_summary_screen import WorkshopSummaryScreen
from journey.tui.widgets.journey_map_table import JourneyMapTable
from journey.tui.widgets.quick_entry_input import QuickEntryInput
from tests.tui.settle import settle as settled_app
from tests.tui.test_capture_screen import keystrokes

STUDY = "Checkout study"

# Rows of the map of a study without touchpoints: reach, dropped, emotion, goals, needs,
# expectations, touchpoints, pains, delights, opportunities, quotes.
ROWS = {"reach": 0, "goal": 3, "pain": 7, "opportunity": 9}


# -- helpers ----------------------------------------------------------------------------------


def study_id(path: Path, name: str = STUDY) -> str:
    with open_database(path, read_only=True) as db:
        study = find_study(db, name)
    assert study is not None
    return study.id


def workshop_app(path: Path, study: str, facilitator: str | None = "kim", **request):
    return make_app(
        path,
        workshop=WorkshopRequest(study, facilitator=facilitator, **request),
        poll_seconds=0.05,
        cursor_blink=False,
    )


async def settle(app, pilot) -> None:
    """Let the app handle what was sent, and the map's worker load what it wrote."""
    await settled_app(pilot)


async def type_line(pilot, text: str) -> None:
    keystrokes(pilot.app, text)
    await settle(pilot.app, pilot)


def keys(app, *names: str) -> None:
    for name in names:
        app.post_message(events.Key(name, None))


async def press(pilot, *names: str) -> None:
    keys(pilot.app, *names)
    await settle(pilot.app, pilot)


def query(path: Path, sql: str, params: tuple | list = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def workshop_sessions(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT id, mode, interviewer, title, status, ended_at IS NOT NULL, participant_id "
        "FROM sessions WHERE mode = 'workshop' ORDER BY started_at",
    )


def stickies(path: Path, session_id: str) -> list[tuple]:
    """The live entries of a session: stage, lane, text, votes, tags."""
    return query(
        path,
        """
        SELECT st.name, e.lane, e.text, e.votes,
            coalesce((SELECT group_concat(t.name, ',') FROM entry_tags et
                JOIN tags t ON t.id = et.tag_id WHERE et.entry_id = e.id), '')
        FROM entries e JOIN stages st ON st.id = e.stage_id
        WHERE e.session_id = ? AND e.deleted_at IS NULL
        ORDER BY e.created_at, e.rowid
        """,
        [session_id],
    )


def entry_id(path: Path, text: str) -> str:
    (row,) = query(path, "SELECT id FROM entries WHERE text = ? AND deleted_at IS NULL", [text])
    return row[0]


def banner(app) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def entry_line(app) -> QuickEntryInput:
    return app.screen.query_one("#entry", QuickEntryInput)


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def pick_choices(app) -> list[str]:
    options = app.screen.query_one(SelectionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def plain(widget: Static, width: int = 160) -> str:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def items_shown(app) -> list[list[str]]:
    table = app.screen.query_one("#items", DataTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def cursor_at(app) -> tuple[str, str]:
    """(row key, column key) of the map's cursor."""
    table = app.screen.query_one(JourneyMapTable)
    key = table.coordinate_to_cell_key(table.cursor_coordinate)
    return str(key.row_key.value), str(key.column_key.value)


# -- a whole workshop -------------------------------------------------------------------------


async def test_a_whole_workshop_is_in_the_database(study_db: Path) -> None:
    sid = study_id(study_db)
    with open_database(study_db) as db:
        awareness, consideration, decision, *_ = stages(db, sid)
    app = workshop_app(study_db, sid, title="Checkout day")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, WorkshopScreen)
        assert app.focused is entry_line(app)
        assert app.screen.sub_title == "Checkout study · Checkout day · facilitator kim"
        assert cursor_at(app) == ("reach", awareness.id)
        assert "Sticky goes to 1 Awareness · note" in banner(app)

        # Stage 1, a prefixed sticky from the first cell.
        await type_line(pilot, "g: compare prices quickly")
        # Stage 2, through the arrow keys: down to Goals, right to Consideration; no
        # prefix, so the sticky takes the lane of the selected cell.
        await press(pilot, "down", "down", "down", "right")
        assert cursor_at(app) == ("goal", consideration.id)
        assert "Sticky goes to 2 Consideration · goal" in banner(app)
        await type_line(pilot, "see the delivery date before paying")
        # Stage 3 through /stage: the selected column moves, the row stays.
        await type_line(pilot, "/stage Decision")
        assert cursor_at(app) == ("goal", decision.id)
        await type_line(pilot, "p: shipping cost only shown at the end #pricing")
        await type_line(pilot, "/up")
        await type_line(pilot, "/up")
        assert notices(app)[-1] == "Votes on the last sticky: 2"
        await type_line(pilot, "p: fees added at checkout")
        await type_line(pilot, "o: show the total in the basket")
        await type_line(pilot, "note: a sticky put up by mistake")
        await type_line(pilot, "/undo")
        assert notices(app)[-1] == "Removed note: a sticky put up by mistake"
        assert "5 added" in banner(app)

        # The items of Decision x pains: Enter on the empty line opens them.
        await press(pilot, *["down"] * (ROWS["pain"] - ROWS["goal"]))
        assert cursor_at(app) == ("pain", decision.id)
        await press(pilot, "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert app.screen.sub_title == "Decision: pain"
        shown = items_shown(app)
        # Items are what was said (#pricing is a facet); no customer said them: ◇, 0 sessions.
        assert [row[1:] for row in shown] == [
            ["★2", "2", "◇1", "0", "shipping cost only shown at the end", ""],
            ["", "", "◇1", "0", "fees added at checkout", ""],
        ]
        # + on the second item: one vote of this workshop.
        await press(pilot, "down", "plus")
        assert items_shown(app)[0][1:4] == ["★2", "2", "◇1"]
        assert items_shown(app)[1][1:5] == ["★1", "1", "◇1", "0"]

        # Group both items into a theme, with a title of our own.
        await press(pilot, "space", "up", "space")
        assert [row[0] for row in items_shown(app)] == ["✓", "✓"]
        await press(pilot, "g")
        assert isinstance(app.screen, TextPromptScreen)
        await type_line(pilot, "Surprise costs")
        assert isinstance(app.screen, CellItemsScreen)
        # The theme sums the votes, and "Mine" this workshop's votes on any of its entries.
        assert [row[1:6] for row in items_shown(app)] == [
            ["★3", "3", "◇2", "0", "◆ theme: Surprise costs"]
        ]
        themes = query(study_db, "SELECT id, title, author, deleted_at FROM themes")
        assert [row[1:] for row in themes] == [("Surprise costs", "kim", None)]
        theme_id = themes[0][0]
        assert query(
            study_db, "SELECT text, theme_id FROM entries WHERE theme_id IS NOT NULL ORDER BY text"
        ) == [
            ("fees added at checkout", theme_id),
            ("shipping cost only shown at the end", theme_id),
        ]
        # Undo the grouping: the theme is marked deleted, the items stand alone again.
        await press(pilot, "u")
        assert [row[5] for row in items_shown(app)] == [
            "shipping cost only shown at the end",
            "fees added at checkout",
        ]
        assert query(study_db, "SELECT deleted_at IS NOT NULL FROM themes") == [(1,)]
        assert query(study_db, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == [(0,)]

        # Back on the map: the opportunity's cell, l links it to a pain.
        await press(pilot, "escape")
        assert isinstance(app.screen, WorkshopScreen)
        assert app.focused is entry_line(app)
        await press(pilot, *["down"] * (ROWS["opportunity"] - ROWS["pain"]))
        assert cursor_at(app) == ("opportunity", decision.id)
        await press(pilot, "enter")
        assert isinstance(app.screen, CellItemsScreen)
        await press(pilot, "l")
        assert isinstance(app.screen, PickScreen)
        # One choice per pain item of the map, by what was said.
        assert pick_choices(app) == [
            "Decision: shipping cost only shown at the end",
            "Decision: fees added at checkout",
        ]
        await press(pilot, "down", "space", "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert items_shown(app)[0][5:] == ["show the total in the basket", "fees added at checkout"]

        # The map shows the votes and the link.
        await press(pilot, "escape")
        table = app.screen.query_one(JourneyMapTable)
        pains = str(table.get_cell("pain", decision.id))
        assert " ◇1 ★2 shipping cost" in pains and " ◇1 ★1 fees added at" in pains
        opportunities = str(table.get_cell("opportunity", decision.id))
        # Cut to the column with an ellipsis; the panel under the map shows it whole.
        assert " ◇1 →1 show the total" in opportunities

        await type_line(pilot, "/done")
        assert isinstance(app.screen, WorkshopSummaryScreen)
        summary = plain(app.screen.query_one("VerticalScroll > Static", Static))
        assert "Workshop finished: 5 stickies, 3 votes, 0 themes, 1 link" in summary
        for line in (
            "compare prices quickly",
            "see the delivery date before paying",
            "show the total in the basket",
        ):
            assert line in summary
        assert "a sticky put up by mistake" not in summary
        top = summary[summary.index("Top-voted") : summary.index("Opportunities linked")]
        assert top.index("shipping cost only shown at the end") < top.index("fees added")
        links = summary[summary.index("Opportunities linked") :]
        assert "show the total in the basket" in links and "fees added at checkout" in links
        await press(pilot, "enter")
    assert not app.is_running

    # The database afterwards.
    ((session_id, *session),) = workshop_sessions(study_db)
    assert session == ["workshop", "kim", "Checkout day", "finished", 1, None]
    assert stickies(study_db, session_id) == [
        ("Awareness", "goal", "compare prices quickly", 0, ""),
        ("Consideration", "goal", "see the delivery date before paying", 0, ""),
        ("Decision", "pain", "shipping cost only shown at the end", 2, "pricing"),
        ("Decision", "pain", "fees added at checkout", 1, ""),
        ("Decision", "opportunity", "show the total in the basket", 0, ""),
    ]
    assert query(
        study_db,
        "SELECT e.text, e.deleted_at IS NOT NULL FROM entries e WHERE e.lane = 'note'",
    ) == [("a sticky put up by mistake", 1)]
    assert sorted(
        query(
            study_db,
            "SELECT e.text, v.votes FROM votes v JOIN entries e ON e.id = v.entry_id "
            "WHERE v.session_id = ?",
            [session_id],
        )
    ) == [("fees added at checkout", 1), ("shipping cost only shown at the end", 2)]
    assert query(
        study_db,
        "SELECT o.text, p.text, l.author FROM entry_links l "
        "JOIN entries o ON o.id = l.opportunity_id JOIN entries p ON p.id = l.pain_id",
    ) == [("show the total in the basket", "fees added at checkout", "kim")]
    # Every sticky is the workshop's, by its facilitator; it reached no stage of the funnel.
    assert query(study_db, "SELECT DISTINCT author FROM entries") == [("kim",)]
    assert query(
        study_db, "SELECT count(*) FROM stage_progress WHERE session_id = ?", [session_id]
    ) == [(0,)]


async def test_next_prev_timer_sort_help_and_edit(study_db: Path, monkeypatch) -> None:
    sid = study_id(study_db)
    app = workshop_app(study_db, sid, facilitator=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WorkshopScreen)
        await type_line(pilot, "/next")
        await type_line(pilot, "/next")
        await type_line(pilot, "/prev")
        assert "Sticky goes to 2 Consideration" in banner(app)
        await type_line(pilot, "/stage 5")
        await type_line(pilot, "/next")  # already the last stage: stays
        assert "Sticky goes to 5 Advocacy" in banner(app)
        await type_line(pilot, "/stage Nowhere")
        assert entry_line(app).value == "/stage Nowhere"  # kept, to correct
        assert "no stage called 'Nowhere'" in notices(app)[-1]
        entry_line(app).value = ""

        await type_line(pilot, "d: referral code worked at once")
        await type_line(pilot, "/edit the referral code worked at once")
        await type_line(pilot, "/down")  # nothing to take back: stays at 0
        await type_line(pilot, "/bogus")
        assert entry_line(app).value == "/bogus"
        entry_line(app).value = ""

        # The timebox: a countdown in the banner, a notice when it ends, nothing else.
        clock = [1000.0]
        monkeypatch.setattr(screen.session.timer, "clock", lambda: clock[0])
        await type_line(pilot, "/timer 5m")
        assert "⏱ 5:00" in banner(app)
        clock[0] += 61
        screen._tick()
        await pilot.pause()
        assert "⏱ 3:59" in banner(app)
        clock[0] += 300
        screen._tick()
        await pilot.pause()
        # The countdown has stopped; a short notice, and the banner keeps saying it (a
        # lasting state, never a long toast over the work) until the next /timer.
        assert "⏱ time is up for Advocacy" in banner(app)
        assert not re.search(r"⏱ \d+:\d\d", banner(app))
        assert notices(app)[-1] == "Time is up for Advocacy."
        await type_line(pilot, "/timer 90s")
        assert "⏱ 1:30" in banner(app)
        await type_line(pilot, "/timer off")
        assert "⏱" not in banner(app)
        await type_line(pilot, "/timer soon")
        assert "is not a duration" in notices(app)[-1]
        assert entry_line(app).value == "/timer soon"
        entry_line(app).value = ""

        # F2 sorts pains and opportunities by votes, and back.
        table = screen.query_one(JourneyMapTable)
        await press(pilot, "f2")
        assert table.sort_by_votes
        assert notices(app)[-1] == "Pains and opportunities sorted by votes"
        await press(pilot, "f2")
        assert not table.sort_by_votes

        await type_line(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, WorkshopScreen)
    (session,) = workshop_sessions(study_db)
    assert session[1:5] == ("workshop", None, None, "in_progress")
    assert stickies(study_db, session[0]) == [
        ("Advocacy", "delight", "the referral code worked at once", 0, "")
    ]
    assert query(study_db, "SELECT field, old, new FROM edits WHERE field = 'text'") == [
        ("text", "referral code worked at once", "the referral code worked at once")
    ]


async def test_a_vote_follows_its_item_when_the_list_resorts(study_db: Path) -> None:
    sid = study_id(study_db)
    with open_database(study_db) as db:
        study = find_study(db, STUDY)
        assert study is not None
        interview = InterviewSession.start(db, study, "P01", interviewer="ana", consent=True)
        voted = interview.add("pain", "no guest checkout")
        said_twice = interview.add("pain", "slow delivery")
        said_again = interview.add("pain", "slow delivery")
        earlier = WorkshopSession.start_workshop(db, study, facilitator="lee")
        workshop.vote(db, voted.id, earlier.session.id, 1)
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(pilot, *["down"] * ROWS["pain"], "enter")
        assert [row[5] for row in items_shown(app)] == ["no guest checkout", "slow delivery"]
        # + on the second row: it now leads (a tie on votes, more entries), and the cursor
        # goes with it, so a second + is for the same item.
        await press(pilot, "down", "plus")
        assert [row[5] for row in items_shown(app)] == ["slow delivery", "no guest checkout"]
        await press(pilot, "plus")
        assert [row[1:3] for row in items_shown(app)] == [["★2", "2"], ["★1", ""]]
    votes = dict(query(study_db, "SELECT id, votes FROM entries WHERE lane = 'pain'"))
    # The item's votes go to its earliest entry: either one, when both were said in the
    # same millisecond (the id then decides which is earliest).
    assert (votes[voted.id], votes[said_twice.id] + votes[said_again.id]) == (1, 2)


async def test_minus_takes_back_a_vote_given_to_a_sticky_of_the_item(study_db: Path) -> None:
    sid = study_id(study_db)
    with open_database(study_db) as db:
        study = find_study(db, STUDY)
        assert study is not None
        interview = InterviewSession.start(db, study, "P01", interviewer="ana", consent=True)
        interview.add("pain", "too many steps to pay", tags=["pricing"])
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await type_line(pilot, "p: shipping cost only shown at the end #pricing")
        await type_line(pilot, "/up")
        await type_line(pilot, "/up")
        await press(pilot, *["down"] * ROWS["pain"], "enter")
        assert isinstance(app.screen, CellItemsScreen)
        # The interview's pain and the sticky are two items: they say different things.
        assert items_shown(app)[0][1:3] + items_shown(app)[0][5:6] == [
            "★2",
            "2",
            "shipping cost only shown at the end",
        ]
        await press(pilot, "minus")
        assert items_shown(app)[0][1:3] == ["★1", "1"]
        await press(pilot, "minus", "minus")
        assert items_shown(app)[0][1:3] == ["", ""]
        assert "no votes to take back" in notices(app)[-1]
    assert query(study_db, "SELECT votes FROM votes") == [(0,)]
    assert query(study_db, "SELECT sum(votes) FROM entries") == [(0,)]


async def test_votes_in_the_items_screen_are_per_workshop(study_db: Path) -> None:
    """Two workshops vote on one interview entry: one row each, the entry holds the sum;
    - never takes more than this workshop gave."""
    sid = study_id(study_db)
    with open_database(study_db) as db:
        study = find_study(db, STUDY)
        assert study is not None
        interview = InterviewSession.start(db, study, "P01", interviewer="ana", consent=True)
        pain = interview.add("pain", "no guest checkout")
        earlier = WorkshopSession.start_workshop(db, study, facilitator="lee")
        workshop.vote(db, pain.id, earlier.session.id, 1)
        workshop.vote(db, pain.id, earlier.session.id, 1)
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(pilot, *["down"] * ROWS["pain"], "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert items_shown(app)[0][1:3] == ["★2", ""]
        await press(pilot, "plus", "equals_sign", "minus", "minus", "minus")
        assert items_shown(app)[0][1:3] == ["★2", ""]
        await press(pilot, "plus")
        assert items_shown(app)[0][1:3] == ["★3", "1"]
        await press(pilot, "escape")
    ((session_id, *_),) = [row for row in workshop_sessions(study_db) if row[2] == "kim"]
    assert query(study_db, "SELECT votes FROM entries WHERE id = ?", [pain.id]) == [(3,)]
    assert dict(query(study_db, "SELECT session_id, votes FROM votes")) == {
        earlier.session.id: 2,
        session_id: 1,
    }


# -- linking an opportunity to pains ----------------------------------------------------------


def pains_and_an_opportunity(path: Path) -> dict[str, str]:
    """Pains said several times over two interviews, an opportunity at Decision; returns
    the entry ids by name. The first "reviews look fake" is made the earliest entry."""
    with open_database(path) as db:
        study = find_study(db, STUDY)
        assert study is not None
        awareness, consideration, decision, *_ = stages(db, study.id)
        first = InterviewSession.start(db, study, "P01", interviewer="ana", consent=True)
        second = InterviewSession.start(db, study, "P02", interviewer="ana", consent=True)
        ids = {
            "fake": first.add("pain", "reviews look fake", stage=consideration).id,
            "forced": first.add("pain", "forced to create an account", stage=decision).id,
            "ads": first.add("pain", "too many ads", stage=awareness).id,
            "size": first.add("pain", "no size guide", stage=consideration).id,
        }
        second.add("pain", "reviews look fake", stage=consideration)  # the same item
        second.add("pain", "forced to create an account", stage=decision)
        second.add("pain", "forced to create an account", stage=decision)
        second.add("pain", "too many ads", stage=awareness)
        ids["guest"] = second.add("opportunity", "offer guest checkout", stage=decision).id
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE entries SET created_at = '2020-01-01T00:00:00.000+00:00' WHERE id = ?",
            [ids["fake"]],
        )
    conn.close()
    return ids


async def open_the_pains_of_the_opportunity(app, pilot) -> None:
    await settle(app, pilot)
    await type_line(pilot, "/stage Decision")
    await press(pilot, *["down"] * ROWS["opportunity"], "enter")
    assert isinstance(app.screen, CellItemsScreen)
    assert app.screen.sub_title == "Decision: opportunity"
    await press(pilot, "l")
    assert isinstance(app.screen, PickScreen)


async def test_link_offers_each_pain_item_once_and_links_its_earliest_entry(
    study_db: Path,
) -> None:
    ids = pains_and_an_opportunity(study_db)
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_the_pains_of_the_opportunity(app, pilot)
        # By stage, then by how often it was said; "reviews look fake" once, for both.
        assert pick_choices(app) == [
            "Awareness: too many ads",
            "Consideration: reviews look fake",
            "Consideration: no size guide",
            "Decision: forced to create an account",
        ]
        question = str(app.screen.query_one("#question", Static).render())
        assert "most frequent" not in question  # all of them are offered
        await press(pilot, "down", "space", "down", "down", "space", "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert notices(app)[-1] == "Linked to 2 pains"
    # The links go to each item's earliest entry.
    assert sorted(
        query(study_db, "SELECT opportunity_id, pain_id, author FROM entry_links")
    ) == sorted([(ids["guest"], ids["fake"], "kim"), (ids["guest"], ids["forced"], "kim")])


async def test_a_theme_is_linked_as_the_theme_and_done_lists_it(study_db: Path) -> None:
    """Group two pains of Consideration into a theme, link the opportunity to the theme:
    the link is the theme's (every member), shown as the theme; /done lists the theme."""
    ids = pains_and_an_opportunity(study_db)
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await type_line(pilot, "/stage Consideration")
        await press(pilot, *["down"] * ROWS["pain"], "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert app.screen.sub_title == "Consideration: pain"
        await press(pilot, "space", "down", "space", "g")
        assert isinstance(app.screen, TextPromptScreen)
        await type_line(pilot, "Trust in the shop")
        assert [row[5] for row in items_shown(app)] == ["◆ theme: Trust in the shop"]
        await press(pilot, "escape")
        await type_line(pilot, "/stage Decision")
        await press(pilot, *["down"] * (ROWS["opportunity"] - ROWS["pain"]), "enter")
        assert app.screen.sub_title == "Decision: opportunity"
        await press(pilot, "l")
        assert isinstance(app.screen, PickScreen)
        assert "Consideration: Trust in the shop" in pick_choices(app)
        theme_row = pick_choices(app).index("Consideration: Trust in the shop")
        await press(pilot, *["down"] * theme_row, "space", "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert items_shown(app)[0][5:] == ["offer guest checkout", "Trust in the shop"]
        await press(pilot, "escape")
        await type_line(pilot, "/done")
        assert isinstance(app.screen, WorkshopSummaryScreen)
        summary = plain(app.screen.query_one("VerticalScroll > Static", Static))
        assert "0 stickies, 0 votes, 1 theme, 1 link" in summary
        themes = summary[summary.index("Themes made in this workshop") :]
        assert "Trust in the shop" in themes and "3" in themes  # 2 + 1 entries grouped
        links = summary[summary.index("Opportunities linked to pains in this workshop") :]
        assert "offer guest checkout" in links and "Trust in the shop" in links
    # In the database: the theme names its workshop; the link joins every member.
    ((session_id, *_),) = workshop_sessions(study_db)
    ((theme_id, theme_session),) = query(study_db, "SELECT id, session_id FROM themes")
    assert theme_session == session_id
    members = {
        row[0] for row in query(study_db, "SELECT id FROM entries WHERE theme_id = ?", [theme_id])
    }
    assert ids["fake"] in members and ids["size"] in members and len(members) == 3
    assert set(query(study_db, "SELECT opportunity_id, pain_id, session_id FROM entry_links")) == {
        (ids["guest"], member, session_id) for member in members
    }


async def test_link_offers_the_most_frequent_pains_and_says_so(
    study_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pains_and_an_opportunity(study_db)
    monkeypatch.setattr("journey.tui.screens.cell_items_screen.PAIN_LIMIT", 3)
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_the_pains_of_the_opportunity(app, pilot)
        # "no size guide", said once, is left out; the rest keep their order.
        assert pick_choices(app) == [
            "Awareness: too many ads",
            "Consideration: reviews look fake",
            "Decision: forced to create an account",
        ]
        question = str(app.screen.query_one("#question", Static).render())
        assert "(showing the 3 most frequent of 4)" in question


async def test_the_items_columns_fit_80_columns_and_follow_a_resize(demo_workshop) -> None:
    path, study = demo_workshop
    app = workshop_app(path, study)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await type_line(pilot, "/stage Decision")
        await press(pilot, *["down"] * (DEMO_PAIN_ROW + 2), "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert app.screen.sub_title == "Decision: opportunity"
        table = app.screen.query_one("#items", DataTable)

        def columns() -> dict[str, int]:
            return {str(c.label): c.get_render_width(table) for c in table.columns.values()}

        small = columns()
        assert list(small) == ["", "Votes", "Mine", "n", "Sess.", "Item", "Links"]
        assert sum(small.values()) <= 80
        # The linked pain shows, cut with an ellipsis where its column ends.
        (guest,) = [row for row in items_shown(app) if row[5] == "offer guest checkout"]
        assert guest[6].startswith("too many") and guest[6].endswith("…")
        await pilot.resize_terminal(160, 40)
        await settle(app, pilot)
        large = columns()
        assert sum(large.values()) <= 160
        assert large["Item"] > small["Item"] and large["Links"] > small["Links"]
        (guest,) = [row for row in items_shown(app) if row[5] == "offer guest checkout"]
        assert guest[6] == "too many steps to pay"


# -- the review follows -----------------------------------------------------------------------


async def test_a_review_open_on_the_same_file_sees_the_stickies(study_db: Path) -> None:
    sid = study_id(study_db)
    with open_database(study_db) as db:
        decision = stages(db, sid)[2]
    review = make_app(
        study_db, review=ReviewRequest(sid), read_only=True, poll_seconds=0.05, cursor_blink=False
    )
    async with review.run_test(size=(160, 48)) as review_pilot:
        await settle(review, review_pilot)
        assert isinstance(review.screen, ReviewScreen)
        review_map = review.screen.query_one(JourneyMapTable)
        assert str(review_map.get_cell("pain", decision.id)) == "-"

        app = workshop_app(study_db, sid)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await type_line(pilot, "/stage 3")
            await type_line(pilot, "p: shipping cost only shown at the end")
            await type_line(pilot, "/up")
            # The review, in another app on its own read-only connection, follows at its poll.
            for _ in range(40):
                await review_pilot.pause(0.05)
                await review.workers.wait_for_complete()
                if "shipping cost" in str(review_map.get_cell("pain", decision.id)):
                    break
            cell = str(review_map.get_cell("pain", decision.id))
            # The sticky is the workshop's layer: no customer evidence in the cell.
            assert "no customer said it ◇1" in cell
            assert " ◇1 ★1 shipping cost" in cell
    # A workshop is no customer: the review's funnel has no session.
    with open_database(study_db, read_only=True) as db:
        study = find_study(db, STUDY)
        assert study is not None
        journey_map = build_map(db, study)
    assert journey_map.sessions == 0
    assert [i.text for i in journey_map.cell(decision, "pain").items] == [
        "shipping cost only shown at the end"
    ]


# -- typing fast, hostile text ----------------------------------------------------------------


async def test_typing_fast_loses_nothing_and_keeps_lines_and_cells_apart(study_db: Path) -> None:
    sid = study_id(study_db)
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        # One burst: every key of every line sent before the app handles the first;
        # the arrows between the lines choose the next sticky's stage, in typing order.
        for n in range(5):
            keystrokes(app, f"p: pain number {n} #fast")
            keystrokes(app, f"o: fix number {n}")
            keys(app, "right")
        keystrokes(app, "/stage 1")
        for n in range(10):
            keystrokes(app, f"note {n}: ünïcødé, [b]not bold[/b] and more")
        await settle(app, pilot)
        assert entry_line(app).value == ""
    ((session_id, *_),) = workshop_sessions(study_db)
    names = ["Awareness", "Consideration", "Decision", "Retention", "Advocacy"]
    assert stickies(study_db, session_id) == [
        *[
            row
            for n in range(5)
            for row in (
                (names[n], "pain", f"pain number {n}", 0, "fast"),
                (names[n], "opportunity", f"fix number {n}", 0, ""),
            )
        ],
        *[
            ("Awareness", "note", f"note {n}: ünïcødé, [b]not bold[/b] and more", 0, "")
            for n in range(10)
        ],
    ]


async def test_a_held_lock_keeps_the_sticky_waiting_and_adds_it_after(study_db: Path) -> None:
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        other = sqlite3.connect(study_db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await type_line(pilot, "p: -2 the queue at the till")
            line = entry_line(app)
            assert line.value == "p: -2 the queue at the till"
            assert str(line.border_subtitle).startswith("waiting for the database")
            await press(pilot, "home")  # keys are answered meanwhile
            assert line.cursor_position == 0
        finally:
            other.execute("ROLLBACK")
            other.close()
        for _ in range(200):
            if line.value == "":
                break
            await pilot.pause(0.05)
        assert line.value == "" and not str(line.border_subtitle)
        session = app.screen.session.session.id
    assert stickies(study_db, session) == [("Awareness", "pain", "the queue at the till", 0, "")]


async def test_a_sticky_with_markup_shows_literally(study_db: Path) -> None:
    sid = study_id(study_db)
    with open_database(study_db) as db:
        awareness = stages(db, sid)[0]
    hostile = "[@click=app.quit]free[/] [bold]shipping[/bold] \x1b[2J"
    app = workshop_app(study_db, sid)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.post_message(events.Paste(f"p: {hostile}"))
        keys(app, "enter")
        await settle(app, pilot)
        await type_line(pilot, "/up")
        table = app.screen.query_one(JourneyMapTable)
        cell = table.get_cell("pain", awareness.id)
        assert " ◇1 ★1 [@click=app.q" in cell.plain  # the text as typed, cut
        assert all("click" not in str(span.style) for span in cell.spans)
        await press(pilot, *["down"] * ROWS["pain"], "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert items_shown(app)[0][5] == "[@click=app.quit]free[/] [bold]shipping[/bold] [2J"
        await press(pilot, "escape")
        await type_line(pilot, "/done")
        summary = plain(app.screen.query_one("VerticalScroll > Static", Static), width=200)
        assert "[@click=app.quit]free[/] [bold]shipping[/bold] [2J" in summary
        await press(pilot, "escape")
    assert not app.is_running
    ((session_id, *_),) = workshop_sessions(study_db)
    assert stickies(study_db, session_id) == [
        ("Awareness", "pain", "[@click=app.quit]free[/] [bold]shipping[/bold] [2J", 1, "")
    ]


# -- the must-show: demo, workshop, export ----------------------------------------------------


async def test_must_show_the_pain_exports_with_mode_workshop_and_two_votes(
    tmp_path: Path, runner
) -> None:
    from journey.tui.cli import app as cli

    path = tmp_path / "x.db"
    result = runner.invoke(cli, ["--db", str(path), "demo", "--sessions", "50"])
    assert result.exit_code == 0, result.output
    with open_database(path, read_only=True) as db:
        (study,) = list_studies(db)
    app = workshop_app(path, study.id)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        session_id = app.screen.session.session.id
        await type_line(pilot, "/stage Decision")
        await type_line(pilot, "p: shipping cost only shown at the end #pricing")
        await type_line(pilot, "/up")
        await type_line(pilot, "/up")
        await type_line(pilot, "/done")
        assert isinstance(app.screen, WorkshopSummaryScreen)
    result = runner.invoke(cli, ["--db", str(path), "export", "--format", "csv", "--out", "-"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    (mine,) = [row for row in rows if row["session_id"] == session_id]
    assert {
        k: mine[k] for k in ("mode", "interviewer", "stage", "lane", "text", "votes", "tags")
    } == {
        "mode": "workshop",
        "interviewer": "kim",
        "stage": "Decision",
        "lane": "pain",
        "text": "shipping cost only shown at the end",
        "votes": "2",
        "tags": "pricing",
    }
    # The same pain from the interviews is there too, with its own mode.
    same = {row["mode"] for row in rows if row["text"] == mine["text"]}
    assert {"interview", "workshop"} <= same


# -- snapshots --------------------------------------------------------------------------------

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(autouse=True)
def _in_db_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # Paths shown relative to the test folder, so snapshots are stable.
    if "snap_compare" in request.fixturenames:
        monkeypatch.chdir(tmp_path)


@pytest.fixture
def demo_workshop(db_path: Path) -> tuple[Path, str]:
    """Demo data (fixed by the seed), one link from an opportunity to a pain at Decision."""
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=2).study
        decision = stages(db, study.id)[2]
        journey_map = build_map(db, study)
        guest = journey_map.cell(decision, "opportunity").items[0]
        forced = journey_map.cell(decision, "pain").items[0]
        assert (guest.text, forced.text) == ("offer guest checkout", "too many steps to pay")
        workshop.link(db, guest.entry_id, [forced.entry_id], "kim")
    return db_path, study.id


def snapshot_app(demo_workshop: tuple[Path, str]):
    path, study = demo_workshop
    relative = path.relative_to(Path.cwd()) if path.is_absolute() else path
    app = make_app(
        relative,
        workshop=WorkshopRequest(study, facilitator="kim", title="Checkout day"),
        poll_seconds=60,
        cursor_blink=False,
    )
    return app


# Demo map rows: reach, dropped, emotion, goals, needs, expectations, 14 channels, pains.
DEMO_PAIN_ROW = 20


def run_before(*lines: str, downs: int = DEMO_PAIN_ROW, then: tuple[str, ...] = ()):
    async def before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        for line in lines:
            await type_line(pilot, line)
        await press(pilot, *["down"] * downs)
        for key in then:
            await press(pilot, key)
        app.clear_notifications()  # toasts time out: keep them out of the picture
        await settle(app, pilot)

    return before


STICKY_LINES = (
    "/stage Decision",
    "p: shipping cost only shown at the end #pricing",
    "/up",
    "/up",
    "o: show shipping cost in the basket [now]",
)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_workshop_map(snap_compare, demo_workshop, size) -> None:
    # F2: pains and opportunities by votes, the voted #pricing first. At 80x24 the cursor
    # is on Decision x pains; at 160x48 on the opportunities below (the link to a pain).
    downs = DEMO_PAIN_ROW if size == (80, 24) else DEMO_PAIN_ROW + 2
    assert snap_compare(
        snapshot_app(demo_workshop),
        run_before=run_before(*STICKY_LINES, downs=downs, then=("f2",)),
        terminal_size=size,
    )


def test_snapshot_cell_items(snap_compare, demo_workshop) -> None:
    assert snap_compare(
        snapshot_app(demo_workshop),
        run_before=run_before(*STICKY_LINES, then=("enter", "down", "space")),
        terminal_size=(80, 24),
    )


def test_snapshot_cell_items_opportunity(snap_compare, demo_workshop) -> None:
    # The opportunities at Decision, at 80 columns: the item and its links both show.
    assert snap_compare(
        snapshot_app(demo_workshop),
        run_before=run_before(*STICKY_LINES, downs=DEMO_PAIN_ROW + 2, then=("enter",)),
        terminal_size=(80, 24),
    )


def test_snapshot_summary(snap_compare, demo_workshop) -> None:
    assert snap_compare(
        snapshot_app(demo_workshop),
        run_before=run_before(*STICKY_LINES, "/done", downs=0),
        terminal_size=(80, 24),
    )


# -- what the snapshots show ------------------------------------------------------------------

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_workshop"
CELL_WIDTH = 12.2  # pixels per column in Textual's SVG export
SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="([0-9.]+)" y="[0-9.]+" textLength="[0-9.]+" '
    r'clip-path="url\(#terminal-line-([0-9]+)\)">([^<]*)</text>'
)


def svg_lines(name: str) -> list[str]:
    """The screen of a snapshot as lines of text (each span put at its column)."""
    rows: dict[int, dict[int, str]] = {}
    for x, line, text in SVG_TEXT.findall((SNAPSHOTS / name).read_text(encoding="utf-8")):
        column = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            rows.setdefault(int(line), {})[column + offset] = char
    return [
        "".join(row.get(c, " ") for c in range(max(row) + 1)).rstrip() if row else ""
        for _, row in sorted(rows.items())
    ]


def shown(name: str) -> str:
    return "\n".join(svg_lines(name))


def test_the_snapshots_show_the_workshop() -> None:
    small = shown("test_snapshot_workshop_map[size0].svg")
    assert "journey workshop — Demo study · Checkout day · facilitator kim" in small
    assert "Sticky goes to 3 Decision · pain · 2 added" in small
    # The customers' pains at Decision, and the workshop's sticky apart (◇1).
    assert "Pains" in small and "69× n=27 ◇1" in small
    # Sorted by votes (F2): first despite its count; texts cut with an ellipsis; the
    # stage's top pain (a moment of truth) marked !.
    assert " 11 ★2 shi…" in small
    assert "!22 too ma…" in small

    large = shown("test_snapshot_workshop_map[size1].svg")
    assert "Sticky goes to 3 Decision · opportunity · 2 added" in large
    for stage in ("1 Awareness", "2 Consideration", "3 Decision", "4 Retention", "5 Advocacy"):
        assert stage in large
    assert " 11 ★2 shipping cost o" in large
    assert "Opportunities" in large and "27 in 18 sess. ◇1" in large
    # Linked to a pain; the badge takes from the text, which never wraps onto the next item.
    assert " 14 →1 offer guest checko…   10 call back" in large
    # The sticky no customer said: the workshop's layer, marked ◇.
    assert " ◇1 show shipping cost" in large
    # Tags are facets, a line of their own under the items.
    assert "#trust 9 #pricing 5" in large

    items = shown("test_snapshot_cell_items.svg")
    assert "journey workshop — Decision: pain" in items
    # The legend of the columns, at 80 columns.
    assert "n, Sess.: customers said it · ◇: workshop stickies · ★: dot-votes" in items
    assert "Votes  Mine  n        Sess.  Item" in items
    # Customers said it 11 times; the sticky (◇1) and its two /up are the workshop's.
    assert "★2     2     11+◇1    8      shipping cost only shown at the end" in items
    assert "✓" in items and "forced to create an account" in items
    # At 80 columns the item and the links column both show; only opportunities link, so
    # elsewhere the links column is as narrow as its heading.
    assert "Item" in items and items.splitlines()[2].endswith("Links")
    # The footer: short descriptions, so most of the keys fit at 80 columns.
    assert "+ Vote  - Unvote  space Mark  g Group  u Ungroup  l Link  e Entries" in items

    opportunities = shown("test_snapshot_cell_items_opportunity.svg")
    assert "journey workshop — Decision: opportunity" in opportunities
    assert "Votes  Mine  n        Sess.  Item" in opportunities
    assert opportunities.splitlines()[2].endswith("Links")
    # The linked pain, cut with an ellipsis at the edge of its column.
    assert "offer guest checkout              too many …" in opportunities
    # The sticky with [now] says something no customer said: its own item, ◇.
    assert "◇1       0      show shipping cost in the baske…" in opportunities

    summary = shown("test_snapshot_summary.svg")
    assert "Workshop finished: 2 stickies, 2 votes, 0 themes, 0 links" in summary
    assert "shipping cost only shown at the end" in summary
    assert "show shipping cost in the basket [now]" in summary  # literally, not markup
    assert "Top-voted items in this workshop" in summary
    # The link made before this workshop is not this workshop's.
    assert "Opportunities linked" not in summary


# -- carrying on a workshop left without /done -------------------------------------------------


async def test_a_workshop_left_without_done_carries_on_where_it_was(study_db: Path) -> None:
    sid = study_id(study_db)
    first = workshop_app(study_db, sid, title="Checkout day")
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(first, pilot)
        await type_line(pilot, "/stage Decision")
        await type_line(pilot, "p: shipping cost only shown at the end")
        await type_line(pilot, "/up")
        assert not any("Resumed" in notice for notice in notices(first))
    # The connection dropped: no /done, so the workshop is still in progress.
    ((session_id, *session),) = workshop_sessions(study_db)
    assert session[:4] == ["workshop", "kim", "Checkout day", "in_progress"]

    again = workshop_app(study_db, sid, facilitator="KIM")
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(again, pilot)
        screen = again.screen
        assert isinstance(screen, WorkshopScreen)
        assert screen.session.session.id == session_id
        assert any(
            "Resumed the workshop started" in n and "(1 sticky)" in n and "--new" in n
            for n in notices(again)
        )
        assert "Sticky goes to 3 Decision" in banner(again) and "· 1 added" in banner(again)
        await type_line(pilot, "d: free returns")
        await type_line(pilot, "/up")  # on the new sticky
        await type_line(pilot, "/done")
        assert isinstance(again.screen, WorkshopSummaryScreen)
        summary = plain(again.screen.query_one("VerticalScroll > Static", Static))
        assert "Workshop finished: 2 stickies, 2 votes" in summary
        added = summary[summary.index("Stickies added") : summary.index("Top-voted")]
        assert "shipping cost only shown at the end" in added and "free returns" in added
        await press(pilot, "enter")
    ((same_id, *session),) = workshop_sessions(study_db)
    assert (same_id, session[3]) == (session_id, "finished")
    assert [row[:4] for row in stickies(study_db, session_id)] == [
        ("Decision", "pain", "shipping cost only shown at the end", 1),
        ("Decision", "delight", "free returns", 1),
    ]


@pytest.mark.parametrize(
    ("request_", "resumes"),
    [
        ({"facilitator": "lee"}, False),  # another facilitator's workshop
        ({"title": "Another day"}, False),  # another title
        ({"title": "checkout DAY"}, True),
        ({"new": True}, False),
    ],
)
async def test_which_workshop_carries_on(study_db: Path, request_: dict, resumes: bool) -> None:
    sid = study_id(study_db)
    first = workshop_app(study_db, sid, title="Checkout day")
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(first, pilot)
    ((first_id, *_),) = workshop_sessions(study_db)
    request = {"facilitator": "kim", **request_}
    again = workshop_app(study_db, sid, **request)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(again, pilot)
        assert isinstance(again.screen, WorkshopScreen)
        assert (again.screen.session.session.id == first_id) is resumes
        assert any("Resumed" in n for n in notices(again)) is resumes
    assert len(workshop_sessions(study_db)) == (1 if resumes else 2)


# -- the pick list of links: marked as they are, set to what is marked -------------------------


def links_of(path: Path) -> set[tuple[str, str]]:
    return set(query(path, "SELECT opportunity_id, pain_id FROM entry_links"))


def marked(app) -> set[str]:
    return set(app.screen.query_one(SelectionList).selected)


async def test_link_marks_the_pains_linked_and_confirming_unlinks_the_unmarked(
    study_db: Path,
) -> None:
    ids = pains_and_an_opportunity(study_db)
    guest = ids["guest"]
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        # Choices: too many ads, reviews look fake, no size guide, forced to create...
        await open_the_pains_of_the_opportunity(app, pilot)
        assert marked(app) == set()
        await press(pilot, "down", "space", "down", "down", "space", "enter")
        assert notices(app)[-1] == "Linked to 2 pains"
        assert links_of(study_db) == {(guest, ids["fake"]), (guest, ids["forced"])}

        # Open again: the two are marked, in the list and in the drawing (X, not colour).
        await press(pilot, "l")
        assert isinstance(app.screen, PickScreen)
        assert marked(app) == {ids["fake"], ids["forced"]}
        boxes = [app.screen.query_one(SelectionList).render_line(y).text[:3] for y in range(4)]
        assert boxes == ["▐ ▌", "▐X▌", "▐ ▌", "▐X▌"]
        # Escape changes nothing, even with a mark changed.
        await press(pilot, "space", "escape")
        assert isinstance(app.screen, CellItemsScreen)
        assert notices(app)[-1] == "Linked to 2 pains"
        assert links_of(study_db) == {(guest, ids["fake"]), (guest, ids["forced"])}

        # Mark "too many ads", unmark "forced to create an account", confirm.
        await press(pilot, "l")
        assert marked(app) == {ids["fake"], ids["forced"]}
        await press(pilot, "space", "down", "down", "down", "space", "enter")
        assert isinstance(app.screen, CellItemsScreen)
        assert notices(app)[-1] == "Linked to 1 pain, unlinked 1"
        assert links_of(study_db) == {(guest, ids["fake"]), (guest, ids["ads"])}
        item, links = items_shown(app)[0][5:]
        assert (item, links) == ("offer guest checkout", "reviews look fake; …")  # cut to fit

        # Enter on the marks as they are: nothing changes, and the notice says so.
        await press(pilot, "l")
        assert marked(app) == {ids["fake"], ids["ads"]}
        await press(pilot, "enter")
        assert notices(app)[-1] == "No change to the links"
        # Unmark both: the opportunity answers no pain any more.
        await press(pilot, "l")  # the dialog opens once the links are read
        await press(pilot, "space", "down", "space", "enter")
        assert notices(app)[-1] == "Unlinked 2 pains"
        assert links_of(study_db) == set()
        assert items_shown(app)[0][5:] == ["offer guest checkout", ""]


async def test_link_marks_a_pain_linked_through_another_entry_of_either_item(
    study_db: Path,
) -> None:
    ids = pains_and_an_opportunity(study_db)
    later_fake = query(
        study_db,
        "SELECT id FROM entries WHERE text = 'reviews look fake' AND id != ?",
        [ids["fake"]],
    )[0][0]
    with open_database(study_db) as db:
        study = find_study(db, STUDY)
        assert study is not None
        decision = stages(db, study.id)[2]
        session = InterviewSession.start(db, study, "P03", interviewer="ana", consent=True)
        again = session.add("opportunity", "Offer guest checkout", stage=decision)
        workshop.link(db, again.id, [later_fake], "lee")  # from and to a later entry
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_the_pains_of_the_opportunity(app, pilot)
        assert marked(app) == {ids["fake"]}
        await press(pilot, "down", "space", "enter")  # unmark it
        assert notices(app)[-1] == "Unlinked 1 pain"
    assert links_of(study_db) == set()


async def test_link_offers_a_linked_pain_beyond_the_most_frequent(
    study_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Left out of a long list, a linked pain could be neither seen nor unmarked, and
    # confirming would drop it unseen: it is offered (marked) besides the most frequent.
    ids = pains_and_an_opportunity(study_db)
    with open_database(study_db) as db:
        workshop.link(db, ids["guest"], [ids["size"]], "lee")  # "no size guide", said once
    monkeypatch.setattr("journey.tui.screens.cell_items_screen.PAIN_LIMIT", 2)
    app = workshop_app(study_db, study_id(study_db))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_the_pains_of_the_opportunity(app, pilot)
        assert pick_choices(app) == [
            "Awareness: too many ads",
            "Consideration: no size guide",
            "Decision: forced to create an account",
        ]
        assert marked(app) == {ids["size"]}
        question = str(app.screen.query_one("#question", Static).render())
        assert "(showing the 2 most frequent of 4 and 1 more linked)" in question
        await press(pilot, "enter")
        assert notices(app)[-1] == "No change to the links"
    assert links_of(study_db) == {(ids["guest"], ids["size"])}
