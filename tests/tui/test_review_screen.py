"""Pilot and snapshot tests of `journey review`: the map, filters, drill-down, the
timeline, live updates and read-only mode.

The pilot tests use the hand-made study of test_journey_map (known numbers); the
snapshots use demo data, whose timestamps are fixed by the seed.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Select, Static, TabbedContent

import journey.tui.screens.drill_down_screen as drill_module
import journey.tui.screens.review_screen as review_module
from journey.capture.demo import add_demo_sessions
from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.browse import (
    EntryScope,
    count_entries_behind,
    entries_behind,
    entries_in,
    entry_page,
)
from journey.storage.connection import wal_path, write
from journey.storage.session_filter import NO_FILTER, SessionFilter
from journey.storage.studies import channels, get_study
from journey.tui.app import ReviewRequest, make_app
from journey.tui.curve_drawing import draw_curve
from journey.tui.curve_series import map_series, stage_names
from journey.tui.screens.compare_screen import CompareScreen
from journey.tui.screens.drill_down_screen import SEARCH_DELAY, DrillDownScreen
from journey.tui.screens.dropped_sessions_screen import DroppedSessionsScreen
from journey.tui.screens.filter_screen import FilterScreen
from journey.tui.screens.review_screen import ReviewScreen
from journey.tui.widgets.journey_map_table import JourneyMapTable
from journey.tui.widgets.timeline_table import TimelineTable
from tests.capture.test_journey_map import Built, build

# -- helpers ----------------------------------------------------------------------------------


# Fixed start times, a day apart, so the timeline's order and dates are known.
STARTED = {key: f"2025-03-0{day}T10:00:00.000+00:00" for day, key in enumerate("ABCDEF", 1)}


@pytest.fixture
def hand_db(tmp_path: Path) -> tuple[Built, Path]:
    """The hand-made study on a closed file (the app is the only connection)."""
    path = tmp_path / "hand.db"
    built = build(path)
    with write(built.db):
        for key, started in STARTED.items():
            built.db.execute(
                "UPDATE sessions SET started_at = ? WHERE id = ?", [started, built.sessions[key]]
            )
    built.db.close()
    return built, path


def review_app(path: Path, study_id: str, *, where=NO_FILTER, read_only=False, poll=0.1):
    return make_app(
        path,
        review=ReviewRequest(study_id, where),
        read_only=read_only,
        poll_seconds=poll,
        cursor_blink=False,
    )


async def settle(app, pilot, pause: float | None = None) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause(pause)
    await app.workers.wait_for_complete()
    await pilot.pause()


def map_table(app) -> JourneyMapTable:
    return app.screen.query_one(JourneyMapTable)


def row_text(table: DataTable, key: str) -> list[str]:
    return [str(cell) for cell in table.get_row(key)]


def column_labels(table: DataTable) -> list[str]:
    return [str(column.label) for column in table.ordered_columns]


def banner(app) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def query(path: Path, sql: str, params: tuple | list = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def live_ids(path: Path, where: str, params: list) -> list[str]:
    """Entry ids straight from SQL, in the drill-down's order (time, then insertion)."""
    return [
        row[0]
        for row in query(
            path,
            f"SELECT e.id FROM entries e JOIN sessions x ON x.id = e.session_id "
            f"LEFT JOIN participants p ON p.id = x.participant_id "
            f"WHERE e.deleted_at IS NULL AND {where} ORDER BY e.created_at, e.rowid",
            params,
        )
    ]


SEARCH_WAIT = SEARCH_DELAY + 0.2


def count_line(app) -> str:
    return str(app.screen.query_one("#count", Static).render())


