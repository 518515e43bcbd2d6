"""storage/workshop.py on a temporary database: dot-votes per workshop session, themes
(grouped items) and their undo, links from opportunities to pains, and how the journey
map shows all three (items grouped by theme first, ★votes, →links)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

import journey.storage.connection
import journey.storage.entries
import journey.storage.sessions
from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.capture.workshop import WorkshopSession
from journey.storage import aggregates, open_database, workshop
from journey.storage.errors import InvalidValue, JourneyError, NotFound
from journey.storage.models import LANES, Entry, Stage, Study
from journey.storage.studies import find_study, stages


@pytest.fixture(autouse=True)
def _entries_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries added in one millisecond tie on created_at (then the uuid decides which is
    a group's earliest); a clock that always moves on keeps the order they were added."""
    last = [datetime.min]

    def ticking() -> str:
        moment = datetime.fromisoformat(journey.storage.connection.now()).replace(tzinfo=None)
        moment = max(moment, last[0] + timedelta(milliseconds=1))
        last[0] = moment
        return moment.isoformat(timespec="milliseconds") + "+00:00"

    monkeypatch.setattr(journey.storage.entries, "now", ticking)


@dataclass
class Room:
    """A study with one interview and two workshops on it."""

    db: Database
    study: Study
    awareness: Stage
    decision: Stage
    interview: InterviewSession
    morning: InterviewSession
    afternoon: InterviewSession


@pytest.fixture
def room(study_db: Path) -> Iterator[Room]:
    db = open_database(study_db)
    study = find_study(db, "Checkout study")
    assert study is not None
    awareness, _consideration, decision, *_ = stages(db, study.id)
    interview = InterviewSession.start(db, study, "P01", interviewer="ana", consent=True)
    morning = WorkshopSession.start_workshop(db, study, facilitator="kim", title="morning")
    afternoon = WorkshopSession.start_workshop(db, study, facilitator="lee")
    try:
        yield Room(db, study, awareness, decision, interview, morning, afternoon)
    finally:
        db.close()


def rows(db: Database, sql: str, params: list | tuple = ()) -> list[tuple]:
    return [tuple(row) for row in db.conn.execute(sql, params).fetchall()]


def entry_votes(db: Database, entry_id: str) -> int:
    return rows(db, "SELECT votes FROM entries WHERE id = ?", [entry_id])[0][0]


def vote_rows(db: Database, entry_id: str) -> dict[str, int]:
    return dict(rows(db, "SELECT session_id, votes FROM votes WHERE entry_id = ?", [entry_id]))


def cell_items(db: Database, study: Study, stage: Stage, lane: str):
    return build_map(db, study, top=None).cell(stage, lane).items


# -- the workshop session ---------------------------------------------------------------------


def test_a_workshop_session_has_mode_facilitator_and_no_funnel_progress(room: Room) -> None:
    session = room.morning.session
    assert (session.mode, session.interviewer, session.title, session.status) == (
        "workshop",
        "kim",
        "morning",
        "in_progress",
    )
    assert session.participant_id is None
    # A workshop is not a customer's journey: it reaches no stage, the funnel counts
    # only the interview.
    assert rows(
        room.db, "SELECT count(*) FROM stage_progress WHERE session_id = ?", [session.id]
    ) == [(0,)]
    journey_map = build_map(room.db, room.study)
    assert journey_map.sessions == 1


# -- votes ------------------------------------------------------------------------------------


def test_votes_are_kept_per_session_and_the_entry_holds_the_total(room: Room) -> None:
    pain = room.interview.add("pain", "shipping cost at the end")
    morning, afternoon = room.morning.session.id, room.afternoon.session.id

    assert workshop.vote(room.db, pain.id, morning, 1) == 1
    assert workshop.vote(room.db, pain.id, morning, 1) == 2
    assert workshop.vote(room.db, pain.id, afternoon, 1) == 3
    assert vote_rows(room.db, pain.id) == {morning: 2, afternoon: 1}
    assert entry_votes(room.db, pain.id) == 3
    assert workshop.session_votes(room.db, morning) == {pain.id: 2}
    assert workshop.session_votes(room.db, afternoon) == {pain.id: 1}

    # Taking a vote back only takes this session's own.
    assert workshop.vote(room.db, pain.id, afternoon, -1) == 2
    assert workshop.vote(room.db, pain.id, afternoon, -1) == 2  # never below 0 per session
    assert workshop.vote(room.db, pain.id, afternoon, -1) == 2
    assert vote_rows(room.db, pain.id) == {morning: 2, afternoon: 0}
    assert workshop.session_votes(room.db, afternoon) == {}
    assert entry_votes(room.db, pain.id) == 2


