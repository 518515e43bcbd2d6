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

from capture.demo import add_demo_sessions
from capture.session import InterviewSession
from storage import aggregates, entries, open_database, sessions, workshop
from storage.aggregates import NO_FILTER, SessionFilter
from storage.models import LANES
from storage.privacy import forget_participant
from storage.studies import resolve_study

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
        ("channel_stages", lambda w: aggregates.channel_stages(db, study_id, w)),
        ("item_counts", lambda w: aggregates.item_counts(db, study_id, LANES, w)),
        ("contributions", lambda w: aggregates.channel_contributions(db, study_id, w)),
    ):
        assert rounded(call(NO_FILTER)) == rounded(call(EVERYONE)), name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_follow_every_kind_of_write(study_db: Path, seed: int) -> None:
    rng = random.Random(seed)
    with open_database(study_db) as db:
        study = resolve_study(db, None)
        _same(db, study.id)
        interviews = [
            InterviewSession.start(db, study, f"P{n:02d}", segment=rng.choice("ab"))
            for n in range(4)
        ]
        workshop_session = InterviewSession.start_workshop(db, study, facilitator="kim")
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
        add_demo_sessions(db, 45, seed=seed, study_name=study.name)
        _same(db, study.id)


def test_the_migration_counts_what_was_there_before(tmp_path: Path) -> None:
    """A database filled before the summaries existed gets them counted on upgrade."""
    from storage.connection import connect, write
    from storage.schema import migrations

    path = tmp_path / "old.db"
    path.touch()
    db = connect(path)
    with write(db):
        migrations.apply(db, stop_before="m003_map_summaries")
    study, _ = add_demo_sessions(db, 45, seed=9)
    interview = InterviewSession.start(db, study, "X01")
    interview.add("pain", "late delivery", tags=["delivery"])
    interview.undo()
    db.close()
    with open_database(path) as upgraded:
        assert upgraded.execute("SELECT count(*) FROM agg_entry_keys").fetchone()[0] > 0
        _same(upgraded, study.id)
