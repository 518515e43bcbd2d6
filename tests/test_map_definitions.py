"""Every definition of DESIGN.md's "What the map's figures mean", each on a small study
built here, with the right answer worked out by hand in the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.capture.workshop import WorkshopSession
from journey.storage import bulk, open_database, sessions, studies, workshop
from journey.storage.connection import new_id, now
from journey.storage.items import item_key
from journey.storage.models import StageSpec, Study


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "definitions.db", create=True)
    yield database
    database.close()


@pytest.fixture
def study(db: Database) -> Study:
    return studies.create_study(
        db,
        "Definitions",
        template="custom",
        stages=(StageSpec("Awareness"), StageSpec("Consideration"), StageSpec("Decision")),
        channels=("Web", "Phone"),
    )


def start(db: Database, study: Study, code: str) -> InterviewSession:
    return InterviewSession.start(db, study, code, interviewer="ana", consent=True)


# -- the item --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Ärger", "ärger"),
        ("ÄRGER", "ärger"),
        ("A\u0308rger", "ärger"),  # decomposed Ä: the same word
        ("  too   many\tsteps ", "too many steps"),
        ("Straße", "strasse"),  # case folding, not only lower case
        ("slow page #speed", "slow page"),
        ("#speed slow #ux page", "slow page"),
        ("order #1234 late", "order #1234 late"),  # no letter: no tag
        ("C# course", "c# course"),  # inside a word: no tag
        ("ﬁne print", "fine print"),  # a ligature typed or pasted
    ],
)
def test_the_item_key(text: str, key: str) -> None:
    assert item_key(text) == key


def test_items_are_counted_by_what_was_said(db: Database, study: Study) -> None:
    """The issue's trap: "Ärger" and "ärger" were items of 2 and 1 on the map while the
    workshop took 3 entries for each."""
    a, b = start(db, study, "P01"), start(db, study, "P02")
    first = a.add("pain", "Ärger")
    a.add("pain", "ärger", tags=["billing"])  # a tag is a facet: still this item
    b.add("pain", "ÄRGER  mit der Rechnung")
    b.add("pain", "Ärger")
    (item, other) = build_map(db, study).cell(a.stages[0], "pain").items
    assert (item.text, item.entries, item.sessions, item.entry_id) == ("Ärger", 3, 2, first.id)
    assert (other.text, other.entries) == ("ÄRGER  mit der Rechnung", 1)
    # Grouping and the workshop's entries list take exactly the entries the map counts.
    assert len(workshop.item_entries(db, item.entry_id)) == 3
    assert len(workshop.item_entries(db, other.entry_id)) == 1
    assert build_map(db, study).cell(a.stages[0], "pain").tags == (("billing", 1),)


def test_an_item_has_no_row_limit(db: Database, study: Study) -> None:
    session = start(db, study, "P01")
    stage = session.stages[0].id
    stamp = now()
    bulk.insert_rows(
        db,
        {
            "entries": [
                {
                    "id": new_id(),
                    "session_id": session.session.id,
                    "stage_id": stage,
                    "lane": "pain",
                    "text": "The payment failed twice" if n % 2 else "the payment failed  twice",
                    "channel_id": None,
                    "emotion": None,
                    "effort": None,
                    "votes": 0,
                    "author": None,
                    "prompt_id": None,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "deleted_at": None,
                }
                for n in range(5_300)
            ]
        },
    )
    (item,) = build_map(db, study).cell(session.stages[0], "pain").items
    assert item.entries == 5_300
    assert len(workshop.item_entries(db, item.entry_id)) == 5_300


# -- evidence and opinion --------------------------------------------------------------------


def test_a_sticky_is_opinion_and_moves_no_customer_figure(db: Database, study: Study) -> None:
    a, b, c = (start(db, study, f"P0{n}") for n in (1, 2, 3))
    for interview, emotion in ((a, -1), (b, -2), (c, 0)):
        interview.add("pain", "slow checkout", emotion=emotion)
    before = build_map(db, study)
    room = WorkshopSession.start_workshop(db, study, facilitator="kim")
    sticky = room.add("pain", "slow checkout", emotion=-2, stage=a.stages[0])
    room.add("pain", "a facilitator's opinion", emotion=-2, stage=a.stages[0])
    workshop.vote(db, sticky.id, room.session.id, 1)
    after = build_map(db, study)
    assert after.stages == before.stages  # reach, emotion, its n and spread
    assert after.sessions == before.sessions == 3
    cell, was = after.cell(a.stages[0], "pain"), before.cell(a.stages[0], "pain")
    assert (cell.entries, cell.sessions) == (was.entries, was.sessions) == (3, 3)
    assert (cell.stickies, cell.votes) == (2, 1)
    said, opinion = cell.items
    assert (said.text, said.entries, said.workshop_entries, said.votes) == (
        "slow checkout",
        3,
        1,
        1,
    )
    assert (opinion.text, opinion.entries, opinion.workshop_only) == (
        "a facilitator's opinion",
        0,
        True,
    )


# -- reached, dropped, skipped ------------------------------------------------------------------


def test_a_later_stage_reached_means_this_one_was_unless_skipped(
    db: Database, study: Study
) -> None:
    jumper = start(db, study, "P01")
    jumper.go_to(jumper.stages[2])  # Awareness to Decision: Consideration in between
    skipper = start(db, study, "P02")
    skipper.next_stage()
    skipper.skip()  # Consideration skipped, on to Decision
    stayer = start(db, study, "P03")
    stayer.drop("too expensive")
    reach = [(c.reached, c.dropped, c.skipped, c.went_on) for c in build_map(db, study).stages]
    assert reach == [
        (3, 1, 0, 2),  # everyone; P03 dropped; P01 and P02 went on
        (1, 0, 1, 1),  # P01 passed through it; P02 skipped it
        (2, 0, 0, 0),  # P01 and P02; the last stage has nothing after it
    ]


# -- go-on -----------------------------------------------------------------------------------


def test_go_on_splits_the_sessions_that_met_a_channel(db: Database, study: Study) -> None:
    """The issue's case: P01 in progress, P02 went on, P03 dropped: 1 / 1 / 0.50 (and
    P01 in progress), not 1 / 2 / 0.33."""
    web = studies.channels(db, study.id)[0]
    p01, p02, p03 = (start(db, study, f"P0{n}") for n in (1, 2, 3))
    for interview in (p01, p02, p03):
        interview.add("touchpoint", "the site", channel=web)
    p02.next_stage()
    p03.drop("no stock")
    p04 = start(db, study, "P04")  # met it, skipped Consideration, reached Decision
    p04.add("touchpoint", "the site", channel=web)
    p04.next_stage()
    p04.skip()
    p05 = start(db, study, "P05")  # met it, finished with Awareness as its last stage
    p05.add("touchpoint", "the site", channel=web)
    p05.finish()
    cell = build_map(db, study).channel_cell(web, p01.stages[0])
    assert cell is not None
    assert (cell.sessions, cell.went_on, cell.did_not, cell.in_progress) == (5, 2, 2, 1)
    assert cell.went_on_share == pytest.approx(0.5)
    sessions.finish_session(db, p01.session.id)  # it ends there: now it did not go on
    cell = build_map(db, study).channel_cell(web, p01.stages[0])
    assert cell is not None
    assert (cell.went_on, cell.did_not, cell.in_progress) == (2, 3, 0)


# -- themes and links ------------------------------------------------------------------------


def test_linking_to_a_theme_links_the_theme(db: Database, study: Study) -> None:
    a = start(db, study, "P01")
    fees = a.add("pain", "fees added at checkout")
    shipping = a.add("pain", "shipping cost at the end")
    room = WorkshopSession.start_workshop(db, study, facilitator="kim")
    idea = room.add("opportunity", "show the total early", stage=a.stages[0])
    theme = workshop.group_entries(
        db, study.id, [fees.id, shipping.id], "Surprise costs", "kim", room.session.id
    )
    assert workshop.set_links(db, idea.id, [shipping.id], "kim", room.session.id) == (1, 0)
    # The theme is linked, whole, and shown as the theme.
    assert {row[0] for row in db.execute("SELECT pain_id FROM entry_links")} == {
        fees.id,
        shipping.id,
    }
    assert build_map(db, study).links == {idea.id: ("Surprise costs",)}
    links = workshop.study_links(db, study.id, room.session.id)
    assert [(link.opportunity, link.pain) for link in links] == [
        ("show the total early", "Surprise costs")
    ]
    assert [(t.title, t.members) for t in workshop.session_themes(db, room.session.id)] == [
        ("Surprise costs", 2)
    ]
    # Ungrouped, each pain it grouped is still answered by the opportunity.
    workshop.ungroup(db, theme.id)
    assert build_map(db, study).links == {
        idea.id: ("fees added at checkout", "shipping cost at the end")
    }
    assert workshop.session_themes(db, room.session.id) == []