def test_a_first_vote_down_stays_at_zero(room: Room) -> None:
    pain = room.interview.add("pain", "too many steps")
    assert workshop.vote(room.db, pain.id, room.morning.session.id, -1) == 0
    assert entry_votes(room.db, pain.id) == 0
    assert vote_rows(room.db, pain.id) == {room.morning.session.id: 0}


def test_votes_an_entry_already_carries_are_kept(room: Room) -> None:
    """Imported or merged entries bring their votes in entries.votes, without rows in
    `votes`: a workshop vote adds to them, it does not replace them."""
    pain = room.interview.add("pain", "imported with votes")
    with room.db.conn:
        room.db.conn.execute("UPDATE entries SET votes = 5 WHERE id = ?", [pain.id])
    assert workshop.vote(room.db, pain.id, room.morning.session.id, 1) == 6
    assert workshop.vote(room.db, pain.id, room.morning.session.id, -1) == 5
    assert workshop.vote(room.db, pain.id, room.morning.session.id, -1) == 5
    assert entry_votes(room.db, pain.id) == 5


def test_a_vote_on_an_unknown_entry_is_refused_and_writes_nothing(room: Room) -> None:
    with pytest.raises(NotFound):
        workshop.vote(room.db, "no-such-entry", room.morning.session.id, 1)
    assert rows(room.db, "SELECT count(*) FROM votes") == [(0,)]


def test_a_vote_on_a_deleted_entry_is_refused_and_writes_nothing(room: Room) -> None:
    sticky = room.morning.add("pain", "a sticky taken back", stage=room.decision)
    assert room.morning.undo() is not None
    with pytest.raises(InvalidValue, match="deleted"):
        workshop.vote(room.db, sticky.id, room.morning.session.id, 1)
    assert rows(room.db, "SELECT count(*) FROM votes") == [(0,)]
    assert entry_votes(room.db, sticky.id) == 0


def test_votes_on_undone_entries_are_not_the_sessions_votes(room: Room) -> None:
    sticky = room.morning.add("pain", "a sticky taken back", stage=room.decision)
    workshop.vote(room.db, sticky.id, room.morning.session.id, 1)
    assert workshop.session_votes(room.db, room.morning.session.id) == {sticky.id: 1}
    assert room.morning.undo() is not None
    assert workshop.session_votes(room.db, room.morning.session.id) == {}


def test_votes_show_on_the_map_item(room: Room) -> None:
    first = room.interview.add("pain", "Hidden fees")
    room.morning.add("pain", "hidden fees ", stage=room.awareness)
    workshop.vote(room.db, first.id, room.morning.session.id, 1)
    workshop.vote(room.db, first.id, room.afternoon.session.id, 1)
    (item,) = cell_items(room.db, room.study, room.awareness, "pain")
    # The customer said it once; the sticky saying the same is the workshop's layer.
    assert (item.text, item.entries, item.sessions, item.workshop_entries, item.votes) == (
        "Hidden fees",
        1,
        1,
        1,
        2,
    )
    assert item.entry_id == first.id  # the group's earliest entry: where a vote goes