def column_texts(table: DataTable, key: str) -> list[str]:
    column = table.get_column_index(key)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def shown_ids(app) -> list[str]:
    table = app.screen.query_one("#entries", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def select_cell(app, pilot, row_key: str, column_key: str) -> None:
    table = map_table(app)
    table.focus()
    table.cursor_coordinate = Coordinate(
        table.get_row_index(row_key), table.get_column_index(column_key)
    )
    await pilot.pause()


# -- the map ----------------------------------------------------------------------------------


async def test_the_map_shows_every_stage_and_its_figures(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        table = map_table(app)
        # ▽ lowest emotion (of the stages not thin), ⊘ largest drop-off: moments of truth.
        assert column_labels(table) == ["", "▽1 Awareness", "⊘2 Consideration", "3 Decision"]
        reach = row_text(table, "reach")
        assert reach[0] == "Reached"
        # Customer evidence only: D, the workshop, is in no figure but its own layer.
        assert [cell.splitlines()[0] for cell in reach[1:]] == [
            "5 sessions",
            "3 sessions",
            "2 sessions",
        ]
        assert [cell.split()[-1] for cell in reach[1:]] == ["100%", "60%", "40%"]
        assert row_text(table, "dropped")[1:] == [
            "✗ 1 dropped (20%)\n1 no answer",
            "✗ 2 dropped (67%)\n⊘ largest drop-off\n2 too expensive",
            "✗ 1 dropped (50%)\n1 payment failed",
        ]
        emotion = [cell.splitlines()[0] for cell in row_text(table, "emotion")[1:]]
        assert emotion == [
            "●-0.2 ±1.5 n=5",
            "▼-1.0 ±0.7 n=4 thin",
            "▲+1.3 ±0.5 n=3 thin",
        ]
        # Items are what was said; the tags are a line of their own; ◇ the workshop's.
        assert row_text(table, "goal")[1:] == [
            "6 in 4 sess. ◇1\n  4 CHEAP price\n  1 find a gift\n  1 low cost\n#price 1",
            "-",
            "-",
        ]
        assert row_text(table, "need")[1] == "2 in 2 sess. thin\n  2 the total price"
        assert row_text(table, "pain")[1:3] == [
            "no customer said it ◇1\n ◇1 too many ads",
            # ! the stage's top pain (a moment of truth); the columns are wider now, so
            # more tags fit.
            "3 in 2 sess. thin\n! 1 box too big\n  1 fees at checkout\n  1 slow delivery\n"
            "#shipping 3 #packaging 1",
        ]
        assert row_text(table, f"channel:{built.web.id}") == [
            "⌁ Web",
            "2× ▲▲+1.5\nn=2 ↗2 ↘0 thin",
            "1× ●+0.0\nn=1 ↗1 ↘0 thin",
            "-",
        ]
        assert row_text(table, f"channel:{built.phone.id}")[1] == "3× ▼-1.3\nn=3 ↗2 ↘1"
        # The last stage has no next stage: no contribution line.
        assert row_text(table, f"channel:{built.store.id}")[3] == "2× ▲+1.0\nn=2 thin"
        assert "READ-ONLY" not in banner(app)
        assert banner(app) == "showing all sessions · 5 customer sessions"


async def test_map_at_80x24_shows_every_stage_without_scrolling(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = map_table(app)
        assert len(table.columns) == 4
        assert table.virtual_size.width <= table.size.width
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.cursor_coordinate.column == 3
        assert table.scroll_x == 0
        assert [cell.split()[0] for cell in row_text(table, "reach")[1:]] == ["5", "3", "2"]


async def test_map_with_many_stages_scrolls_sideways(tmp_path) -> None:
    from journey.capture.study import new_study

    template = tmp_path / "ten.toml"
    template.write_text(
        "\n".join(f'[[stages]]\nname = "Stage {n}"' for n in range(1, 11)), encoding="utf-8"
    )
    path = tmp_path / "ten.db"
    with open_database(path, create=True) as db:
        study = new_study(db, "Ten stages", template)
    app = review_app(path, study.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = map_table(app)
        assert len(table.columns) == 11
        await pilot.press(*["right"] * 9)
        await pilot.pause()
        assert table.scroll_x > 0


# -- filters ----------------------------------------------------------------------------------


async def test_a_filter_from_the_filter_screen_changes_the_numbers(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        app.screen.query_one("#segment", Select).value = "new"
        await pilot.click("#apply")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.where == SessionFilter(segment="new")
        table = map_table(app)
        reach = [cell.splitlines()[0] for cell in row_text(table, "reach")[1:]]
        assert reach == ["3 sessions", "2 sessions", "1 sessions"]
        assert row_text(table, "goal")[1] == "4 in 2 sess. thin\n  3 CHEAP price\n  1 find a gift"
        assert row_text(table, f"channel:{built.phone.id}")[1] == ("2× ▼▼-1.5\nn=2 ↗1 ↘1 thin")
        assert banner(app) == "showing segment new · 3 customer sessions"


async def test_the_filter_screen_driven_by_keys(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FilterScreen)
        # segment, interviewer, mode, since, before: to the interviewer choice.
        screen.query_one("#interviewer", Select).focus()
        await pilot.press("enter")  # open the list: (all), ana, ben, BEN?, chloe, kim
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        chosen = screen.query_one("#interviewer", Select).value
        assert isinstance(chosen, str)
        screen.query_one("#since", Input).focus()
        await pilot.press(*"2000-01-01", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.where == SessionFilter(interviewer=chosen, since="2000-01-01")
        expected = build_map_figures(path, built, app.screen.where)
        assert reach_figures(app) == expected
        assert reach_figures(app) != ["5", "3", "2"]


def build_map_figures(path: Path, built: Built, where: SessionFilter) -> list[str]:
    with open_database(path, read_only=True) as db:
        journey = build_map(db, get_study(db, built.study.id), where)
    return [str(c.reached) for c in journey.stages]


def reach_figures(app) -> list[str]:
    return [cell.split()[0] for cell in row_text(map_table(app), "reach")[1:]]


async def test_a_date_range_from_the_filter_screen(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#since", Input).focus()
        await pilot.press(*"2025-03-03", "tab", *"2025-03-05", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.where == SessionFilter(since="2025-03-03", until="2025-03-05")
        # C (D, the workshop, started then too: no customer, not in the timeline).
        assert reach_figures(app) == ["1", "0", "1"]  # C skipped Consideration
        assert banner(app) == "showing since 2025-03-03, before 2025-03-05 · 1 customer sessions"
        await pilot.press("t")
        await pilot.pause()
        assert timeline_codes(app) == ["P03"]


async def test_a_bad_date_in_the_filter_is_explained_and_nothing_changes(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#before", Input).focus()
        await pilot.press(*"30/09/2026", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "not a date" in str(screen.query_one("#error", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.where == NO_FILTER
        assert reach_figures(app) == ["5", "3", "2"]


async def test_filter_dismissed_with_a_session_filter_and_cleared(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.screen.action_filter()
        await pilot.pause()
        app.screen.dismiss(SessionFilter(mode="workshop"))
        await settle(app, pilot)
        # A workshop is no customer: the figures are empty, its stickies still show.
        assert reach_figures(app) == ["0", "0", "0"]
        assert row_text(map_table(app), "touchpoint")[1:] == ["-", "-", "-"]
        assert row_text(map_table(app), "pain")[1] == "no customer said it ◇1\n ◇1 too many ads"
        assert banner(app) == "showing mode workshop · 0 customer sessions"
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one("#mode", Select).value == "workshop"
        await pilot.click("#clear")
        await settle(app, pilot)
        assert reach_figures(app) == ["5", "3", "2"]


async def test_the_review_opens_with_the_cli_filter(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id, where=SessionFilter(interviewer="ANA"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert reach_figures(app) == ["2", "1", "2"]  # A and C; C skipped Consideration
        assert banner(app) == "showing interviewer ANA · 2 customer sessions"


# -- drill-down -------------------------------------------------------------------------------


async def test_drill_down_lists_exactly_the_entries_of_a_lane_cell(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        map_table(app).focus()
        # The cursor starts on the first stage's reach; Goals is three rows down.
        await pilot.press("down", "down", "down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        expected = live_ids(path, "e.stage_id = ? AND e.lane = 'goal'", [built.s1.id])
        assert len(expected) == 7
        assert shown_ids(app) == expected
        assert app.screen.sub_title == "Awareness: goals"
        assert count_line(app) == "7 of 7 entries"
        # The stage and lane are the title's; no entry of the cell has a channel or an emotion.
        table = app.screen.query_one("#entries", DataTable)
        assert column_labels(table) == ["Who", "Text", "Tags", "Interviewer"]
        first = [str(c) for c in table.get_row_at(0)]
        assert first == ["P01", "Cheap price", "", "ana"]
        # The filter box narrows the list (in the database, a moment after the typing).
        await pilot.press("slash", *"cheap")
        await settle(app, pilot, SEARCH_WAIT)
        assert len(shown_ids(app)) == 5
        assert count_line(app) == "5 of 7 entries matching cheap"
        await pilot.press("enter")  # out of the box, back to the list
        await pilot.pause()
        assert app.focused is app.screen.query_one("#entries", DataTable)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_enter_on_a_dropped_cell_lists_the_sessions_that_dropped_there(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await select_cell(app, pilot, "dropped", built.s2.id)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DroppedSessionsScreen)
        assert screen.sub_title == "Consideration: sessions that dropped out"
        assert "2 sessions dropped out here" in str(screen.query_one("#count", Static).render())
        table = screen.query_one("#sessions", DataTable)
        assert column_labels(table) == ["Who", "Segment", "By", "Dropped", "Reason"]
        rows = sorted([str(c) for c in table.get_row_at(i)] for i in range(table.row_count))
        # B and E, the customers; D (the workshop) dropped there too but is no customer.
        assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
            ("P02", "new", "ben", "Too expensive"),
            ("P05", "Returning", "BEN", "TOO EXPENSIVE"),
        ]
        assert all(len(r[3]) == len("2026-01-01 10:00") for r in rows)
        # Enter on a session: its entries, in time order.
        codes = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.move_cursor(row=codes.index("P02"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        assert app.screen.sub_title.startswith("P02: entries in time order")
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_drill_down_of_channel_and_emotion_cells_excludes_deleted(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await select_cell(app, pilot, f"channel:{built.web.id}", built.s1.id)
        await pilot.press("enter")
        await settle(app, pilot)
        expected = live_ids(
            path,
            "e.stage_id = ? AND e.lane = 'touchpoint' AND e.channel_id = ?",
            [built.s1.id, built.web.id],
        )
        assert len(expected) == 2  # A's and B's; C's was undone
        assert shown_ids(app) == expected
        assert built.deleted_entry not in shown_ids(app)
        await pilot.press("escape")
        await pilot.pause()
        await select_cell(app, pilot, "emotion", built.s2.id)
        await pilot.press("enter")
        await settle(app, pilot)
        expected = live_ids(path, "e.stage_id = ? AND e.emotion IS NOT NULL", [built.s2.id])
        assert len(expected) == 4
        assert shown_ids(app) == expected
        await pilot.press("escape")
        await pilot.pause()
        await select_cell(app, pilot, "reach", built.s3.id)
        await pilot.press("enter")
        await settle(app, pilot)
        assert shown_ids(app) == live_ids(path, "e.stage_id = ?", [built.s3.id])


async def test_drill_down_follows_the_filter(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id, where=SessionFilter(segment="new"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await select_cell(app, pilot, "goal", built.s1.id)
        await pilot.press("enter")
        await settle(app, pilot)
        expected = live_ids(
            path,
            "e.stage_id = ? AND e.lane = 'goal' AND p.segment = 'new' COLLATE NOCASE",
            [built.s1.id],
        )
        assert len(expected) == 4
        assert shown_ids(app) == expected


# -- the drill-down: every entry counted, the filter searching them all --------------------------


def test_the_count_covers_every_entry_and_a_page_stops_at_its_limit(hand_db) -> None:
    built, path = hand_db
    goals = EntryScope(built.study.id, stage_id=built.s1.id, lane="goal")
    with open_database(path, read_only=True) as db:
        assert count_entries_behind(db, built.study.id, stage_id=built.s1.id, lane="goal") == 7
        everything = entries_in(db, goals)
        assert [row.id for row in everything] == live_ids(
            path, "e.stage_id = ? AND e.lane = 'goal'", [built.s1.id]
        )
        page = entry_page(db, goals, limit=3)
        assert [row.id for row in page.rows] == [row.id for row in everything[:3]]
        assert (page.matching, page.truncated) == (7, True)
        # A search counts every match, not only those on the page.
        page = entry_page(db, goals, "cheap", limit=3)
        assert (len(page.rows), page.matching) == (3, 5)
        page = entry_page(db, goals, "cheap")
        assert (len(page.rows), page.matching, page.truncated) == (5, 5, False)
        # The emotion row of the map: rated entries only, in SQL.
        rated = entries_behind(db, built.study.id, stage_id=built.s2.id, emotion_only=True)
        assert [row.id for row in rated] == live_ids(
            path, "e.stage_id = ? AND e.emotion IS NOT NULL", [built.s2.id]
        )


@pytest.fixture
def search_db(tmp_path: Path) -> tuple[Path, str]:
    """Entries that try the search: LIKE's wildcards, letters beyond ASCII, every field."""
    path = tmp_path / "search.db"
    with open_database(path, create=True) as db:
        study = new_study(db, "Search")
        web = next(c for c in channels(db, study.id) if c.name == "Website")
        a = InterviewSession.start(db, study, "P01", segment="new", interviewer="Åsa", consent=True)
        for text in ("50% off", "5000 off", "a_b", "axb", "back\\slash"):
            a.add("goal", text)
        a.add("pain", "Ärger mit der Lieferung", tags=["Lieferung"])
        a.add("touchpoint", "looked around", channel=web)
        b = InterviewSession.start(db, study, "P02", interviewer="ben", consent=True)
        b.add("goal", "nothing special", tags=["price"])
        b.add("need", "a price I understand")
    return path, study.id


def searched(path: Path, study_id: str, search: str) -> list[str]:
    with open_database(path, read_only=True) as db:
        return [row.text for row in entries_in(db, EntryScope(study_id), search)]


def test_the_search_takes_like_wildcards_literally(search_db) -> None:
    path, study_id = search_db
    assert searched(path, study_id, "50%") == ["50% off"]
    assert searched(path, study_id, "%") == ["50% off"]
    assert searched(path, study_id, "a_b") == ["a_b"]
    assert searched(path, study_id, "_") == ["a_b"]
    assert searched(path, study_id, "back\\") == ["back\\slash"]
    assert searched(path, study_id, "\\") == ["back\\slash"]


def test_the_search_ignores_case_in_every_alphabet_and_looks_in_every_field(search_db) -> None:
    path, study_id = search_db
    pain = ["Ärger mit der Lieferung"]
    assert searched(path, study_id, "ärger") == pain
    assert searched(path, study_id, "ÄRGER") == pain
    assert searched(path, study_id, "#LIEF") == pain  # a tag
    assert searched(path, study_id, "websITE") == ["looked around"]  # a channel
    p01 = ["50% off", "5000 off", "a_b", "axb", "back\\slash", *pain, "looked around"]
    assert searched(path, study_id, "åsa") == p01  # an interviewer
    assert searched(path, study_id, "p01") == p01  # a participant
    assert searched(path, study_id, "BEN") == ["nothing special", "a price I understand"]
    # Every word must match, each anywhere; a #word only a tag.
    assert searched(path, study_id, "ben price") == ["nothing special", "a price I understand"]
    assert searched(path, study_id, "#price") == ["nothing special"]
    assert searched(path, study_id, "ben off") == []


async def test_a_long_drill_down_says_so_and_its_filter_searches_every_entry(
    hand_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, path = hand_db
    monkeypatch.setattr(drill_module, "DRILL_DOWN_LIMIT", 3)
    calls: list[tuple[str, bool, bool]] = []
    real_page = drill_module.entry_page

    def spy(db, scope, search="", limit=5000):
        main = threading.current_thread() is threading.main_thread()
        calls.append((search, main, db is app.db))
        return real_page(db, scope, search, limit)

    monkeypatch.setattr(drill_module, "entry_page", spy)
    app = review_app(path, built.study.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await select_cell(app, pilot, "goal", built.s1.id)
        await pilot.press("enter")
        await settle(app, pilot)
        every = live_ids(path, "e.stage_id = ? AND e.lane = 'goal'", [built.s1.id])
        assert len(every) == 7
        assert shown_ids(app) == every[:3]
        assert count_line(app) == "3 of 7 entries (the first 3; the filter searches all)"
        # P05's goal is the last of the seven: beyond the first three, and found.
        await pilot.press("slash", *"p05")
        assert count_line(app) == "searching all 7 entries for p05…"
        await settle(app, pilot, SEARCH_WAIT)
        p05 = live_ids(path, "e.stage_id = ? AND e.lane = 'goal' AND p.code = 'P05'", [built.s1.id])
        assert p05 == every[-1:]
        assert shown_ids(app) == p05
        assert count_line(app) == "1 of 7 entries matching p05"
        # More matches than the page holds: the count says both.
        await pilot.press("ctrl+u", *"cheap")
        await settle(app, pilot, SEARCH_WAIT)
        assert len(shown_ids(app)) == 3
        assert count_line(app) == "3 of 5 entries matching cheap (the first 3; 7 entries in all)"
        # A tag of an entry beyond the page; an interviewer.
        await pilot.press("ctrl+u", *"#price")
        await settle(app, pilot, SEARCH_WAIT)
        assert count_line(app) == "2 of 7 entries matching #price"
        await pilot.press("ctrl+u", *"KIM")
        await settle(app, pilot, SEARCH_WAIT)
        assert [str(c) for c in app.screen.query_one("#entries", DataTable).get_row_at(0)][:2] == [
            "W1",
            "as cheap as possible",
        ]
        # An empty box shows the first page again, at once.
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert shown_ids(app) == every[:3]
        assert count_line(app) == "3 of 7 entries (the first 3; the filter searches all)"
    # The first page and every search were read in a worker thread, on a connection of its own.
    assert calls[0] == ("", False, False)
    searches = [call for call in calls if call[0]]
    assert {search for search, _main, _app_db in searches} >= {"p05", "cheap", "#price", "KIM"}
    assert not any(main or app_db for _search, main, app_db in calls)


async def test_drill_down_columns_fit_80_columns_and_follow_a_resize(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        # P02 (B) is the fourth row, by date: two stages, lanes and channels; one interviewer.
        await pilot.press("down", "down", "down", "enter")
        await settle(app, pilot)
        table = app.screen.query_one("#entries", DataTable)
        assert column_labels(table) == ["Stage", "Lane", "Channel", "Emo", "Text"]
        assert table.columns[table.ordered_columns[-1].key].width >= 36
        assert table.virtual_size.width <= table.size.width  # nothing off to the right
        # The tags go in front of the text rather than into a column of their own.
        assert column_texts(table, "text")[-1] == "#packaging #shipping box too big"
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert column_labels(table) == [
            "Stage",
            "Lane",
            "Channel",
            "Emo",
            "Text",
            "Tags",
            "Interviewer",
        ]
        assert column_texts(table, "text")[-1] == "box too big"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert column_labels(table)[-1] == "Text"
        # A map cell: its stage and lane are in the title, so the text has the room.
        await pilot.press("escape", "m")
        await select_cell(app, pilot, "pain", built.s2.id)
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one("#entries", DataTable)
        assert app.screen.sub_title == "Consideration: pains"
        assert column_labels(table) == ["Who", "Emo", "Text", "Tags"]
        assert table.virtual_size.width <= table.size.width


# -- the timeline -----------------------------------------------------------------------------


def timeline_codes(app) -> list[str]:
    table = app.screen.query_one(TimelineTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_the_timeline_lists_sessions_and_sorts(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "timeline"
        table = app.screen.query_one(TimelineTable)
        assert app.focused is table
        # Wide enough for everything; the column it is sorted by is marked.
        assert column_labels(table) == [
            "Who",
            "Segment",
            "Interviewer",
            "Started ▾",
            "1 Awareness",
            "2 Consideration",  # whole: the stage columns share the width
            "3 Decision",
        ]
        # Customers only: W1 is a workshop, which walks no journey.
        by_date = ["P06", "P05", "P03", "P02", "P01"]  # newest first
        assert timeline_codes(app) == by_date
        p06 = [str(c) for c in table.get_row(built.sessions["F"])]
        assert p06[:4] == ["P06", "new", "chloe", "2025-03-06 10:00"]
        assert p06[4:] == ["✗▼ No answer", "·", "·"]
        p03 = [str(c) for c in table.get_row(built.sessions["C"])]
        assert p03[4:] == ["✓▼", "↷", "✗▲ Payment failed"]
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_by == "segment"
        assert column_labels(table)[1:4] == ["Segment ▾", "Interviewer", "Started"]
        assert timeline_codes(app) == ["P01", "P02", "P06", "P03", "P05"]
        assert "Timeline sorted by segment" in [n.message for n in app._notifications]
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_by == "interviewer"
        assert timeline_codes(app) == ["P01", "P03", "P02", "P05", "P06"]
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_by == "date"
        assert timeline_codes(app) == by_date


@pytest.mark.parametrize(("template", "stage_count"), [("five-stage", 5), ("six-stage", 6)])
async def test_the_timeline_shows_every_stage_at_80_columns(
    tmp_path: Path, template: str, stage_count: int
) -> None:
    path = tmp_path / "timeline.db"
    with open_database(path, create=True) as db:
        study = new_study(db, "Timeline", template, demo=True)
        add_demo_sessions(db, 12, seed=3, study_name="Timeline")
    app = review_app(path, study.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one(TimelineTable)
        labels = column_labels(table)
        stage_labels = labels[-stage_count:]
        assert [label.split()[0] for label in stage_labels] == [
            str(n) for n in range(1, stage_count + 1)
        ]
        assert table.virtual_size.width <= table.size.width  # every stage, no scrolling
        # Compact: who, a short segment, the date it is sorted by (marked), then the stages.
        assert labels[:-stage_count] == ["Who", "Segment", "Date ▾"]
        dates = column_texts(table, "started")
        assert all(len(date) == 5 and date[2] == "-" for date in dates)  # 01-06
        for key in (stage.id for stage in app.screen.query_one(TimelineTable).stages):
            assert all(text[0] in "✓✗↷·" for text in column_texts(table, key))
        # Each sort shows its column, marked, and still fits.
        await pilot.press("s")
        await pilot.pause()
        assert column_labels(table)[:-stage_count] == ["Who", "Segment ▾"]
        segments = [path.segment or "~" for path in table._sorted()]
        assert segments == sorted(segments, key=str.casefold)
        await pilot.press("s")
        await pilot.pause()
        assert column_labels(table)[:-stage_count] == ["Who", "Segment", "Intvw ▾"]
        interviewers = column_texts(table, "interviewer")
        assert interviewers == sorted(interviewers, key=str.casefold)
        assert table.virtual_size.width <= table.size.width
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_by == "date"
        # Wider, the session columns come back in full.
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert column_labels(table)[:-stage_count] == [
            "Who",
            "Segment",
            "Interviewer",
            "Started ▾",
        ]
        assert table.virtual_size.width <= table.size.width


async def test_sort_from_the_map_opens_the_timeline(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "timeline"
        assert app.screen.query_one(TimelineTable).sort_by == "segment"
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "map"
        assert app.focused is map_table(app)


async def test_selecting_a_session_shows_its_entries_in_time_order(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        # P02 (B) is the fourth row, by date.
        await pilot.press("down", "down", "down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        assert app.screen.sub_title == "P02: entries in time order"
        expected = live_ids(path, "e.session_id = ?", [built.sessions["B"]])
        assert len(expected) == 7
        assert shown_ids(app) == expected
        table = app.screen.query_one("#entries", DataTable)
        # One participant: the title says who; every other column fits at 160.
        assert column_labels(table) == [
            "Stage",
            "Lane",
            "Channel",
            "Emo",
            "Text",
            "Tags",
            "Interviewer",
        ]
        texts = column_texts(table, "text")
        assert texts == [
            "searched",
            "cheap PRICE",
            "CHEAP price",
            "the total price",
            "went to the store",
            "fees at checkout",
            "box too big",
        ]
        assert column_texts(table, "tags")[6] == "#packaging #shipping"
        stamps = [
            row[0]
            for row in query(
                path,
                "SELECT created_at FROM entries WHERE session_id = ? AND deleted_at IS NULL "
                "ORDER BY created_at, rowid",
                [built.sessions["B"]],
            )
        ]
        assert stamps == sorted(stamps)


# -- compare ----------------------------------------------------------------------------------


async def test_compare_shows_two_segments(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


def test_the_comparison_shows_stage_names_whole_or_cut_with_an_ellipsis(tmp_path: Path) -> None:
    path = tmp_path / "journey.db"
    with open_database(path, create=True) as db:
        five = build_map(db, new_study(db, "Five"))
        six = build_map(db, new_study(db, "Six", template="six-stage"))

    def header(journey_map, width: int) -> str:
        """The curve's row of stage names, drawn `width` cells wide."""
        names = stage_names([c.stage for c in journey_map.stages])
        series = [map_series(journey_map, "A: a"), map_series(journey_map, "B: b")]
        lines = [line.plain for line in draw_curve(width, 4, names, series)]
        assert max(len(line.rstrip()) for line in lines) <= width
        return lines[4]

    # At 80 columns the names are placed aside rather than cut: all five whole.
    narrow = header(five, 78)
    for name in ("1 Awareness", "2 Consideration", "3 Decision", "4 Retention", "5 Advocacy"):
        assert name in narrow
    assert "…" not in narrow
    # Where they cannot all fit, each is cut with an ellipsis (the one `fit`).
    assert "…" in header(six, 60)
    wide = header(five, 158)
    for name in ("1 Awareness", "2 Consideration", "3 Decision", "4 Retention", "5 Advocacy"):
        assert name in wide
    assert "…" not in wide
    names = (
        "Need recognition",
        "Research",
        "Evaluation",
        "Purchase decision",
        "Purchase evaluation",
        "Advocacy",
    )
    wide = header(six, 158)
    for position, name in enumerate(names, 1):
        assert f"{position} {name}" in wide
    assert "…" not in wide
    # Too narrow for all six: the longest names give way, cut with an ellipsis; the short
    # ones stay whole.
    narrow = header(six, 78)
    assert "2 Research" in narrow and "6 Advocacy" in narrow
    assert "5 Purchase evaluation" not in narrow and "5 Purchase…" in narrow
    assert narrow.count("…") >= 2


# -- live -------------------------------------------------------------------------------------


async def test_another_connection_commits_and_the_map_follows(hand_db) -> None:
    built, path = hand_db
    app = review_app(path, built.study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert reach_figures(app) == ["5", "3", "2"]
        with open_database(path) as other:
            session = InterviewSession.start(
                other, get_study(other, built.study.id), "P07", segment="new", consent=True
            )
            session.add("goal", "cheap price")
        await settle(app, pilot, 0.5)
        assert reach_figures(app) == ["6", "3", "2"]
        assert row_text(map_table(app), "goal")[1].splitlines()[:2] == [
            "7 in 5 sess. ◇1",
            "  5 CHEAP price",
        ]
        assert banner(app) == "showing all sessions · 6 customer sessions"
        await pilot.press("t")
        await pilot.pause()
        assert timeline_codes(app)[0] == "P07"


async def test_demo_sessions_from_another_connection_appear(hand_db) -> None:
    built, path = hand_db
    with open_database(path) as db:
        study = add_demo_sessions(db, 5, seed=2).study
    app = review_app(path, study.id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert reach_figures(app)[0] == "5"
        with open_database(path) as other:
            add_demo_sessions(other, 7, seed=3)
        await settle(app, pilot, 0.5)
        assert reach_figures(app)[0] == "12"


async def test_an_idle_review_does_not_query_again(
    hand_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, path = hand_db
    calls: list[SessionFilter] = []

    def counting(db, study, where=NO_FILTER, top=5):
        calls.append(where)
        return build_map(db, study, where, top)

    monkeypatch.setattr(review_module, "build_map", counting)
    app = review_app(path, built.study.id, poll=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert len(calls) == 1
        await pilot.pause(0.6)  # a dozen polls
        await app.workers.wait_for_complete()
        assert len(calls) == 1
        with open_database(path) as other:
            InterviewSession.start(other, get_study(other, built.study.id), "P08", consent=True)
        await settle(app, pilot, 0.3)
        assert len(calls) == 2
        await pilot.pause(0.4)
        await app.workers.wait_for_complete()
        assert len(calls) == 2


# -- read-only --------------------------------------------------------------------------------


def snapshot_of_files(path: Path) -> dict[str, bytes]:
    """The database's bytes and its write-ahead log's. A read-only connection may
    create an empty -wal (and the -shm index) beside a WAL database: no content."""
    return {
        candidate.name: candidate.read_bytes() if candidate.exists() else b""
        for candidate in (path, wal_path(path))
    }


COUNTS = (
    "SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM sessions), "
    "(SELECT count(*) FROM edits), (SELECT count(*) FROM stage_progress), "
    "(SELECT max(updated_at) FROM entries), (SELECT max(updated_at) FROM sessions)"
)


async def test_read_only_nothing_typed_writes(
    hand_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `x` exports the view into the current folder: a file, never the database.
    monkeypatch.chdir(tmp_path)
    built, path = hand_db
    before = snapshot_of_files(path)
    pressed: set[str] = set()
    observer = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        version = observer.execute("PRAGMA data_version").fetchone()[0]
        counts = observer.execute(COUNTS).fetchone()
        app = review_app(path, built.study.id, read_only=True)
        async with app.run_test(size=(80, 24)) as pilot:

            async def press(*keys: str) -> None:
                pressed.update(keys)
                await pilot.press(*keys)
                await pilot.pause()

            await settle(app, pilot)
            assert banner(app).startswith("READ-ONLY (nothing writes)")
            assert app.screen.query_one("#banner").has_class("-read-only")
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                app.db.conn.execute("DELETE FROM entries")
            # The map's and the timeline's keys, drill-downs from both.
            await press("m", "enter", "escape", "t", "enter", "escape", "s", "s", "m")
            assert isinstance(app.screen, ReviewScreen)
            # The filter screen: type a date and apply.
            await press("f")
            app.screen.query_one("#since", Input).focus()
            await press(*"2000-01-01", "enter")
            await settle(app, pilot)
            assert app.screen.where == SessionFilter(since="2000-01-01")
            # Compare: pick another segment B, then back.
            await press("c")
            await settle(app, pilot)
            assert isinstance(app.screen, CompareScreen)
            await press("tab", "enter", "down", "enter")
            await settle(app, pilot)
            await press("escape")
            while not isinstance(app.screen, ReviewScreen):
                await press("escape")
            # Help and its legend, by both keys.
            await press("f1", "escape", "question_mark", "escape")
            assert isinstance(app.screen, ReviewScreen)
            # Characters that are no binding, on the map.
            await press(*"xz9/:[@=")
            # A drill-down's filter box, markup and capture commands included.
            await press("m", "enter")
            assert isinstance(app.screen, DrillDownScreen)
            await press("slash", *"[@click=app.quit]/undo", "enter")
            await press("delete", "backspace", "ctrl+z")
            assert isinstance(app.screen, DrillDownScreen)
            await press("escape")
            assert isinstance(app.screen, ReviewScreen)
            # Commands through the palette.
            await press("ctrl+p")
            await press(*"del", "escape")
            await settle(app, pilot, 0.3)  # several polls
            assert app.is_running
            await press("q")
        assert not app.is_running
        # Every key the review binds was pressed.
        assert {k for b in ReviewScreen.BINDINGS for k in b.key.split(",")} <= pressed
        assert observer.execute("PRAGMA data_version").fetchone()[0] == version
        assert observer.execute(COUNTS).fetchone() == counts
    finally:
        observer.close()
    assert snapshot_of_files(path) == before


# -- snapshots --------------------------------------------------------------------------------

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(autouse=True)
def _in_db_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # Paths shown relative to the test folder, so snapshots are stable.
    if "snap_compare" in request.fixturenames:
        monkeypatch.chdir(tmp_path)


@pytest.fixture
def demo_review(db_path: Path) -> tuple[Path, str]:
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=7).study
    return db_path, study.id


def snapshot_review(demo_review: tuple[Path, str]):
    path, study_id = demo_review
    relative = path.relative_to(Path.cwd()) if path.is_absolute() else path
    return review_app(relative, study_id, read_only=True, poll=60)


def run_before(*keys: str):
    async def before(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_map(snap_compare, demo_review, size) -> None:
    assert snap_compare(snapshot_review(demo_review), run_before=run_before(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_timeline(snap_compare, demo_review, size) -> None:
    assert snap_compare(
        snapshot_review(demo_review), run_before=run_before("t"), terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_drill_down(snap_compare, demo_review, size) -> None:
    # Goals at the first stage.
    assert snap_compare(
        snapshot_review(demo_review),
        run_before=run_before("down", "down", "down", "enter"),
        terminal_size=size,
    )


def test_snapshot_drill_down_of_a_session(snap_compare, demo_review) -> None:
    # The newest session's entries at 80 columns: the text keeps most of the line.
    assert snap_compare(
        snapshot_review(demo_review), run_before=run_before("t", "enter"), terminal_size=(80, 24)
    )


def test_snapshot_map_no_color(snap_compare, demo_review, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(
        snapshot_review(demo_review), run_before=run_before(), terminal_size=(80, 24)
    )


async def test_snapshot_screens_show_no_time_of_today(demo_review) -> None:
    """What the snapshots show comes from the seed: no time of the run appears."""
    path, study_id = demo_review
    ((first, last),) = query(
        path,
        "SELECT min(started_at), max(started_at) FROM sessions WHERE study_id = ?",
        [study_id],
    )
    assert first.startswith("2026-01-05") and last < "2026-01-07"
    today = datetime.now(UTC).date().isoformat()
    app = review_app(path, study_id, read_only=True, poll=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screens = [app.export_screenshot()]
        await pilot.press("t")
        await pilot.pause()
        screens.append(app.export_screenshot())
        assert "2026-01-06" in screens[-1]  # the newest demo sessions
        await pilot.press("m", "down", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillDownScreen)
        screens.append(app.export_screenshot())
    for screen in screens:
        assert today not in screen


async def test_x_exports_the_view_as_it_is_filtered(
    hand_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    built, path = hand_db
    monkeypatch.chdir(tmp_path)
    app = review_app(path, built.study.id, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.where = SessionFilter(segment="new")
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
    written = sorted(p.name for p in tmp_path.glob("journey-*"))
    assert [name.rsplit("-", 1)[-1] for name in written] == ["map.csv", "map.md", "timeline.csv"]
    report = next(tmp_path.glob("journey-*-map.md")).read_text()
    assert report.startswith(f"# Journey map: {built.study.name}") and "segment new" in report
    with next(tmp_path.glob("journey-*-timeline.csv")).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open_database(path, read_only=True) as db:
        expected = db.execute(
            "SELECT count(*) FROM sessions x JOIN participants p ON p.id = x.participant_id "
            "WHERE p.segment = 'new'"
        ).fetchone()[0]
    assert len(rows) == expected > 0
    assert {row["segment"] for row in rows} == {"new"}
