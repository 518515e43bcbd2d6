"""Moments of truth: the lowest emotion (not thin), the largest drop-off, each stage's
top pain; on the hand-made study of test_journey_map and on columns made up for the
rules' edges."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from journey.capture.journey_map import JourneyMap, StageColumn, build_map
from journey.capture.moments import (
    MomentsOfTruth,
    largest_drop,
    lowest_emotion,
    moments_of_truth,
)
from journey.storage.models import Stage
from tests.capture.test_journey_map import Built, build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    built = build(tmp_path_factory.mktemp("moments") / "journey.db")
    yield built
    built.db.close()


@pytest.fixture(scope="module")
def journey(built: Built) -> JourneyMap:
    return build_map(built.db, built.study)


def column(position: int, mean: float | None, sessions: int, dropped: int = 0, reached=10):
    stage = Stage(f"s{position}", "study", position, f"Stage {position}", "")
    return StageColumn(stage, reached, dropped, 0, (), mean, 1.0, sessions, sessions)


def test_on_the_hand_made_study(built: Built, journey: JourneyMap) -> None:
    moments = moments_of_truth(journey)
    # S1 (-0.2, 5 sessions) is the only stage whose emotion is not thin: S2's -1.0 rests
    # on 2 sessions and is no moment of truth.
    assert moments.lowest is not None and moments.lowest.stage == built.s1
    # Dropped: S1 1 of 5, S2 2 of 3, S3 1 of 2.
    assert moments.largest_drop is not None and moments.largest_drop.stage == built.s2
    # S1's only pain is a workshop sticky: opinion, no top pain. S2's pains are one each:
    # the first as the map ranks them.
    assert set(moments.top_pains) == {built.s2.id}
    assert moments.top_pains[built.s2.id].text == "box too big"
    assert moments.marks(built.s1.id) == ("lowest emotion",)
    assert moments.marks(built.s2.id) == ("largest drop-off",)
    assert moments.marks(built.s3.id) == ()


def test_lowest_emotion_skips_thin_stages_and_ties_go_to_the_earlier() -> None:
    columns = (column(1, -0.5, 3), column(2, -1.9, 2), column(3, -0.5, 40), column(4, None, 0))
    assert lowest_emotion(columns) is columns[0]
    assert lowest_emotion((column(1, -0.1, 2),)) is None
    assert lowest_emotion((column(1, None, 0),)) is None


def test_largest_drop_counts_sessions_then_share_then_the_earlier_stage() -> None:
    by_count = (column(1, 0, 5, dropped=3, reached=100), column(2, 0, 5, dropped=2, reached=2))
    assert largest_drop(by_count) is by_count[0]
    by_share = (column(1, 0, 5, dropped=2, reached=100), column(2, 0, 5, dropped=2, reached=4))
    assert largest_drop(by_share) is by_share[1]
    tie = (column(1, 0, 5, dropped=2, reached=4), column(2, 0, 5, dropped=2, reached=4))
    assert largest_drop(tie) is tie[0]
    assert largest_drop((column(1, 0, 5),)) is None


def test_a_map_without_evidence_has_no_moments(tmp_path: Path) -> None:
    from journey.capture.study import new_study
    from journey.storage import open_database

    with open_database(tmp_path / "j.db", create=True) as db:
        moments = moments_of_truth(build_map(db, new_study(db, "Empty")))
    assert moments == MomentsOfTruth()


def test_a_filtered_map_has_its_own_moments(built: Built, journey: JourneyMap) -> None:
    new = build_map(built.db, built.study, replace(journey.where, segment="new"))
    moments = moments_of_truth(new)
    # new: A, B, F. S1 is rated by all three; F dropped at S1 (1 of 3), B at S2 (1 of
    # the 2 that reached it): the same count, the larger share.
    assert moments.lowest is not None and moments.lowest.stage == built.s1
    assert moments.largest_drop is not None and moments.largest_drop.stage == built.s2