def test_a_sessions_votes_on_an_item_count_whichever_entry_they_went_to(room: Room) -> None:
    first = room.interview.add("pain", "Hidden fees")
    sticky = room.morning.add("pain", "hidden fees ", stage=room.awareness)
    other = room.morning.add("pain", "slow delivery", stage=room.awareness)
    room.morning.add("pain", "hidden fees", stage=room.decision)  # another cell
    workshop.vote(room.db, first.id, room.morning.session.id, 1)
    workshop.vote(room.db, sticky.id, room.morning.session.id, 1)  # /up on the sticky
    workshop.vote(room.db, other.id, room.afternoon.session.id, 1)
    assert workshop.session_item_votes(
        room.db, room.morning.session.id, room.awareness.id, "pain"
    ) == {first.id: 2}
    assert workshop.session_item_votes(
        room.db, room.afternoon.session.id, room.awareness.id, "pain"
    ) == {other.id: 1}
    assert (
        workshop.session_item_votes(room.db, room.morning.session.id, room.decision.id, "pain")
        == {}
    )
    room.interview.undo()  # the earliest entry goes: the item is keyed by the next one
    assert workshop.session_item_votes(
        room.db, room.morning.session.id, room.awareness.id, "pain"
    ) == {sticky.id: 1}
    (item, _) = cell_items(room.db, room.study, room.awareness, "pain")
    assert item.entry_id == sticky.id


# -- themes -----------------------------------------------------------------------------------


def _three_pains(room: Room) -> tuple[Entry, Entry, Entry]:
    a = room.interview.add("pain", "shipping cost only at the end", tags=["pricing"])
    b = room.interview.add("pain", "fees added at checkout")
    c = room.morning.add("pain", "Fees added at checkout", stage=room.awareness)
    return a, b, c


def test_grouping_makes_one_theme_and_keeps_the_originals(room: Room) -> None:
    a, b, c = _three_pains(room)
    workshop.vote(room.db, a.id, room.morning.session.id, 1)
    workshop.vote(room.db, c.id, room.morning.session.id, 2)
    before = {item.text: item for item in cell_items(room.db, room.study, room.awareness, "pain")}
    # Items are what was said (a tag is a facet); the first spelling in code-point order.
    assert set(before) == {"shipping cost only at the end", "Fees added at checkout"}

    theme = workshop.group_entries(
        room.db, room.study.id, [a.id, b.id, c.id, a.id], "  Surprise costs  ", "kim"
    )
    assert theme.title == "Surprise costs"
    assert theme.entry_ids == (a.id, b.id, c.id)  # duplicates dropped, order kept
    assert rows(
        room.db, "SELECT study_id, title, author, deleted_at FROM themes WHERE id = ?", [theme.id]
    ) == [(room.study.id, "Surprise costs", "kim", None)]
    # The originals keep their rows (text, lane, votes) and point at the theme.
    assert rows(
        room.db,
        "SELECT id, text, theme_id, votes, deleted_at FROM entries WHERE lane = 'pain' "
        "ORDER BY created_at",
    ) == [
        (a.id, "shipping cost only at the end", theme.id, 1, None),
        (b.id, "fees added at checkout", theme.id, 0, None),
        (c.id, "Fees added at checkout", theme.id, 2, None),
    ]
    assert [m.id for m in workshop.theme_entries(room.db, theme.id)] == [a.id, b.id, c.id]

    # The map shows one item: the theme's title, the summed counts and votes.
    (item,) = cell_items(room.db, room.study, room.awareness, "pain")
    assert (item.text, item.entries, item.workshop_entries, item.sessions, item.votes) == (
        "Surprise costs",
        2,  # the interview's two
        1,  # the morning's sticky
        1,
        3,
    )
    assert (item.theme_id, item.entry_id) == (theme.id, a.id)
    (count,) = [
        c
        for c in aggregates.item_counts(room.db, room.study.id, LANES)
        if c.lane == "pain" and c.stage_id == room.awareness.id
    ]
    assert (count.key, count.text, count.entries) == (f"theme:{theme.id}", "Surprise costs", 2)


