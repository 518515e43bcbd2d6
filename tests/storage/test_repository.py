"""The repository functions of storage/: studies, participants, sessions, entries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.storage import entries, sessions, studies
from journey.storage.connection import open_database
from journey.storage.errors import DuplicateName, InvalidValue, NotFound
from journey.storage.models import PromptSpec, StageSpec, Study

STAGES = (
    StageSpec(
        "Discover",
        "first contact",
        (PromptSpec("goal", "What did you want?"), PromptSpec("touchpoint", "Where?", "channel")),
    ),
    StageSpec("Buy", "", (PromptSpec("need", "What did you need?"),)),
    StageSpec("Use", "after", (PromptSpec("expectation", "What did you expect?", "text"),)),
)
CHANNELS = ("Web", "Phone", "Store")


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    with open_database(db_path) as database:
        yield database


@pytest.fixture
def study(db: Database) -> Study:
    return studies.create_study(
        db, "Checkout", template="custom", stages=STAGES, channels=CHANNELS, description="d"
    )


def count(db: Database, table: str, where: str = "1", params: list | None = None) -> int:
    return db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params or []).fetchone()[0]


def rows(db: Database, sql: str, params: list | None = None) -> list[tuple]:
    return [tuple(row) for row in db.execute(sql, params or []).fetchall()]


def new_session(db: Database, study: Study, code: str = "P01", **kwargs):
    participant = sessions.add_participant(db, study.id, code, segment=kwargs.pop("segment", None))
    first = studies.stages(db, study.id)[0]
    return sessions.start_session(
        db, study.id, participant_id=participant.id, first_stage_id=first.id, **kwargs
    )


# -- studies --------------------------------------------------------------------------


def test_create_study_writes_stages_channels_prompts(db: Database, study: Study) -> None:
    assert rows(db, "SELECT id, name, description, template FROM studies") == [
        (study.id, "Checkout", "d", "custom")
    ]
    assert rows(
        db,
        "SELECT position, name, description FROM stages WHERE study_id = ? ORDER BY position",
        [study.id],
    ) == [(1, "Discover", "first contact"), (2, "Buy", ""), (3, "Use", "after")]
    assert [c.name for c in studies.channels(db, study.id)] == ["Web", "Phone", "Store"]
    stage_ids = {s.name: s.id for s in studies.stages(db, study.id)}
    assert [
        (p.stage_id, p.position, p.lane, p.text, p.answer_type)
        for p in studies.prompts(db, study.id)
    ] == [
        (stage_ids["Discover"], 1, "goal", "What did you want?", "text"),
        (stage_ids["Discover"], 2, "touchpoint", "Where?", "channel"),
        (stage_ids["Buy"], 1, "need", "What did you need?", "text"),
        (stage_ids["Use"], 1, "expectation", "What did you expect?", "text"),
    ]
    assert studies.get_study(db, study.id) == study


@pytest.mark.parametrize("name", ["Checkout", "checkout", "  CHECKOUT  "])
def test_duplicate_study_name(db: Database, study: Study, name: str) -> None:
    with pytest.raises(DuplicateName):
        studies.create_study(db, name, template="x", stages=STAGES, channels=())
    assert count(db, "studies") == 1
    assert count(db, "stages") == len(STAGES)


def test_create_study_is_one_transaction(db: Database) -> None:
    # The second stage name collides (case-insensitively): nothing of the study stays.
    with pytest.raises(DuplicateName):
        studies.create_study(
            db, "Broken", template="x", stages=(StageSpec("Buy"), StageSpec("BUY")), channels=()
        )
    assert count(db, "studies") == 0
    assert count(db, "stages") == 0
    assert not db.conn.in_transaction


def test_find_and_resolve_study(db: Database, study: Study) -> None:
    assert studies.find_study(db, " checkout ") == study
    assert studies.find_study(db, "other") is None
    assert studies.resolve_study(db, None) == study
    with pytest.raises(NotFound):
        studies.get_study(db, "no-such-id")


def test_add_channel(db: Database, study: Study) -> None:
    studies.add_channel(db, study.id, "App")
    with pytest.raises(DuplicateName):
        studies.add_channel(db, study.id, "web")
    assert [c.name for c in studies.channels(db, study.id)] == ["Web", "Phone", "Store", "App"]


def test_list_studies_and_summaries(db: Database, study: Study) -> None:
    other = studies.create_study(db, "another", template="x", stages=STAGES, channels=())
    assert [s.name for s in studies.list_studies(db)] == ["another", "Checkout"]
    first = new_session(db, study, "P01")
    second = new_session(db, study, "P02")
    stage = studies.stages(db, study.id)[0]
    kept = entries.add_entry(db, first.id, stage.id, "goal", "one")
    entries.add_entry(db, second.id, stage.id, "need", "two")
    gone = entries.add_entry(db, second.id, stage.id, "note", "three")
    entries.delete_entry(db, gone.id)
    summaries = {s.name: s for s in studies.study_summaries(db)}
    assert [s.name for s in studies.study_summaries(db)] == ["another", "Checkout"]
    assert (summaries["Checkout"].sessions, summaries["Checkout"].entries) == (2, 2)
    assert (summaries["another"].sessions, summaries["another"].entries) == (0, 0)
    assert summaries["another"].last_activity is None
    assert summaries["Checkout"].last_activity >= kept.created_at
    assert summaries["another"].id == other.id


# -- participants -----------------------------------------------------------------------


def test_add_participant(db: Database, study: Study) -> None:
    participant = sessions.add_participant(
        db, study.id, " P07 ", segment="new", consent_at="2026-01-01"
    )
    assert participant.code == "P07"
    assert rows(db, "SELECT id, study_id, code, segment, consent_at FROM participants") == [
        (participant.id, study.id, "P07", "new", "2026-01-01")
    ]
    with pytest.raises(DuplicateName):
        sessions.add_participant(db, study.id, "p07")
    with pytest.raises(InvalidValue):
        sessions.add_participant(db, study.id, "   ")
    assert count(db, "participants") == 1


def test_next_participant_code(db: Database, study: Study) -> None:
    assert sessions.next_participant_code(db, study.id) == "P01"
    sessions.add_participant(db, study.id, "P01")
    assert sessions.next_participant_code(db, study.id) == "P02"
    sessions.add_participant(db, study.id, "p05")  # any case counts
    sessions.add_participant(db, study.id, "Anna")  # not of the pattern: ignored
    assert sessions.next_participant_code(db, study.id) == "P06"
    sessions.add_participant(db, study.id, "P99")
    assert sessions.next_participant_code(db, study.id) == "P100"
    sessions.add_participant(db, study.id, "P100")
    assert sessions.next_participant_code(db, study.id) == "P101"


def test_next_participant_code_keeps_the_width_in_use(db: Database, study: Study) -> None:
    sessions.add_participant(db, study.id, "P007")  # as the demo data numbers them
    assert sessions.next_participant_code(db, study.id) == "P008"
    assert sessions.next_participant_code(db, study.id, prefix="W") == "W01"


def test_next_participant_code_is_per_study(db: Database, study: Study) -> None:
    other = studies.create_study(db, "Other", template="x", stages=STAGES, channels=())
    sessions.add_participant(db, other.id, "P41")
    assert sessions.next_participant_code(db, study.id) == "P01"
    assert sessions.next_participant_code(db, other.id) == "P42"


# -- sessions ---------------------------------------------------------------------------


def test_start_session_records_first_stage(db: Database, study: Study) -> None:
    session = new_session(db, study, mode="interview", interviewer="ana", title="t")
    first = studies.stages(db, study.id)[0]
    assert session.status == "in_progress"
    assert session.current_stage_id == first.id
    assert session.ended_at is None
    assert rows(db, "SELECT study_id, mode, interviewer, title, status FROM sessions") == [
        (study.id, "interview", "ana", "t", "in_progress")
    ]
    assert rows(db, "SELECT session_id, stage_id, outcome, reason FROM stage_progress") == [
        (session.id, first.id, "reached", None)
    ]


def test_start_session_without_stage_or_participant(db: Database, study: Study) -> None:
    session = sessions.start_session(db, study.id, participant_id=None, mode="workshop")
    assert session.participant_id is None and session.current_stage_id is None
    assert count(db, "stage_progress") == 0


def test_start_session_bad_mode(db: Database, study: Study) -> None:
    with pytest.raises(InvalidValue):
        sessions.start_session(db, study.id, participant_id=None, mode="party")
    assert count(db, "sessions") == 0


def test_move_to_stage(db: Database, study: Study) -> None:
    session = new_session(db, study)
    discover, buy, use = studies.stages(db, study.id)
    sessions.move_to_stage(db, session.id, buy.id)
    assert sessions.get_session(db, session.id).current_stage_id == buy.id
    sessions.move_to_stage(db, session.id, discover.id)  # back: no second progress row
    assert sessions.get_session(db, session.id).current_stage_id == discover.id
    assert [(p.stage_id, p.outcome) for p in sessions.progress(db, session.id)] == [
        (discover.id, "reached"),
        (buy.id, "reached"),
    ]
    assert count(db, "stage_progress") == 2
    assert use.id not in {p.stage_id for p in sessions.progress(db, session.id)}


def test_record_progress(db: Database, study: Study) -> None:
    session = new_session(db, study)
    discover, buy, use = studies.stages(db, study.id)
    sessions.record_progress(db, session.id, buy.id, "skipped")
    sessions.record_progress(db, session.id, use.id, "dropped", "too expensive")
    assert rows(
        db,
        "SELECT sp.stage_id, outcome, reason FROM stage_progress sp "
        "JOIN stages s ON s.id = sp.stage_id ORDER BY s.position",
    ) == [
        (discover.id, "reached", None),
        (buy.id, "skipped", None),
        (use.id, "dropped", "too expensive"),
    ]
    # An outcome is replaced, not added beside the old one.
    sessions.record_progress(db, session.id, use.id, "reached")
    assert rows(db, "SELECT outcome, reason FROM stage_progress WHERE stage_id = ?", [use.id]) == [
        ("reached", None)
    ]
    # Moving to a stage already recorded keeps its outcome.
    sessions.record_progress(db, session.id, use.id, "dropped", "left")
    sessions.move_to_stage(db, session.id, use.id)
    assert rows(db, "SELECT outcome, reason FROM stage_progress WHERE stage_id = ?", [use.id]) == [
        ("dropped", "left")
    ]
    sessions.clear_progress(db, session.id, use.id)
    assert count(db, "stage_progress", "stage_id = ?", [use.id]) == 0


def test_record_progress_bad_outcome(db: Database, study: Study) -> None:
    session = new_session(db, study)
    buy = studies.stages(db, study.id)[1]
    with pytest.raises(InvalidValue):
        sessions.record_progress(db, session.id, buy.id, "abandoned", "why")
    assert count(db, "stage_progress") == 1


def test_finish_session(db: Database, study: Study) -> None:
    session = new_session(db, study)
    sessions.save_draft(db, session.id, "half a sen")
    finished = sessions.finish_session(db, session.id)
    assert finished.status == "finished"
    assert finished.ended_at is not None and finished.ended_at >= session.started_at
    assert rows(db, "SELECT status, ended_at FROM sessions") == [("finished", finished.ended_at)]
    assert count(db, "drafts") == 0
    assert sessions.open_session_for(db, session.participant_id) is None
    reopened = sessions.reopen_session(db, session.id)
    assert (reopened.status, reopened.ended_at) == ("in_progress", None)
    assert sessions.open_session_for(db, session.participant_id).id == session.id


def test_drafts(db: Database, study: Study) -> None:
    session = new_session(db, study)
    assert sessions.get_draft(db, session.id) == ""
    sessions.save_draft(db, session.id, "I first saw")
    sessions.save_draft(db, session.id, "I first saw it on")
    assert sessions.get_draft(db, session.id) == "I first saw it on"
    assert rows(db, "SELECT session_id, text FROM drafts") == [(session.id, "I first saw it on")]
    sessions.clear_draft(db, session.id)
    assert count(db, "drafts") == 0
    sessions.save_draft(db, session.id, "again")
    sessions.save_draft(db, session.id, "")
    assert count(db, "drafts") == 0


def test_list_sessions(db: Database, study: Study) -> None:
    first = new_session(db, study, "P01", segment="new", interviewer="ana")
    second = new_session(db, study, "P02", segment="returning")
    discover, buy, _ = studies.stages(db, study.id)
    entries.add_entry(db, first.id, discover.id, "goal", "a")
    gone = entries.add_entry(db, first.id, discover.id, "goal", "b")
    entries.delete_entry(db, gone.id)
    time.sleep(0.005)  # timestamps have millisecond precision
    sessions.move_to_stage(db, second.id, buy.id)
    entries.add_entry(db, second.id, buy.id, "need", "c")
    sessions.finish_session(db, second.id)
    listing = sessions.list_sessions(db, study.id)
    assert [item.session.id for item in listing] == [second.id, first.id]  # latest first
    by_code = {item.participant_code: item for item in listing}
    assert (by_code["P01"].segment, by_code["P01"].stage_name, by_code["P01"].entries) == (
        "new",
        "Discover",
        1,
    )
    assert (by_code["P02"].segment, by_code["P02"].stage_name, by_code["P02"].entries) == (
        "returning",
        "Buy",
        1,
    )
    assert [i.session.id for i in sessions.list_sessions(db, study.id, status="finished")] == [
        second.id
    ]
    assert [i.session.id for i in sessions.list_sessions(db, study.id, status="in_progress")] == [
        first.id
    ]


# -- entries ----------------------------------------------------------------------------


def test_add_entry(db: Database, study: Study) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    web = studies.channels(db, study.id)[0]
    prompt = studies.prompts(db, study.id)[1]
    entry = entries.add_entry(
        db,
        session.id,
        stage.id,
        "touchpoint",
        "found it on the site",
        channel_id=web.id,
        emotion=-2,
        effort=7,
        author="ana",
        prompt_id=prompt.id,
    )
    assert rows(
        db,
        "SELECT id, session_id, stage_id, lane, text, channel_id, emotion, effort, votes, "
        "author, prompt_id, deleted_at FROM entries",
    ) == [
        (
            entry.id,
            session.id,
            stage.id,
            "touchpoint",
            "found it on the site",
            web.id,
            -2,
            7,
            0,
            "ana",
            prompt.id,
            None,
        )
    ]
    assert entry.created_at == entry.updated_at
    assert entries.get_entry(db, entry.id) == entry
    assert sessions.get_session(db, session.id).updated_at == entry.created_at


def test_add_entry_tags_created_once_per_study(db: Database, study: Study) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    first = entries.add_entry(db, session.id, stage.id, "pain", "a", tags=["Pricing", " checkout "])
    second = entries.add_entry(db, session.id, stage.id, "pain", "b", tags=["PRICING", "pricing"])
    assert sorted(first.tags) == ["Pricing", "checkout"]  # the order is not the point here
    assert second.tags == ("Pricing",)
    assert sorted(rows(db, "SELECT study_id, name FROM tags")) == [
        (study.id, "Pricing"),
        (study.id, "checkout"),
    ]
    assert count(db, "entry_tags") == 3
    # Another study gets its own tag of the same name.
    other = studies.create_study(db, "Other", template="x", stages=STAGES, channels=())
    other_session = new_session(db, other, "P01")
    other_stage = studies.stages(db, other.id)[0]
    entries.add_entry(db, other_session.id, other_stage.id, "pain", "c", tags=["pricing"])
    assert count(db, "tags") == 3
    assert count(db, "tags", "study_id = ?", [other.id]) == 1
    # tag_entry reuses too.
    tagged = entries.tag_entry(db, first.id, ["checkout", "Delivery"])
    assert sorted(tagged.tags) == ["Delivery", "Pricing", "checkout"]
    assert count(db, "tags", "study_id = ?", [study.id]) == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"lane": "feeling"},
        {"lane": "Goal"},
        {"emotion": 3},
        {"emotion": -3},
        {"effort": 0},
        {"effort": 8},
    ],
)
def test_add_entry_invalid_values_write_nothing(db: Database, study: Study, bad: dict) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    before = sessions.get_session(db, session.id).updated_at
    lane = bad.pop("lane", "touchpoint")
    with pytest.raises(InvalidValue):
        entries.add_entry(db, session.id, stage.id, lane, "text", tags=["new-tag"], **bad)
    assert count(db, "entries") == 0
    assert count(db, "tags") == 0
    assert sessions.get_session(db, session.id).updated_at == before


def test_add_entry_to_unknown_session_writes_nothing(db: Database, study: Study) -> None:
    stage = studies.stages(db, study.id)[0]
    with pytest.raises(InvalidValue):
        entries.add_entry(db, "no-such-session", stage.id, "goal", "text")
    assert count(db, "entries") == 0


def test_edit_entry_logs_each_changed_field(db: Database, study: Study) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    entry = entries.add_entry(db, session.id, stage.id, "pain", "slow", emotion=-1, effort=5)
    edited = entries.edit_entry(
        db, entry.id, author="ben", text="very slow", emotion=-2, effort=5, lane="pain"
    )
    assert (edited.text, edited.emotion, edited.effort) == ("very slow", -2, 5)
    assert rows(db, "SELECT text, emotion FROM entries") == [("very slow", -2)]
    assert rows(db, "SELECT entry_id, field, old, new, author FROM edits ORDER BY field") == [
        (entry.id, "emotion", "-1", "-2", "ben"),
        (entry.id, "text", "slow", "very slow", "ben"),
    ]
    history = entries.edit_history(db, entry.id)
    assert {h["field"] for h in history} == {"text", "emotion"}
    assert all(h["at"] == edited.updated_at for h in history)
    entries.edit_entry(db, entry.id, emotion=None)
    assert rows(
        db, "SELECT old, new, author FROM edits WHERE field = 'emotion' ORDER BY rowid DESC LIMIT 1"
    ) == [("-2", None, None)]


@pytest.mark.parametrize(
    "changes", [{"emotion": 5}, {"effort": 9}, {"lane": "mood"}, {"created_at": "x"}]
)
def test_edit_entry_refuses_bad_changes(db: Database, study: Study, changes: dict) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    entry = entries.add_entry(db, session.id, stage.id, "pain", "slow", emotion=-1)
    with pytest.raises(InvalidValue):
        entries.edit_entry(db, entry.id, text="changed", **changes)
    assert entries.get_entry(db, entry.id) == entry
    assert count(db, "edits") == 0


def test_delete_entry_is_soft(db: Database, study: Study) -> None:
    session = new_session(db, study)
    stage = studies.stages(db, study.id)[0]
    kept = entries.add_entry(db, session.id, stage.id, "goal", "keep")
    gone = entries.add_entry(db, session.id, stage.id, "goal", "typo")
    deleted = entries.delete_entry(db, gone.id, author="ana")
    assert deleted.deleted_at is not None
    assert rows(db, "SELECT text, deleted_at FROM entries ORDER BY rowid") == [
        ("keep", None),
        ("typo", deleted.deleted_at),
    ]
    assert [e.id for e in entries.session_entries(db, session.id)] == [kept.id]
    assert [e.id for e in entries.session_entries(db, session.id, include_deleted=True)] == [
        kept.id,
        gone.id,
    ]
    assert entries.last_entry(db, session.id).id == kept.id
    assert rows(db, "SELECT entry_id, field, old, new, author FROM edits") == [
        (gone.id, "deleted_at", None, deleted.deleted_at, "ana")
    ]
    restored = entries.restore_entry(db, gone.id, author="ana")
    assert restored.deleted_at is None
    assert [e.id for e in entries.session_entries(db, session.id)] == [kept.id, gone.id]
    assert count(db, "edits", "field = 'deleted_at'") == 2


def test_get_entry_unknown(db: Database) -> None:
    with pytest.raises(NotFound):
        entries.get_entry(db, "nope")
    with pytest.raises(NotFound):
        entries.delete_entry(db, "nope")
