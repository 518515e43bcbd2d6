"""capture/workshop.py: the workshop's rules without a screen: stickies at a chosen
stage, the cell's default lane, votes, themes from the one item definition, links, the
summary, durations and the timer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.quick_entry import ParsedEntry, parse_line
from journey.capture.session import InterviewSession
from journey.capture.workshop import (
    WorkshopSession,
    WorkshopTimer,
    parse_duration,
    read_cell,
    read_links,
    sticky_line,
)
from journey.storage import open_database
from journey.storage.errors import InvalidValue
from journey.storage.studies import find_study


@pytest.fixture
def room(study_db: Path) -> Iterator[WorkshopSession]:
    db = open_database(study_db)
    study = find_study(db, "Checkout study")
    assert study is not None
    try:
        yield WorkshopSession.start_workshop(db, study, facilitator="kim")
    finally:
        db.close()


def sticky(room: WorkshopSession, line: str, stage: int = 2):
    parsed = parse_line(line, room.channels)
    assert isinstance(parsed, ParsedEntry)
    return room.add_sticky(parsed, room.stages[stage])


def count(db: Database, sql: str, *params: object) -> int:
    return db.conn.execute(sql, params).fetchone()[0]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5m", 300), ("90s", 90), ("1m30s", 90), ("1h", 3600), ("10", 600), (" 2 m ", 120)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", "5x", "m"])
def test_a_duration_that_is_not_one_is_refused_in_words(text: str) -> None:
    with pytest.raises(InvalidValue, match="is not a duration like 5m"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("line", "lane", "parsed"),
    [
        ("slow page", "pain", "pain: slow page"),
        ("o: one-click pay", "pain", "o: one-click pay"),  # its own prefix wins
        ("/up", "pain", "/up"),
        ("slow page", None, "slow page"),
        ("note: a: b", "goal", "note: a: b"),
        ("ratio 3:1 is fine", "goal", "goal: ratio 3:1 is fine"),
    ],
)
def test_a_sticky_goes_to_the_cells_lane_unless_it_names_one(
    line: str, lane: str | None, parsed: str
) -> None:
    assert sticky_line(line, lane) == parsed


def test_the_timer_counts_down_and_says_once_that_it_ran_out() -> None:
    clock = [100.0]
    timer = WorkshopTimer(clock=lambda: clock[0])
    assert timer.left() is None and not timer.ran_out()
    assert timer.set("1m") is True
    clock[0] += 20.4
    assert timer.left() == 40 and not timer.ran_out()
    clock[0] += 40
    assert timer.ran_out() is True
    assert timer.ran_out() is False and timer.left() is None
    timer.set("5m")
    assert timer.set("off") is False and not timer.running
    with pytest.raises(InvalidValue):
        timer.set("later")


def test_stickies_land_at_the_chosen_stage_and_are_no_customer_progress(
    room: WorkshopSession,
) -> None:
    entry = sticky(room, "p: no guest checkout", stage=2)
    assert entry.stage_id == room.stages[2].id
    assert room.added == [entry.id] and room.last_sticky == entry.id
    assert (
        count(room.db, "SELECT count(*) FROM stage_progress WHERE session_id = ?", room.session.id)
        == 0
    )
    assert room.starting_stage() == room.stages[2]
    assert room.undo() == entry
    assert room.added == [] and room.last_sticky is None


def test_a_resumed_workshop_knows_what_it_added(room: WorkshopSession) -> None:
    first = sticky(room, "p: no guest checkout")
    again, resumed = WorkshopSession.open_workshop(room.db, room.study, facilitator="kim")
    assert resumed and again.added == [first.id]


def test_vote_last_votes_on_the_last_sticky(room: WorkshopSession) -> None:
    assert room.vote_last(1) is None  # nothing added yet
    entry = sticky(room, "p: no guest checkout")
    assert room.vote_last(1) == 1
    assert room.vote_last(1) == 2
    assert room.vote_last(-1) == 1
    assert count(room.db, "SELECT votes FROM entries WHERE id = ?", entry.id) == 1


def test_grouping_takes_every_entry_of_each_item_as_the_map_counts_them(
    room: WorkshopSession,
) -> None:
    # "Ärger" and "ärger" are one item on the map: grouping takes both entries, and the
    # neighbouring item's entry too, nothing else.
    for line in (
        "p: Ärger beim Bezahlen",
        "p: ärger beim bezahlen",
        "p: slow page",
        "p: lost cart",
    ):
        sticky(room, line)
    stage = room.stages[2]
    view = read_cell(room.db, room.study, room.session.id, stage, "pain")
    by_text = {item.text.casefold(): item for item in view.items}
    assert (
        by_text["ärger beim bezahlen"].entries + by_text["ärger beim bezahlen"].workshop_entries
        == 2
    )
    theme = room.group([by_text["ärger beim bezahlen"], by_text["slow page"]], "Paying hurts")
    assert len(theme.entry_ids) == 3
    grouped = count(room.db, "SELECT count(*) FROM entries WHERE theme_id = ?", theme.id)
    assert grouped == 3
    after = read_cell(room.db, room.study, room.session.id, stage, "pain")
    (themed,) = [item for item in after.items if item.theme_id]
    room.ungroup(themed)
    assert count(room.db, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == 0
    plain = next(item for item in after.items if not item.theme_id)
    with pytest.raises(InvalidValue, match="only a theme"):
        room.ungroup(plain)


def test_votes_links_scope_and_summary(room: WorkshopSession) -> None:
    sticky(room, "p: no guest checkout")
    sticky(room, "o: one-click checkout")
    stage = room.stages[2]
    (pain,) = read_cell(room.db, room.study, room.session.id, stage, "pain").items
    (opportunity,) = read_cell(room.db, room.study, room.session.id, stage, "opportunity").items
    assert room.vote_item(pain, 1) == 1
    assert read_cell(room.db, room.study, room.session.id, stage, "pain").mine == {pain.entry_id: 1}
    assert room.set_links(opportunity, [pain.entry_id]) == (1, 0)
    _map, linked = read_links(room.db, room.study, opportunity)
    assert linked == {pain.entry_id}
    scope = room.item_scope(pain)
    assert scope.item_of == pain.entry_id and scope.study_id == room.study.id
    done = room.summary()
    assert [e.text for e in done.stickies] == ["no guest checkout", "one-click checkout"]
    assert [(entry.text, votes) for entry, _label, votes in done.votes] == [
        ("no guest checkout", 1)
    ]
    assert done.votes_given == 1 and len(done.links) == 1 and done.themes == ()


def test_an_interview_session_is_not_a_workshop(study_db: Path) -> None:
    with open_database(study_db) as db:
        study = find_study(db, "Checkout study")
        assert study is not None
        interview = InterviewSession.start(db, study, "P01", consent=True)
        assert not hasattr(interview, "add_sticky")