def test_a_theme_comes_before_the_text_and_spans_stages(room: Room) -> None:
    a = room.interview.add("need", "a clear total", tags=["price"])
    b = room.interview.add("need", "A clear total")
    other = room.interview.add("need", "a clear total")
    c = room.morning.add("need", "know the total early", stage=room.decision)
    theme = workshop.group_entries(room.db, room.study.id, [a.id, b.id, c.id], "Total upfront")
    awareness = {i.text: i for i in cell_items(room.db, room.study, room.awareness, "need")}
    assert {t: (i.entries, i.theme_id) for t, i in awareness.items()} == {
        "Total upfront": (2, theme.id),
        "a clear total": (1, None),  # the same text outside the theme stays its own item
    }
    assert awareness["a clear total"].entry_id == other.id
    (decision,) = cell_items(room.db, room.study, room.decision, "need")
    # The decision member is the morning's sticky: the theme there is the workshop's.
    assert (decision.text, decision.entries, decision.workshop_entries, decision.theme_id) == (
        "Total upfront",
        0,
        1,
        theme.id,
    )


def test_ungrouping_undoes_the_theme(room: Room) -> None:
    a, b, c = _three_pains(room)
    theme = workshop.group_entries(room.db, room.study.id, [b.id, c.id], "Checkout fees")
    assert workshop.ungroup(room.db, theme.id) == 2
    assert rows(room.db, "SELECT deleted_at IS NOT NULL FROM themes WHERE id = ?", [theme.id]) == [
        (1,)
    ]
    assert rows(room.db, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == [(0,)]
    assert workshop.theme_entries(room.db, theme.id) == []
    items = {
        i.text: (i.entries, i.workshop_entries)
        for i in cell_items(room.db, room.study, room.awareness, "pain")
    }
    assert items == {"shipping cost only at the end": (1, 0), "Fees added at checkout": (1, 1)}
    with pytest.raises(NotFound):
        workshop.ungroup(room.db, theme.id)  # already ungrouped
    with pytest.raises(NotFound):
        workshop.ungroup(room.db, "no-such-theme")


def test_grouping_needs_two_items_of_the_study_and_a_title(room: Room, study_db: Path) -> None:
    a, b, _c = _three_pains(room)
    with pytest.raises(InvalidValue, match="at least two"):
        workshop.group_entries(room.db, room.study.id, [a.id], "One")
    with pytest.raises(InvalidValue, match="at least two"):
        workshop.group_entries(room.db, room.study.id, [a.id, a.id], "Same twice")
    with pytest.raises(InvalidValue, match="title"):
        workshop.group_entries(room.db, room.study.id, [a.id, b.id], "   ")
    with pytest.raises(NotFound):
        workshop.group_entries(room.db, room.study.id, [a.id, "no-such-entry"], "Ghost")
    other_study = new_study(room.db, "Other study")
    stranger = InterviewSession.start(room.db, other_study, "X1", consent=True).add(
        "pain", "elsewhere"
    )
    with pytest.raises(NotFound):
        workshop.group_entries(room.db, room.study.id, [a.id, stranger.id], "Mixed")
    taken_back = room.interview.add("pain", "said by mistake")
    room.interview.undo()
    with pytest.raises(NotFound, match="deleted"):
        workshop.group_entries(room.db, room.study.id, [a.id, taken_back.id], "With a ghost")
    # Nothing of the refused groupings was written.
    assert rows(room.db, "SELECT count(*) FROM themes") == [(0,)]
    assert rows(room.db, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == [(0,)]


# -- links ------------------------------------------------------------------------------------


def test_an_opportunity_links_to_pains_once(room: Room) -> None:
    a, b, _c = _three_pains(room)
    opportunity = room.morning.add("opportunity", "show the total in the basket")
    assert workshop.link(room.db, opportunity.id, [a.id, b.id], "kim") == 2
    assert workshop.link(room.db, opportunity.id, [a.id], "kim") == 0  # idempotent
    assert set(rows(room.db, "SELECT opportunity_id, pain_id, author FROM entry_links")) == {
        (opportunity.id, a.id, "kim"),
        (opportunity.id, b.id, "kim"),
    }
    # Item to item, each shown as the map shows it (b's item is also c's sticky).
    assert [
        (link.opportunity_id, link.opportunity, link.pain_id, link.pain)
        for link in workshop.study_links(room.db, room.study.id)
    ] == [
        (opportunity.id, "show the total in the basket", a.id, "shipping cost only at the end"),
        (opportunity.id, "show the total in the basket", b.id, "Fees added at checkout"),
    ]
    assert build_map(room.db, room.study).links == {
        opportunity.id: ("shipping cost only at the end", "Fees added at checkout")
    }
    assert workshop.study_links(room.db, room.study.id, room.morning.session.id) == []

    workshop.unlink(room.db, opportunity.id, a.id)
    assert build_map(room.db, room.study).links == {opportunity.id: ("Fees added at checkout",)}


@pytest.mark.parametrize(
    "source, targets, message",
    [
        ("pain", ["pain"], "only an opportunity"),
        ("goal", ["pain"], "only an opportunity"),
        ("opportunity", ["opportunity"], "only point at pains"),
        ("opportunity", ["delight"], "only point at pains"),
        ("opportunity", ["pain", "goal"], "only point at pains"),
        ("opportunity", ["missing"], "only point at pains"),
    ],
)
def test_links_go_only_from_an_opportunity_to_pains(room: Room, source, targets, message) -> None:
    start = room.interview.add(source, f"a {source}")
    ids = [
        "no-such-entry" if lane == "missing" else room.interview.add(lane, f"a {lane}").id
        for lane in targets
    ]
    with pytest.raises(InvalidValue, match=message):
        workshop.link(room.db, start.id, ids)
    assert rows(room.db, "SELECT count(*) FROM entry_links") == [(0,)]  # all or nothing


def test_a_link_across_studies_is_refused(room: Room) -> None:
    opportunity = room.morning.add("opportunity", "track the parcel")
    other_study = new_study(room.db, "Other study")
    stranger = InterviewSession.start(room.db, other_study, "X1", consent=True).add(
        "pain", "elsewhere"
    )
    with pytest.raises(InvalidValue, match="pains of its own study"):
        workshop.link(room.db, opportunity.id, [stranger.id])
    assert rows(room.db, "SELECT count(*) FROM entry_links") == [(0,)]


@pytest.mark.parametrize("deleted", ["opportunity", "pain"])
def test_a_link_with_a_deleted_end_is_refused(room: Room, deleted: str) -> None:
    pain = room.interview.add("pain", "slow delivery")
    opportunity = room.morning.add("opportunity", "track the parcel")
    (room.interview if deleted == "pain" else room.morning).undo()
    with pytest.raises(InvalidValue, match="deleted item"):
        workshop.link(room.db, opportunity.id, [pain.id])
    assert rows(room.db, "SELECT count(*) FROM entry_links") == [(0,)]


def test_a_link_to_an_unknown_opportunity_is_refused(room: Room) -> None:
    pain = room.interview.add("pain", "slow delivery")
    with pytest.raises(JourneyError):
        workshop.link(room.db, "no-such-entry", [pain.id])


def test_links_of_deleted_entries_and_other_studies_are_not_shown(room: Room) -> None:
    pain = room.interview.add("pain", "slow delivery")
    opportunity = room.morning.add("opportunity", "track the parcel")
    workshop.link(room.db, opportunity.id, [pain.id])
    other_study = new_study(room.db, "Other study")
    assert workshop.study_links(room.db, other_study.id) == []
    assert build_map(room.db, other_study).links == {}
    room.interview.undo()  # the pain
    assert workshop.study_links(room.db, room.study.id) == []
    assert build_map(room.db, room.study).links == {}


def test_the_map_item_of_a_linked_opportunity_carries_the_link(room: Room) -> None:
    pain = room.interview.add("pain", "slow delivery")
    opportunity = room.morning.add("opportunity", "Track the parcel", stage=room.awareness)
    room.interview.add("opportunity", "track the parcel")  # the same item, later
    workshop.link(room.db, opportunity.id, [pain.id])
    journey_map = build_map(room.db, room.study)
    (item,) = journey_map.cell(room.awareness, "opportunity").items
    assert (item.entries, item.workshop_entries, item.entry_id) == (1, 1, opportunity.id)
    assert journey_map.links[item.entry_id] == ("slow delivery",)


def test_markdown_report_shows_opportunity_links(study_db: Path) -> None:
    from typer.testing import CliRunner

    from journey.tui.cli import app

    with open_database(study_db) as db:
        study = find_study(db, "Checkout study")
        assert study is not None
        session = WorkshopSession.start_workshop(db, study, facilitator="kim")
        pain = session.add("pain", "shipping | cost at the end")
        opportunity = session.add("opportunity", "show shipping early")
        workshop.link(db, opportunity.id, [pain.id])
    result = CliRunner().invoke(app, ["--db", str(study_db), "export", "--format", "md"])
    assert result.exit_code == 0, result.stderr
    assert (
        "- show shipping early (workshop only: 1 sticky)\n"
        "  - answers the pain: shipping \\| cost at the end\n" in result.stdout
    )


def link_rows(db: Database) -> set[tuple]:
    return set(rows(db, "SELECT opportunity_id, pain_id, author FROM entry_links"))


@dataclass
class Linkable:
    """Pain items of several entries, and an opportunity item of two, at Awareness."""

    slow: Entry  # "slow delivery": the earliest of its item
    slow_again: Entry
    fees: Entry
    tracking: Entry
    opportunity: Entry  # "track the parcel": the earliest of its item
    opportunity_again: Entry


def _linkable(room: Room) -> Linkable:
    return Linkable(
        room.interview.add("pain", "slow delivery"),
        room.morning.add("pain", "Slow delivery", stage=room.awareness),
        room.interview.add("pain", "fees added at checkout"),
        room.interview.add("pain", "no tracking"),
        room.morning.add("opportunity", "track the parcel", stage=room.awareness),
        room.interview.add("opportunity", "Track the parcel"),
    )


def test_set_links_makes_the_linked_pain_items_exactly_those_given(room: Room) -> None:
    x = _linkable(room)
    (item,) = cell_items(room.db, room.study, room.awareness, "opportunity")
    assert (item.entries, item.workshop_entries, item.entry_id) == (1, 1, x.opportunity.id)
    # Links made elsewhere (an import, a grouping): from the later entry of the
    # opportunity to the later entry of a pain item, and from the earliest to another.
    workshop.link(room.db, x.opportunity_again.id, [x.slow_again.id], "lee")
    workshop.link(room.db, x.opportunity.id, [x.fees.id], "lee")

    # What the pick list marks: each pain item once, keyed by its earliest entry, from
    # any entry of the opportunity's item.
    assert workshop.linked_pains(room.db, x.opportunity.id) == {x.slow.id, x.fees.id}
    assert workshop.linked_pains(room.db, x.opportunity_again.id) == {x.slow.id, x.fees.id}

    # Keep "slow delivery", drop the fees, add "no tracking" (through the entry given).
    assert workshop.set_links(room.db, x.opportunity.id, [x.slow.id, x.tracking.id], "kim") == (
        1,
        1,
    )
    assert link_rows(room.db) == {
        (x.opportunity_again.id, x.slow_again.id, "lee"),  # kept as it was
        (x.opportunity.id, x.tracking.id, "kim"),
    }
    assert workshop.linked_pains(room.db, x.opportunity.id) == {x.slow.id, x.tracking.id}

    # Idempotent, and any entry of an item stands for the item.
    for same in ([x.slow.id, x.tracking.id], [x.tracking.id, x.slow_again.id, x.slow.id]):
        assert workshop.set_links(room.db, x.opportunity.id, same, "kim") == (0, 0)
        assert link_rows(room.db) == {
            (x.opportunity_again.id, x.slow_again.id, "lee"),
            (x.opportunity.id, x.tracking.id, "kim"),
        }

    # Unmarking an item takes every link between the two items, whichever entries.
    workshop.link(room.db, x.opportunity.id, [x.slow.id], "kim")
    workshop.link(room.db, x.opportunity_again.id, [x.slow.id], "kim")
    assert workshop.set_links(room.db, x.opportunity_again.id, [x.tracking.id], "kim") == (0, 1)
    assert link_rows(room.db) == {(x.opportunity.id, x.tracking.id, "kim")}
    assert build_map(room.db, room.study).links == {x.opportunity.id: ("no tracking",)}

    assert workshop.set_links(room.db, x.opportunity.id, [], "kim") == (0, 1)
    assert link_rows(room.db) == set()
    assert workshop.linked_pains(room.db, x.opportunity.id) == set()


def test_set_links_follows_themes_and_leaves_deleted_pains_alone(room: Room) -> None:
    x = _linkable(room)
    workshop.link(room.db, x.opportunity.id, [x.fees.id, x.tracking.id], "lee")
    # "fees" and "no tracking" become one theme: one pain item, keyed by "fees".
    workshop.group_entries(room.db, room.study.id, [x.fees.id, x.tracking.id], "Hidden costs")
    assert workshop.linked_pains(room.db, x.opportunity.id) == {x.fees.id}
    assert workshop.set_links(room.db, x.opportunity.id, [x.tracking.id], "kim") == (0, 0)
    # A link to a pain deleted since is not shown, offered, or touched.
    gone = room.interview.add("pain", "said by mistake")
    workshop.link(room.db, x.opportunity.id, [gone.id], "lee")
    room.interview.undo()
    assert workshop.linked_pains(room.db, x.opportunity.id) == {x.fees.id}
    assert workshop.set_links(room.db, x.opportunity.id, [], "kim") == (0, 1)
    assert link_rows(room.db) == {(x.opportunity.id, gone.id, "lee")}


@pytest.mark.parametrize("refused", ["deleted", "other study", "not a pain", "unknown"])
def test_set_links_writes_nothing_when_one_pain_is_refused(room: Room, refused: str) -> None:
    x = _linkable(room)
    workshop.link(room.db, x.opportunity.id, [x.slow.id], "lee")
    if refused == "deleted":
        bad = room.interview.add("pain", "said by mistake").id
        room.interview.undo()
    elif refused == "other study":
        other_study = new_study(room.db, "Other study")
        bad = (
            InterviewSession.start(room.db, other_study, "X1", consent=True)
            .add("pain", "elsewhere")
            .id
        )
    elif refused == "not a pain":
        bad = room.interview.add("goal", "pay quickly").id
    else:
        bad = "no-such-entry"
    before = link_rows(room.db)
    # Adding "fees" and dropping "slow delivery" would both be done before `bad`: neither is.
    with pytest.raises(InvalidValue):
        workshop.set_links(room.db, x.opportunity.id, [x.fees.id, bad], "kim")
    assert link_rows(room.db) == before == {(x.opportunity.id, x.slow.id, "lee")}
    assert not room.db.conn.in_transaction


def test_set_links_needs_a_live_opportunity(room: Room) -> None:
    x = _linkable(room)
    with pytest.raises(InvalidValue, match="only an opportunity"):
        workshop.set_links(room.db, x.slow.id, [x.fees.id])
    room.interview.undo()  # the later "Track the parcel"
    with pytest.raises(InvalidValue, match="deleted item"):
        workshop.set_links(room.db, x.opportunity_again.id, [x.fees.id])
    assert link_rows(room.db) == set()


# -- carrying on ------------------------------------------------------------------------------


def test_the_workshop_to_carry_on(room: Room) -> None:
    morning, afternoon = room.morning.session, room.afternoon.session
    find = journey.storage.sessions.open_workshop_of
    assert find(room.db, room.study.id, "KIM") == morning  # any case
    assert find(room.db, room.study.id, "kim", "Morning") == morning
    assert find(room.db, room.study.id, "kim", "evening") is None
    assert find(room.db, room.study.id, "lee") == afternoon
    assert find(room.db, room.study.id, None) is None  # nobody's workshop is not lee's
    assert find(room.db, room.study.id, "ana") is None  # ana's session is an interview
    other_study = new_study(room.db, "Other study")
    assert find(room.db, other_study.id, "kim") is None
    room.morning.finish()
    assert find(room.db, room.study.id, "kim") is None
    nobody = WorkshopSession.start_workshop(room.db, room.study)
    resumed, was_open = WorkshopSession.open_workshop(room.db, room.study, facilitator="  ")
    assert (resumed.session.id, was_open) == (nobody.session.id, True)
    fresh, was_open = WorkshopSession.open_workshop(room.db, room.study, facilitator="kim")
    assert not was_open and fresh.session.id not in (morning.id, nobody.session.id)
    assert (fresh.session.interviewer, fresh.session.status) == ("kim", "in_progress")
