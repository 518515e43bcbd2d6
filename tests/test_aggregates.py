"""The journey-map aggregates on a small hand-made study with known numbers.

The study (stages S1 Awareness, S2 Consideration, S3 Decision; channels Web,
Phone, Store) has five sessions:

A  P01 segment new        ana  interview  S1: touchpoint Web +2, touchpoint Phone -2, goal
                                          S2: touchpoint Web 0, pain -1   S3: delight +2; finished
B  P02 segment new        ben  interview  S1: touchpoint Web +1, touchpoint Web (no emotion), need
                                          S2: touchpoint Store -1; dropped "Too expensive"
C  P03 segment returning  ana  interview  S1: touchpoint Phone -1, quote, pain -2 (undone)
                                          S2 skipped; S3: touchpoint Store +1;
                                          dropped "Payment failed"
D  W1  (no segment)       kim  workshop   S1: pain -1, opportunity
                                          S2: pain -2; dropped "Shipping cost"
E  P05 segment Returning  BEN  interview  S1: need; S2 dropped "  TOO EXPENSIVE "

D is a workshop: the team's opinion, never customer evidence. Even with the stage
progress it records here, it counts in no figure of the map; its three entries are
workshop stickies, a layer of their own.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.session import InterviewSession
from journey.storage import sessions, studies
from journey.storage.aggregates import (
    EmotionSummary,
    LaneCount,
    StageReach,
    lane_counts,
    stage_emotions,
    stage_reach,
    study_stats,
    workshop_layers,
)
from journey.storage.browse import check_filter, filter_values
from journey.storage.channel_figures import ChannelStage, channel_stages
from journey.storage.connection import open_database, write
from journey.storage.errors import InvalidValue
from journey.storage.models import StageSpec
from journey.storage.session_filter import NO_FILTER, SessionFilter


class Built:
    def __init__(self, db: Database, study_id: str) -> None:
        self.db = db
        self.study_id = study_id
        self.stage = {s.name: s.id for s in studies.stages(db, study_id)}
        self.s1, self.s2, self.s3 = (
            self.stage["Awareness"],
            self.stage["Consideration"],
            self.stage["Decision"],
        )
        self.channel = {c.name: c.id for c in studies.channels(db, study_id)}
        self.sessions: dict[str, str] = {}


def build(path: Path) -> Built:
    db = open_database(path, create=True)
    study = studies.create_study(
        db,
        "Hand made",
        template="custom",
        stages=(StageSpec("Awareness"), StageSpec("Consideration"), StageSpec("Decision")),
        channels=("Web", "Phone", "Store"),
    )
    built = Built(db, study.id)
    web, phone, store = studies.channels(db, study.id)
    assert (web.name, phone.name, store.name) == ("Web", "Phone", "Store")

    a = InterviewSession.start(db, study, "P01", segment="new", interviewer="ana", consent=True)
    a.add("touchpoint", "saw an ad", channel=web, emotion=2)
    a.add("touchpoint", "called them", channel=phone, emotion=-2)
    a.add("goal", "find a cheap one")
    a.next_stage()
    a.add("touchpoint", "compared on the site", channel=web, emotion=0)
    a.add("pain", "no size guide", emotion=-1)
    a.next_stage()
    a.add("delight", "one-click pay", emotion=2)
    a.finish()
    built.sessions["A"] = a.session.id

    b = InterviewSession.start(db, study, "P02", segment="new", interviewer="ben", consent=True)
    b.add("touchpoint", "searched", channel=web, emotion=1)
    b.add("touchpoint", "came back later", channel=web)
    b.add("need", "the total price")
    b.next_stage()
    b.add("touchpoint", "went to the store", channel=store, emotion=-1)
    b.drop("Too expensive")
    built.sessions["B"] = b.session.id

    c = InterviewSession.start(
        db, study, "P03", segment="returning", interviewer="ana", consent=True
    )
    c.add("touchpoint", "rang support", channel=phone, emotion=-1)
    c.add("quote", "I always call first.")
    c.add("pain", "typed by mistake", emotion=-2)
    assert c.undo() is not None
    c.next_stage()
    c.skip()
    c.add("touchpoint", "bought in store", channel=store, emotion=1)
    c.drop("Payment failed")
    built.sessions["C"] = c.session.id

    d = InterviewSession.start(db, study, "W1", interviewer="kim", mode="workshop", consent=True)
    d.add("pain", "too many ads", emotion=-1)
    d.add("opportunity", "say who we are")
    d.next_stage()
    d.add("pain", "prices differ", emotion=-2)
    d.drop("Shipping cost")
    built.sessions["D"] = d.session.id

    e = InterviewSession.start(
        db, study, "P05", segment="Returning", interviewer="BEN", consent=True
    )
    e.add("need", "to know the brand")
    e.next_stage()
    sessions.record_progress(db, e.session.id, built.s2, "dropped", "  TOO EXPENSIVE ")
    built.sessions["E"] = e.session.id
    return built


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    result = build(tmp_path_factory.mktemp("aggregates") / "hand.db")
    yield result
    result.db.close()


def lanes(built: Built, where: SessionFilter = NO_FILTER) -> dict[tuple[str, str], tuple]:
    counts = lane_counts(built.db, built.study_id, where)
    result = {(c.stage_id, c.lane): (c.entries, c.sessions) for c in counts}
    assert len(result) == len(counts)  # one row per stage and lane
    return result


def emotions(built: Built, where: SessionFilter = NO_FILTER) -> dict[str, EmotionSummary]:
    return {e.stage_id: e for e in stage_emotions(built.db, built.study_id, where)}


def assert_emotion(summary: EmotionSummary, values: list[int], sessions_n: int) -> None:
    assert summary.n == len(values)
    assert summary.sessions == sessions_n
    if values:
        assert summary.mean == pytest.approx(statistics.fmean(values))
        assert summary.spread == pytest.approx(statistics.pstdev(values))
    else:
        assert summary.mean is None and summary.spread is None


def channels(built: Built, where: SessionFilter = NO_FILTER) -> dict[tuple, tuple]:
    return {
        (c.channel, c.stage_id): (c.mentions, c.sessions, c.mean_emotion, c.rated)
        for c in channel_stages(built.db, built.study_id, where)
    }


def reach(built: Built, where: SessionFilter = NO_FILTER) -> list[tuple]:
    return [
        (r.name, r.reached, r.dropped, r.skipped, r.top_reasons)
        for r in stage_reach(built.db, built.study_id, where)
    ]


# -- no filter ----------------------------------------------------------------------------


def test_the_soft_deleted_entry_is_in_the_file(built: Built) -> None:
    deleted = built.db.execute(
        "SELECT lane, emotion FROM entries WHERE deleted_at IS NOT NULL"
    ).fetchall()
    assert deleted == [("pain", -2)]


def test_lane_counts(built: Built) -> None:
    s1, s2, s3 = built.s1, built.s2, built.s3
    assert lanes(built) == {
        (s1, "touchpoint"): (5, 3),
        (s1, "goal"): (1, 1),
        (s1, "need"): (2, 2),
        (s1, "quote"): (1, 1),  # no S1 pain: C's was undone and D's is a workshop sticky
        (s2, "touchpoint"): (2, 2),
        (s2, "pain"): (1, 1),
        (s3, "delight"): (1, 1),
        (s3, "touchpoint"): (1, 1),
    }
    assert all(isinstance(c, LaneCount) for c in lane_counts(built.db, built.study_id))


def test_stage_emotions(built: Built) -> None:
    result = stage_emotions(built.db, built.study_id)
    assert [e.stage_id for e in result] == [built.s1, built.s2, built.s3]
    by_stage = {e.stage_id: e for e in result}
    assert_emotion(by_stage[built.s1], [2, -2, 1, -1], 3)
    assert_emotion(by_stage[built.s2], [0, -1, -1], 2)
    assert_emotion(by_stage[built.s3], [2, 1], 2)
    # The numbers themselves, not only the formula.
    assert by_stage[built.s1].mean == pytest.approx(0.0)
    assert by_stage[built.s1].spread == pytest.approx(2.5**0.5)
    assert by_stage[built.s3].spread == pytest.approx(0.5)


def test_channel_stages(built: Built) -> None:
    s1, s2, s3 = built.s1, built.s2, built.s3
    result = channels(built)
    assert result == {
        ("Web", s1): (3, 2, pytest.approx(1.5), 2),
        ("Phone", s1): (2, 2, pytest.approx(-1.5), 2),
        ("Web", s2): (1, 1, pytest.approx(0.0), 1),
        ("Store", s2): (1, 1, pytest.approx(-1.0), 1),
        ("Store", s3): (1, 1, pytest.approx(1.0), 1),
    }
    rows = channel_stages(built.db, built.study_id)
    assert all(isinstance(r, ChannelStage) for r in rows)
    assert [r.channel for r in rows][:2] == ["Web", "Web"]  # in the study's channel order
    assert {r.channel_id for r in rows if r.channel == "Store"} == {built.channel["Store"]}


def test_stage_reach(built: Built) -> None:
    assert reach(built) == [
        ("Awareness", 4, 0, 0, ()),
        ("Consideration", 3, 2, 1, (("too expensive", 2),)),  # C skipped it
        ("Decision", 2, 1, 0, (("payment failed", 1),)),
    ]
    rows = stage_reach(built.db, built.study_id)
    assert [r.position for r in rows] == [1, 2, 3]
    # Went on: reached the stage and a later one (C skipped Consideration: not there).
    assert [r.went_on for r in rows] == [4, 1, 0]
    assert all(isinstance(r, StageReach) for r in rows)


def test_stage_reach_top(built: Built) -> None:
    rows = stage_reach(built.db, built.study_id, top=1)
    assert rows[1].top_reasons == (("too expensive", 2),)


def test_study_stats(built: Built) -> None:
    stats = study_stats(built.db, built.study_id)
    assert [(s.position, s.name, s.reached, s.dropped, s.skipped) for s in stats] == [
        (1, "Awareness", 4, 0, 0),
        (2, "Consideration", 3, 2, 1),
        (3, "Decision", 2, 1, 0),
    ]
    assert stats[0].entries == {"touchpoint": 5, "goal": 1, "need": 2, "quote": 1}
    assert stats[1].entries == {"touchpoint": 2, "pain": 1}
    assert stats[2].entries == {"delight": 1, "touchpoint": 1}
    assert [s.stickies for s in stats] == [2, 1, 0]  # D's, beside the figures
    assert_emotion(stats[0].emotion, [2, -2, 1, -1], 3)
    assert_emotion(stats[2].emotion, [2, 1], 2)
    assert not built.db.conn.in_transaction


# -- filters --------------------------------------------------------------------------------


def test_filter_segment(built: Built) -> None:
    new = SessionFilter(segment="new")  # A and B
    s1, s2, s3 = built.s1, built.s2, built.s3
    assert lanes(built, new) == {
        (s1, "touchpoint"): (4, 2),
        (s1, "goal"): (1, 1),
        (s1, "need"): (1, 1),
        (s2, "touchpoint"): (2, 2),
        (s2, "pain"): (1, 1),
        (s3, "delight"): (1, 1),
    }
    by_stage = emotions(built, new)
    assert_emotion(by_stage[s1], [2, -2, 1], 2)
    assert_emotion(by_stage[s2], [0, -1, -1], 2)
    assert_emotion(by_stage[s3], [2], 1)
    assert reach(built, new) == [
        ("Awareness", 2, 0, 0, ()),
        ("Consideration", 2, 1, 0, (("too expensive", 1),)),
        ("Decision", 1, 0, 0, ()),
    ]
    assert channels(built, new) == {
        ("Web", s1): (3, 2, pytest.approx(1.5), 2),
        ("Phone", s1): (1, 1, pytest.approx(-2.0), 1),
        ("Web", s2): (1, 1, pytest.approx(0.0), 1),
        ("Store", s2): (1, 1, pytest.approx(-1.0), 1),
    }


def test_filter_segment_ignores_case(built: Built) -> None:
    returning = SessionFilter(segment="RETURNING")  # C and E ("Returning")
    assert reach(built, returning) == [
        ("Awareness", 2, 0, 0, ()),
        ("Consideration", 1, 1, 1, (("too expensive", 1),)),
        ("Decision", 1, 1, 0, (("payment failed", 1),)),
    ]
    assert lanes(built, returning)[(built.s1, "need")] == (1, 1)


def test_filter_values_of_the_study(built: Built) -> None:
    assert filter_values(built.db, built.study_id) == {
        "segment": ["new", "Returning"],
        "interviewer": ["ana", "BEN", "kim"],
        "mode": ["interview", "workshop"],
    }
    assert filter_values(built.db) == {"segment": [], "interviewer": [], "mode": []}


@pytest.mark.parametrize(
    "where",
    [
        SessionFilter(segment="NEW", interviewer="Kim"),
        SessionFilter(mode="workshop"),
        SessionFilter(since="2030-01-01"),  # dates are ranges: an empty one is no typo
        NO_FILTER,
    ],
)
def test_check_filter_accepts_values_some_session_has(built: Built, where: SessionFilter) -> None:
    check_filter(built.db, [built.study_id], where)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            SessionFilter(segment="newbie"),
            "no session has the segment 'newbie' (segments here: new, Returning)",
        ),
        (
            SessionFilter(segment="new", interviewer="zed"),
            "no session has the interviewer 'zed' (interviewers here: ana, BEN, kim)",
        ),
        (
            SessionFilter(mode="Workshop"),
            "no session has the mode 'Workshop' (modes here: interview, workshop)",
        ),
    ],
)
def test_check_filter_refuses_a_value_no_session_has(
    built: Built, where: SessionFilter, message: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_filter(built.db, [built.study_id], where)
    assert str(caught.value) == message


def test_check_filter_in_a_study_without_sessions(built: Built) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_filter(built.db, [], SessionFilter(segment="new"))
    assert str(caught.value) == "no session has the segment 'new' (segments here: none recorded)"


def test_filter_interviewer(built: Built) -> None:
    ben = SessionFilter(interviewer="ben")  # B and E ("BEN")
    assert reach(built, ben) == [
        ("Awareness", 2, 0, 0, ()),
        ("Consideration", 2, 2, 0, (("too expensive", 2),)),
        ("Decision", 0, 0, 0, ()),
    ]
    ana = SessionFilter(interviewer="ana")  # A and C
    by_stage = emotions(built, ana)
    assert_emotion(by_stage[built.s1], [2, -2, -1], 2)
    assert_emotion(by_stage[built.s2], [0, -1], 1)
    assert_emotion(by_stage[built.s3], [2, 1], 2)


def test_filter_mode(built: Built) -> None:
    workshop = SessionFilter(mode="workshop")  # D: opinion, so no customer figure at all
    assert lanes(built, workshop) == {}
    by_stage = emotions(built, workshop)
    assert all(by_stage[s].n == 0 for s in (built.s1, built.s2, built.s3))
    assert channels(built, workshop) == {}
    assert reach(built, workshop) == [
        ("Awareness", 0, 0, 0, ()),
        ("Consideration", 0, 0, 0, ()),
        ("Decision", 0, 0, 0, ()),
    ]
    layers = workshop_layers(built.db, built.study_id, workshop)
    assert {(w.stage_id, w.lane): w.stickies for w in layers} == {
        (built.s1, "pain"): 1,
        (built.s1, "opportunity"): 1,
        (built.s2, "pain"): 1,
    }
    interview = SessionFilter(mode="interview")  # all but D
    assert reach(built, interview)[1] == ("Consideration", 3, 2, 1, (("too expensive", 2),))


def test_filters_combine(built: Built) -> None:
    only_a = SessionFilter(segment="new", interviewer="ana")
    assert reach(built, only_a) == [
        ("Awareness", 1, 0, 0, ()),
        ("Consideration", 1, 0, 0, ()),
        ("Decision", 1, 0, 0, ()),
    ]
    stats = study_stats(built.db, built.study_id, only_a)
    assert stats[0].entries == {"touchpoint": 2, "goal": 1}
    assert_emotion(stats[0].emotion, [2, -2], 1)
    nobody = SessionFilter(segment="new", mode="workshop")
    assert lanes(built, nobody) == {}
    assert all(r[1:4] == (0, 0, 0) for r in reach(built, nobody))


def test_filter_active() -> None:
    assert not SessionFilter().active
    assert SessionFilter(mode="workshop").active
    assert SessionFilter(since="2026-01-01").active


def test_filter_dates(tmp_path: Path) -> None:
    fresh = build(tmp_path / "dates.db")
    try:
        started = {
            "A": "2026-03-01",
            "B": "2026-03-05",
            "C": "2026-04-01",
            "D": "2026-04-02",
            "E": "2026-05-01",
        }
        with write(fresh.db):
            for key, day in started.items():
                fresh.db.execute(
                    "UPDATE sessions SET started_at = ? WHERE id = ?",
                    [f"{day}T10:00:00.000+00:00", fresh.sessions[key]],
                )
        march = SessionFilter(since="2026-03-01", until="2026-04-01")  # A and B
        assert reach(fresh, march) == reach(fresh, SessionFilter(segment="new"))
        since_april = SessionFilter(since="2026-04-01")  # C, E (and the workshop D)
        assert [r[1:4] for r in reach(fresh, since_april)] == [
            (2, 0, 0),
            (1, 1, 1),
            (1, 1, 0),
        ]
    finally:
        fresh.db.close()


def test_deleted_entries_never_count(tmp_path: Path) -> None:
    fresh = build(tmp_path / "deleted.db")
    try:
        with write(fresh.db):
            fresh.db.execute(
                "UPDATE entries SET deleted_at = '2026-01-01' WHERE session_id = ?",
                [fresh.sessions["A"]],
            )
        s1, s2, s3 = fresh.s1, fresh.s2, fresh.s3
        assert lanes(fresh) == {
            (s1, "touchpoint"): (3, 2),
            (s1, "need"): (2, 2),
            (s1, "quote"): (1, 1),
            (s2, "touchpoint"): (1, 1),
            (s3, "touchpoint"): (1, 1),
        }
        by_stage = emotions(fresh)
        assert_emotion(by_stage[fresh.s1], [1, -1], 2)
        assert_emotion(by_stage[fresh.s3], [1], 1)
        assert ("Web", fresh.s2) not in channels(fresh)
        assert channels(fresh)[("Web", fresh.s1)] == (2, 1, pytest.approx(1.0), 1)
        # Stage progress is not an entry: A still reached every stage.
        assert [r[1] for r in reach(fresh)] == [4, 3, 2]
    finally:
        fresh.db.close()
