"""The trigger-kept map summaries always agree with counting the rows themselves.

Random sequences of every kind of write (entries added, edited, moved, undone and
restored, tags, themes, votes, stage progress, a participant forgotten, demo data)
and after each batch the fast path (summaries, no filter) equals the slow path
(a filter that selects every session, so the rows are counted directly).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from journey.capture.demo import add_demo_sessions
from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.capture.workshop import WorkshopSession
from journey.storage import (
    aggregates,
    channel_figures,
    entries,
    open_database,
    sessions,
    studies,
    workshop,
)
from journey.storage.connection import write
from journey.storage.items import item_key
from journey.storage.models import LANES
from journey.storage.privacy import forget_participant
from journey.storage.session_filter import NO_FILTER, SessionFilter
from journey.storage.studies import resolve_study
from tests.older_schema import older_copy

EVERYONE = SessionFilter(since="0000")  # active, so counted from the rows; selects all


def _same(db, study_id: str) -> None:
    def rounded(rows):
        return sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in vars(r).values())
            for r in rows
        )

    for name, call in (
        ("lane_counts", lambda w: aggregates.lane_counts(db, study_id, w)),
        ("stage_emotions", lambda w: aggregates.stage_emotions(db, study_id, w)),
        ("channel_stages", lambda w: channel_figures.channel_stages(db, study_id, w)),
        ("item_counts", lambda w: aggregates.item_counts(db, study_id, LANES, w)),
        ("contributions", lambda w: channel_figures.channel_contributions(db, study_id, w)),
        ("workshop layers", lambda w: aggregates.workshop_layers(db, study_id, w)),
        ("reach", lambda w: aggregates.stage_reach(db, study_id, w)),
        ("tag_counts", lambda w: aggregates.tag_counts(db, study_id, w)),
    ):
        assert rounded(call(NO_FILTER)) == rounded(call(EVERYONE)), name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_follow_every_kind_of_write(study_db: Path, seed: int) -> None:
    rng = random.Random(seed)
    with open_database(study_db) as db:
        study = resolve_study(db, None)
        _same(db, study.id)
        interviews = [
            InterviewSession.start(db, study, f"P{n:02d}", segment=rng.choice("ab"), consent=True)
            for n in range(4)
        ]
        workshop_session = WorkshopSession.start_workshop(db, study, facilitator="kim")
        channels = interviews[0].channels
        stages = interviews[0].stages
        tags = ["pricing", "Pricing", "checkout", "trust"]
        texts = ["Too expensive", "too expensive ", "slow site", "great chat", "no guest checkout"]
        added: list[str] = []
        deleted: set[str] = set()
        for _batch in range(12):
            for _ in range(15):
                action = rng.random()
                session = rng.choice(interviews + [workshop_session])
                if action < 0.45 or not added:
                    entry = entries.add_entry(
                        db,
                        session.session.id,
                        rng.choice(stages).id,
                        rng.choice(LANES),
                        rng.choice(texts),
                        channel_id=rng.choice([None, rng.choice(channels).id]),
                        emotion=rng.choice([None, -2, -1, 0, 1, 2]),
                        tags=rng.sample(tags, rng.randrange(0, 3)),
                    )
                    added.append(entry.id)
                elif action < 0.55:
                    entries.edit_entry(
                        db,
                        rng.choice(added),
                        lane=rng.choice(LANES),
                        emotion=rng.choice([None, -1, 2]),
                        stage_id=rng.choice(stages).id,
                        text=rng.choice(texts),
                        channel_id=rng.choice([None, rng.choice(channels).id]),
                    )
                elif action < 0.62:
                    deleted.add(entries.delete_entry(db, rng.choice(added)).id)
                elif action < 0.67:
                    deleted.discard(entries.restore_entry(db, rng.choice(added)).id)
                elif action < 0.72:
                    entries.tag_entry(db, rng.choice(added), [rng.choice(tags)])
                elif action < 0.77 and (live := [e for e in added if e not in deleted]):
                    # Workshops act on live items only (a deleted one is refused).
                    workshop.vote(
                        db, rng.choice(live), workshop_session.session.id, rng.choice([1, -1])
                    )
                elif action < 0.82 and len(live := [e for e in added if e not in deleted]) > 3:
                    theme = workshop.group_entries(db, study.id, rng.sample(live, 2), "A theme")
                    if rng.random() < 0.5:
                        workshop.ungroup(db, theme.id)
                elif action < 0.85:
                    # Rare in life, but a merge can do it: the summaries follow a session
                    # that becomes (or stops being) a workshop, and a theme renamed.
                    with write(db):
                        db.execute(
                            "UPDATE sessions SET mode = CASE mode WHEN 'workshop' "
                            "THEN 'survey' ELSE 'workshop' END WHERE id = ?",
                            [session.session.id],
                        )
                        db.execute("UPDATE themes SET title = title || '!'")
                elif action < 0.95:
                    sessions.record_progress(
                        db,
                        session.session.id,
                        rng.choice(stages).id,
                        rng.choice(["reached", "dropped", "skipped"]),
                        "why",
                    )
                else:
                    sessions.clear_progress(db, session.session.id, rng.choice(stages).id)
            _same(db, study.id)
        forget_participant(db, study.id, "P01")
        _same(db, study.id)
        # demo's bulk path, into this very study (demo data goes only into a demo study)
        db.execute("UPDATE studies SET demo = 1 WHERE id = ?", [study.id])
        add_demo_sessions(db, 45, seed=seed, study_name=study.name)
        _same(db, study.id)


def test_the_migration_counts_what_was_there_before(tmp_path: Path) -> None:
    """A database filled before m004 gets each entry's item key and the summaries of the
    new definitions on upgrade, the same as if it had been filled with them."""
    filled = tmp_path / "filled.db"
    with open_database(filled, create=True) as db:
        study = add_demo_sessions(db, 45, seed=9).study
        interview = InterviewSession.start(db, study, "X01", consent=True)
        interview.add("pain", "late delivery", tags=["delivery"])
        interview.add("pain", "LATE   Delivery")
        interview.add("pain", "typed by mistake")
        interview.undo()
        sticky = WorkshopSession.start_workshop(db, study, facilitator="kim")
        sticky.add("pain", "late delivery")
        expected = build_map(db, study, top=None)
    old = tmp_path / "old.db"
    older_copy(filled, old, "m004_evidence_and_items")
    with open_database(old) as upgraded:
        keys = upgraded.execute("SELECT text, item_key FROM entries").fetchall()
        assert keys and all(key == item_key(text) for text, key in keys)
        _same(upgraded, study.id)
        assert build_map(upgraded, study, top=None) == expected
        late = [
            i
            for i in build_map(upgraded, study)
            .cell(studies.stages(upgraded, study.id)[0], "pain")
            .items
            if i.text.casefold().startswith("late")
        ]
        assert [(i.text, i.entries, i.workshop_entries) for i in late] == [
            ("LATE   Delivery", 2, 1)
        ]


def test_the_migration_makes_survey_emotion_answers_notes(tmp_path: Path) -> None:
    """Before m004 a survey's emotion question saved a touchpoint without a channel; after
    it, the question and its answers are notes that count in the stage's emotion."""
    filled = tmp_path / "filled.db"
    with open_database(filled, create=True) as db:
        study = new_study(db, "Survey study")
        feel = next(p for p in studies.prompts(db, study.id) if p.answer_type == "emotion")
        stage = next(s for s in studies.stages(db, study.id) if s.id == feel.stage_id)
        with write(db):
            db.execute("UPDATE prompts SET lane = 'touchpoint' WHERE id = ?", [feel.id])
        survey = InterviewSession.start(db, study, "S01", mode="survey", consent=True)
        survey.add("touchpoint", "Good", emotion=1, prompt=feel, stage=stage)
    old = tmp_path / "old.db"
    older_copy(filled, old, "m004_evidence_and_items")
    with open_database(old) as upgraded:
        assert upgraded.execute(
            "SELECT lane, answer_type FROM prompts WHERE id = ?", [feel.id]
        ).fetchone() == ("note", "emotion")
        assert upgraded.execute("SELECT lane, channel_id, emotion FROM entries").fetchall() == [
            ("note", None, 1)
        ]
        column = next(c for c in build_map(upgraded, study).stages if c.stage.id == stage.id)
        assert (column.emotion_mean, column.emotion_n) == (1.0, 1)
