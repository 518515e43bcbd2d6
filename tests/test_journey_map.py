"""build_map on a small hand-made study with known numbers.

Stages S1 Awareness, S2 Consideration, S3 Decision; channels Web, Phone, Store.

A  P01 new        ana  interview  S1: tp Web +2, tp Phone -2, goal "Cheap price", goal "find a gift"
                                  S2: tp Web 0, pain -1 "slow delivery" #shipping
                                  S3: delight +2, tp Store +1; finished
B  P02 new        ben  interview  S1: tp Web +1, goal "cheap PRICE", goal "CHEAP price",
                                      need "the total price"
                                  S2: tp Store -1, pain -2 "fees at checkout" #Shipping,
                                      pain "box too big" #shipping #packaging (no emotion);
                                      dropped "Too expensive"
C  P03 returning  ana  interview  S1: tp Phone -1, goal "cheap price",
                                      tp Web +2 #price (undone: soft-deleted)
                                  S2 skipped; S3: tp Store +1; dropped "Payment failed"
D  W1  -          kim  workshop   S1: pain -1, goal "as cheap as possible" #Price
                                  S2: dropped "Shipping cost"
E  P05 Returning  BEN  interview  S1: need "the total price", goal "low cost" #price
                                  S2: dropped "  TOO EXPENSIVE "
F  P06 new        chloe interview S1: tp Phone -1; dropped "No answer"

D is a workshop: its stickies are the team's opinion, shown as their own layer and
counted in no customer figure, whatever progress it records.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.journey_map import (
    THIN_EVIDENCE,
    ChannelCell,
    JourneyMap,
    MapCell,
    MapItem,
    StageColumn,
    build_map,
)
from journey.capture.session import InterviewSession
from journey.storage import studies
from journey.storage.connection import open_database
from journey.storage.entries import delete_entry, restore_entry
from journey.storage.models import StageSpec, Study
from journey.storage.session_filter import SessionFilter


class Built:
    def __init__(self, db: Database, study: Study) -> None:
        self.db = db
        self.study = study
        self.s1, self.s2, self.s3 = studies.stages(db, study.id)
        self.web, self.phone, self.store = studies.channels(db, study.id)
        self.sessions: dict[str, str] = {}
        self.deleted_entry = ""


def build(path: Path) -> Built:
    db = open_database(path, create=True)
    study = studies.create_study(
        db,
        "Hand made",
        template="custom",
        stages=(StageSpec("Awareness"), StageSpec("Consideration"), StageSpec("Decision")),
        channels=("Web", "Phone", "Store"),
    )
    built = Built(db, study)
    web, phone, store = built.web, built.phone, built.store
    assert (web.name, phone.name, store.name) == ("Web", "Phone", "Store")

    a = InterviewSession.start(db, study, "P01", segment="new", interviewer="ana", consent=True)
    a.add("touchpoint", "saw an ad", channel=web, emotion=2)
    a.add("touchpoint", "called them", channel=phone, emotion=-2)
    a.add("goal", "Cheap price")
    a.add("goal", "find a gift")
    a.next_stage()
    a.add("touchpoint", "compared on the site", channel=web, emotion=0)
    a.add("pain", "slow delivery", emotion=-1, tags=["shipping"])
    a.next_stage()
    a.add("delight", "one-click pay", emotion=2)
    a.add("touchpoint", "picked up in store", channel=store, emotion=1)
    a.finish()
    built.sessions["A"] = a.session.id

    b = InterviewSession.start(db, study, "P02", segment="new", interviewer="ben", consent=True)
    b.add("touchpoint", "searched", channel=web, emotion=1)
    b.add("goal", "cheap PRICE")
    b.add("goal", "CHEAP price")
    b.add("need", "the total price")
    b.next_stage()
    b.add("touchpoint", "went to the store", channel=store, emotion=-1)
    b.add("pain", "fees at checkout", emotion=-2, tags=["Shipping"])
    b.add("pain", "box too big", tags=["shipping", "packaging"])
    b.drop("Too expensive")
    built.sessions["B"] = b.session.id

    c = InterviewSession.start(
        db, study, "P03", segment="returning", interviewer="ana", consent=True
    )
    c.add("touchpoint", "rang support", channel=phone, emotion=-1)
    c.add("goal", "cheap price")
    c.add("touchpoint", "typed by mistake", channel=web, emotion=2, tags=["price"])
    undone = c.undo()
    assert undone is not None
    built.deleted_entry = undone.id
    c.next_stage()
    c.skip()
    c.add("touchpoint", "bought in store", channel=store, emotion=1)
    c.drop("Payment failed")
    built.sessions["C"] = c.session.id

    d = InterviewSession.start(db, study, "W1", interviewer="kim", mode="workshop", consent=True)
    d.add("pain", "too many ads", emotion=-1)
    d.add("goal", "as cheap as possible", tags=["Price"])
    d.next_stage()
    d.drop("Shipping cost")
    built.sessions["D"] = d.session.id

    e = InterviewSession.start(
        db, study, "P05", segment="Returning", interviewer="BEN", consent=True
    )
    e.add("need", "the total price")
    e.add("goal", "low cost", tags=["price"])
    e.next_stage()
    e.drop("  TOO EXPENSIVE ")
    built.sessions["E"] = e.session.id

    f = InterviewSession.start(db, study, "P06", segment="new", interviewer="chloe", consent=True)
    f.add("touchpoint", "hold music", channel=phone, emotion=-1)
    f.drop("No answer")
    built.sessions["F"] = f.session.id
    return built


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    result = build(tmp_path_factory.mktemp("journey_map") / "hand.db")
    yield result
    result.db.close()


@pytest.fixture(scope="module")
def journey(built: Built) -> JourneyMap:
    return build_map(built.db, built.study)


def items(cell: MapCell) -> list[tuple[str, int, int]]:
    return [(i.text, i.entries, i.sessions) for i in cell.items]


def funnel(journey: JourneyMap) -> list[tuple]:
    return [
        (c.stage.name, c.reached, c.dropped, c.skipped, c.top_reasons, c.went_on)
        for c in journey.stages
    ]


def channel_figures(journey: JourneyMap) -> dict[tuple[str, str], tuple]:
    return {
        (cell.channel.name, cell.stage.name): (
            cell.mentions,
            cell.sessions,
            cell.mean_emotion,
            cell.rated,
            cell.went_on,
            cell.did_not,
        )
        for cell in journey.channel_cells.values()
    }


def assert_emotion(column: StageColumn, values: list[int], sessions: int) -> None:
    assert column.emotion_n == len(values)
    assert column.emotion_sessions == sessions
    if values:
        assert column.emotion_mean == pytest.approx(statistics.fmean(values))
        assert column.emotion_spread == pytest.approx(statistics.pstdev(values))
    else:
        assert column.emotion_mean is None and column.emotion_spread is None


# -- the whole study ------------------------------------------------------------------------


def test_stages_in_order_and_the_top_of_the_funnel(built: Built, journey: JourneyMap) -> None:
    assert journey.study == built.study
    assert [c.stage for c in journey.stages] == [built.s1, built.s2, built.s3]
    assert journey.sessions == 5  # D is a workshop, not a customer
    assert not journey.where.active


def test_reach_drop_and_skip_per_stage(journey: JourneyMap) -> None:
    assert funnel(journey) == [
        ("Awareness", 5, 1, 0, (("no answer", 1),), 4),
        # C skipped it; E's reason differs only in case and spaces from B's.
        ("Consideration", 3, 2, 1, (("too expensive", 2),), 1),
        # Went on: reached a later stage; nobody did past the last.
        ("Decision", 2, 1, 0, (("payment failed", 1),), 0),
    ]


def test_top_reasons_are_cut_to_top(built: Built) -> None:
    # `top` limits the items; the reasons keep the aggregate's own top three.
    assert [c.top_reasons for c in build_map(built.db, built.study, top=1).stages] == [
        c.top_reasons for c in build_map(built.db, built.study).stages
    ]


def test_emotion_mean_spread_n_and_sessions(journey: JourneyMap) -> None:
    s1, s2, s3 = journey.stages
    # C's undone +2 is not there, nor D's workshop pain -1.
    assert_emotion(s1, [2, -2, 1, -1, -1], 4)
    assert_emotion(s2, [0, -1, -1, -2], 2)  # "box too big" has no emotion
    assert_emotion(s3, [2, 1, 1], 2)
    # The numbers themselves, not only the formula.
    assert s1.emotion_mean == pytest.approx(-0.2)
    assert s2.emotion_mean == pytest.approx(-1.0)
    assert s2.emotion_spread == pytest.approx(math.sqrt(0.5))
    assert s3.emotion_mean == pytest.approx(4 / 3)


def test_stage_column_thin_below_three_sessions(journey: JourneyMap) -> None:
    assert THIN_EVIDENCE == 3
    assert [c.thin for c in journey.stages] == [False, True, True]


def test_items_are_what_was_said_whatever_the_case(built: Built, journey: JourneyMap) -> None:
    goals = journey.cell(built.s1, "goal")
    assert (goals.entries, goals.sessions, goals.thin) == (6, 4, False)
    assert items(goals) == [
        # Four ways of typing it (two in B); shown as the first spelling in code-point order.
        ("CHEAP price", 4, 3),
        ("find a gift", 1, 1),
        ("low cost", 1, 1),  # tagged #price: it still counts under what was said
        ("as cheap as possible", 0, 0),  # D's sticky: no customer said it
    ]
    assert all(isinstance(i, MapItem) for i in goals.items)
    assert [i.workshop_entries for i in goals.items] == [0, 0, 0, 1]
    assert [i.workshop_only for i in goals.items] == [False, False, False, True]
    # The workshop layer of the cell, and the tags as facets of the evidence.
    assert (goals.stickies, goals.votes) == (1, 0)
    assert goals.tags == (("price", 1),)


def test_tags_are_facets_not_buckets(built: Built, journey: JourneyMap) -> None:
    pains = journey.cell(built.s2, "pain")
    assert (pains.entries, pains.sessions) == (3, 2)
    # Each pain counts under its own text; "Shipping" found the tag "shipping".
    assert items(pains) == [
        ("box too big", 1, 1),
        ("fees at checkout", 1, 1),
        ("slow delivery", 1, 1),
    ]
    assert pains.tags == (("shipping", 3), ("packaging", 1))


def test_items_most_frequent_first_and_cut_to_top(built: Built) -> None:
    two = build_map(built.db, built.study, top=2)
    assert items(two.cell(built.s1, "goal")) == [("CHEAP price", 4, 3), ("find a gift", 1, 1)]
    # The cell's own figures still count every entry.
    assert (two.cell(built.s1, "goal").entries, two.cell(built.s1, "goal").sessions) == (6, 4)


def test_other_lane_cells(built: Built, journey: JourneyMap) -> None:
    needs = journey.cell(built.s1, "need")
    assert (needs.entries, needs.sessions, needs.thin) == (2, 2, True)
    assert items(needs) == [("the total price", 2, 2)]
    touchpoints = journey.cell(built.s1, "touchpoint")
    assert (touchpoints.entries, touchpoints.sessions, touchpoints.thin) == (5, 4, False)
    assert "typed by mistake" not in [i.text for i in touchpoints.items]
    assert items(journey.cell(built.s3, "delight")) == [("one-click pay", 1, 1)]
    # Only D's sticky: the cell has no evidence, only its workshop layer.
    workshop_only = journey.cell(built.s1, "pain")
    assert (workshop_only.entries, workshop_only.sessions, workshop_only.stickies) == (0, 0, 1)
    assert items(workshop_only) == [("too many ads", 0, 0)]
    assert set(journey.cells) == {
        (built.s1.id, "touchpoint"),
        (built.s1.id, "goal"),
        (built.s1.id, "need"),
        (built.s1.id, "pain"),
        (built.s2.id, "touchpoint"),
        (built.s2.id, "pain"),
        (built.s3.id, "delight"),
        (built.s3.id, "touchpoint"),
    }


def test_an_empty_cell_is_thin_and_has_no_items(built: Built, journey: JourneyMap) -> None:
    empty = journey.cell(built.s2, "expectation")
    assert empty == MapCell(built.s2, "expectation", 0, 0, ())
    assert empty.thin


def test_map_cell_thin_boundary() -> None:
    stage = None  # thin looks at sessions only
    assert MapCell(stage, "goal", 9, THIN_EVIDENCE - 1, ()).thin  # type: ignore[arg-type]
    assert not MapCell(stage, "goal", 3, THIN_EVIDENCE, ()).thin  # type: ignore[arg-type]


def test_channel_cells(built: Built, journey: JourneyMap) -> None:
    assert journey.channels == (built.web, built.phone, built.store)  # the study's order
    assert channel_figures(journey) == {
        # mentions, sessions, mean emotion, rated, went on, did not
        ("Web", "Awareness"): (2, 2, pytest.approx(1.5), 2, 2, 0),
        # A went on; C reached Decision (past the Consideration it skipped); F dropped.
        ("Phone", "Awareness"): (3, 3, pytest.approx(-4 / 3), 3, 2, 1),
        ("Web", "Consideration"): (1, 1, pytest.approx(0.0), 1, 1, 0),
        ("Store", "Consideration"): (1, 1, pytest.approx(-1.0), 1, 0, 1),
        # The last stage has no next stage: no contribution.
        ("Store", "Decision"): (2, 2, pytest.approx(1.0), 2, None, None),
    }
    assert all(isinstance(c, ChannelCell) for c in journey.channel_cells.values())


def test_channel_cell_lookup_and_thin(built: Built, journey: JourneyMap) -> None:
    web_s1 = journey.channel_cell(built.web, built.s1)
    phone_s1 = journey.channel_cell(built.phone, built.s1)
    assert web_s1 is not None and phone_s1 is not None
    assert web_s1.thin and not phone_s1.thin
    assert journey.channel_cell(built.phone, built.s2) is None
    assert journey.channel_cell(built.web, built.s3) is None


# -- filters --------------------------------------------------------------------------------


def test_segment_filter_changes_every_figure(built: Built, journey: JourneyMap) -> None:
    new = build_map(built.db, built.study, SessionFilter(segment="NEW"))  # A, B, F
    assert new.where == SessionFilter(segment="NEW")
    assert new.sessions == 3
    assert funnel(new) == [
        ("Awareness", 3, 1, 0, (("no answer", 1),), 2),
        ("Consideration", 2, 1, 0, (("too expensive", 1),), 1),
        ("Decision", 1, 0, 0, (), 0),
    ]
    s1, s2, s3 = new.stages
    assert_emotion(s1, [2, -2, 1, -1], 3)
    assert_emotion(s2, [0, -1, -1, -2], 2)
    assert_emotion(s3, [2, 1], 1)
    assert items(new.cell(built.s1, "goal")) == [("CHEAP price", 3, 2), ("find a gift", 1, 1)]
    assert channel_figures(new) == {
        ("Web", "Awareness"): (2, 2, pytest.approx(1.5), 2, 2, 0),
        ("Phone", "Awareness"): (2, 2, pytest.approx(-1.5), 2, 1, 1),
        ("Web", "Consideration"): (1, 1, pytest.approx(0.0), 1, 1, 0),
        ("Store", "Consideration"): (1, 1, pytest.approx(-1.0), 1, 0, 1),
        ("Store", "Decision"): (1, 1, pytest.approx(1.0), 1, None, None),
    }
    assert funnel(new) != funnel(journey)


def test_interviewer_filter_ignores_case(built: Built) -> None:
    ben = build_map(built.db, built.study, SessionFilter(interviewer="Ben"))  # B and E
    assert [c.reached for c in ben.stages] == [2, 2, 0]
    assert items(ben.cell(built.s1, "need")) == [("the total price", 2, 2)]
    assert items(ben.cell(built.s1, "goal")) == [("CHEAP price", 2, 1), ("low cost", 1, 1)]


def test_mode_filter_without_channels(built: Built) -> None:
    workshop = build_map(built.db, built.study, SessionFilter(mode="workshop"))  # D
    assert workshop.channels == ()
    assert workshop.channel_cells == {}
    # A workshop is no customer: no reach, no emotion; its stickies are its own layer.
    assert [c.reached for c in workshop.stages] == [0, 0, 0]
    assert_emotion(workshop.stages[0], [], 0)
    assert items(workshop.cell(built.s1, "goal")) == [("as cheap as possible", 0, 0)]
    assert workshop.cell(built.s1, "goal").stickies == 1


def test_a_filter_nobody_matches(built: Built) -> None:
    nobody = build_map(built.db, built.study, SessionFilter(segment="new", mode="workshop"))
    assert nobody.sessions == 0
    assert [c.reached for c in nobody.stages] == [0, 0, 0]
    assert nobody.cells == {} and nobody.channels == ()
    assert all(c.emotion_mean is None and c.thin for c in nobody.stages)


def test_build_map_leaves_no_transaction_open(built: Built) -> None:
    build_map(built.db, built.study)
    assert not built.db.conn.in_transaction


# -- soft deletes ---------------------------------------------------------------------------


def test_the_undone_entry_is_in_the_file_but_not_on_the_map(built: Built) -> None:
    row = built.db.execute(
        "SELECT lane, emotion, deleted_at FROM entries WHERE id = ?", [built.deleted_entry]
    ).fetchone()
    assert row[:2] == ("touchpoint", 2) and row[2] is not None


def test_deleting_and_restoring_entries_changes_the_map(tmp_path: Path) -> None:
    fresh = build(tmp_path / "deleted.db")
    try:
        ids = [
            row[0]
            for row in fresh.db.execute(
                "SELECT id FROM entries WHERE session_id = ? AND deleted_at IS NULL",
                [fresh.sessions["A"]],
            )
        ]
        for entry_id in ids:
            delete_entry(fresh.db, entry_id)
        after = build_map(fresh.db, fresh.study)
        # Stage progress is not an entry: A still reached every stage.
        assert [c.reached for c in after.stages] == [5, 3, 2]
        assert_emotion(after.stages[0], [1, -1, -1], 3)
        assert_emotion(after.stages[2], [1], 1)
        assert items(after.cell(fresh.s1, "goal")) == [
            ("CHEAP price", 3, 2),
            ("low cost", 1, 1),
            ("as cheap as possible", 0, 0),
        ]
        assert items(after.cell(fresh.s2, "pain")) == [
            ("box too big", 1, 1),
            ("fees at checkout", 1, 1),
        ]
        assert channel_figures(after) == {
            ("Web", "Awareness"): (1, 1, pytest.approx(1.0), 1, 1, 0),
            ("Phone", "Awareness"): (2, 2, pytest.approx(-1.0), 2, 1, 1),
            ("Store", "Consideration"): (1, 1, pytest.approx(-1.0), 1, 0, 1),
            ("Store", "Decision"): (1, 1, pytest.approx(1.0), 1, None, None),
        }
        assert after.channels == (fresh.web, fresh.phone, fresh.store)
        for entry_id in ids:
            restore_entry(fresh.db, entry_id)
        restored = build_map(fresh.db, fresh.study)
        assert channel_figures(restored)[("Web", "Awareness")] == (
            2,
            2,
            pytest.approx(1.5),
            2,
            2,
            0,
        )
        assert ("Web", "Consideration") in channel_figures(restored)
        assert funnel(restored) == funnel(build_map(fresh.db, fresh.study))
        assert funnel(restored)[0] == ("Awareness", 5, 1, 0, (("no answer", 1),), 4)
        assert_emotion(restored.stages[0], [2, -2, 1, -1, -1], 4)
    finally:
        fresh.db.close()
