"""InterviewSession: what an interviewer does, and what each action leaves in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.sanitize import EntryTooLong
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import studies
from journey.storage.connection import open_database, write
from journey.storage.errors import ConsentRequired, InvalidValue, NotFound
from journey.storage.models import Study
from journey.storage.studies import find_study

FIVE = ["Awareness", "Consideration", "Decision", "Retention", "Advocacy"]


@pytest.fixture
def db(study_db: Path) -> Iterator[Database]:
    with open_database(study_db) as database:
        yield database


@pytest.fixture
def study(db: Database) -> Study:
    found = studies.find_study(db, "Checkout study")
    assert found is not None
    return found


@pytest.fixture
def interview(db: Database, study: Study) -> InterviewSession:
    return InterviewSession.start(db, study, "P01", segment="new", interviewer="ana", consent=True)


def rows(db: Database, sql: str, params: list | None = None) -> list[tuple]:
    return [tuple(r) for r in db.execute(sql, params or []).fetchall()]


def progress(db: Database, session_id: str) -> list[tuple[str, str, str | None]]:
    return rows(
        db,
        "SELECT s.name, sp.outcome, sp.reason FROM stage_progress sp "
        "JOIN stages s ON s.id = sp.stage_id WHERE sp.session_id = ? ORDER BY s.position",
        [session_id],
    )


def current_stage_name(db: Database, session_id: str) -> str:
    return rows(
        db,
        "SELECT st.name FROM sessions s JOIN stages st ON st.id = s.current_stage_id "
        "WHERE s.id = ?",
        [session_id],
    )[0][0]


# -- start and resume -------------------------------------------------------------------


def test_start_creates_participant_and_session(
    db: Database, study: Study, interview: InterviewSession
) -> None:
    participants = rows(db, "SELECT id, study_id, code, segment, consent_at FROM participants")
    assert len(participants) == 1
    participant_id, study_id, code, segment, consent_at = participants[0]
    assert (study_id, code, segment) == (study.id, "P01", "new")
    assert consent_at is not None
    assert rows(db, "SELECT id, participant_id, mode, interviewer, status FROM sessions") == [
        (interview.session.id, participant_id, "interview", "ana", "in_progress")
    ]
    assert progress(db, interview.session.id) == [("Awareness", "reached", None)]
    assert interview.current_stage.name == "Awareness"
    assert interview.participant is not None and interview.participant.code == "P01"
    assert interview.author == "ana"
    assert [s.name for s in interview.stages] == FIVE
    assert not interview.finished


def test_start_cleans_its_inputs(db: Database, study: Study) -> None:
    InterviewSession.start(db, study, " P\x1b02 ", segment="  ", interviewer="\tben ", consent=True)
    assert rows(db, "SELECT code, segment, consent_at IS NULL FROM participants") == [
        ("P02", None, 0)
    ]
    assert rows(db, "SELECT interviewer FROM sessions") == [("ben",)]


def test_without_consent_nothing_is_saved_where_the_study_requires_it(
    db: Database, study: Study
) -> None:
    assert study.consent_required  # the default
    with pytest.raises(ConsentRequired, match="P09 has not agreed to take part"):
        InterviewSession.start(db, study, "P09", consent=False)
    assert rows(db, "SELECT count(*) FROM participants") == [(0,)]
    assert rows(db, "SELECT count(*) FROM sessions") == [(0,)]
    started = InterviewSession.start(db, study, "P09", consent=True)
    ((consent_at,),) = rows(db, "SELECT consent_at FROM participants")
    assert consent_at is not None and started.participant is not None


def test_a_participant_without_consent_is_asked_again_and_recorded(
    db: Database, study: Study
) -> None:
    """A participant saved without consent (an older database, a study that did not
    require it then) gets it recorded, with its time, before the interview goes on."""
    with write(db):
        db.execute(
            "INSERT INTO participants (id, study_id, code, created_at, updated_at) "
            "VALUES ('p', ?, 'P10', '2026-01-01', '2026-01-01')",
            [study.id],
        )
    with pytest.raises(ConsentRequired):
        InterviewSession.start(db, study, "P10")
    assert rows(db, "SELECT consent_at FROM participants") == [(None,)]
    InterviewSession.start(db, study, "p10", consent=True)
    ((consent_at,),) = rows(db, "SELECT consent_at FROM participants")
    assert consent_at is not None


def test_a_study_that_does_not_require_consent(db: Database) -> None:
    relaxed = new_study(db, "Street intercepts", consent_required=False)
    assert not relaxed.consent_required
    assert find_study(db, "Street intercepts") == relaxed
    InterviewSession.start(db, relaxed, "P01")
    assert rows(db, "SELECT consent_at FROM participants") == [(None,)]


def test_start_again_resumes_the_session_in_progress(
    db: Database, study: Study, interview: InterviewSession
) -> None:
    interview.add("goal", "first answer")
    interview.next_stage()
    again = InterviewSession.start(db, study, "p01", segment="other", consent=True)
    assert again.session.id == interview.session.id
    assert again.current_stage.name == "Consideration"
    assert [e.text for e in again.entries] == ["first answer"]
    assert rows(db, "SELECT count(*) FROM sessions") == [(1,)]
    assert rows(db, "SELECT count(*), segment FROM participants") == [(1, "new")]


def test_start_after_finish_starts_a_new_session(
    db: Database, study: Study, interview: InterviewSession
) -> None:
    interview.finish()
    second = InterviewSession.start(db, study, "P01", consent=True)
    assert second.session.id != interview.session.id
    assert second.current_stage.name == "Awareness"
    assert rows(db, "SELECT status FROM sessions ORDER BY started_at, rowid") == [
        ("finished",),
        ("in_progress",),
    ]
    assert rows(db, "SELECT count(*) FROM participants") == [(1,)]


def test_resume_by_id_with_another_connection(study_db: Path, interview: InterviewSession) -> None:
    interview.add("need", "a clear price")
    interview.next_stage()
    with open_database(study_db) as other:
        resumed = InterviewSession.resume(other, interview.session.id)
        assert resumed.current_stage.name == "Consideration"
        assert [e.text for e in resumed.entries] == ["a clear price"]


def test_workshop_mode(db: Database, study: Study) -> None:
    workshop = InterviewSession.start(
        db, study, "W1", mode="workshop", interviewer="kim", consent=True
    )
    assert rows(db, "SELECT mode FROM sessions WHERE id = ?", [workshop.session.id]) == [
        ("workshop",)
    ]
    with pytest.raises(InvalidValue):
        InterviewSession.start(db, study, "W2", mode="party", consent=True)


# -- moving between stages ---------------------------------------------------------------


def test_next_and_previous(db: Database, interview: InterviewSession) -> None:
    assert interview.previous_stage() is None
    names = [interview.next_stage().name for _ in range(4)]
    assert names == FIVE[1:]
    assert interview.next_stage() is None  # already at the last stage
    assert current_stage_name(db, interview.session.id) == "Advocacy"
    assert interview.previous_stage().name == "Retention"
    assert current_stage_name(db, interview.session.id) == "Retention"
    assert progress(db, interview.session.id) == [(n, "reached", None) for n in FIVE]


def test_go_to_and_find_stage(db: Database, interview: InterviewSession) -> None:
    assert interview.find_stage("3").name == "Decision"
    assert interview.find_stage(" 5 ").name == "Advocacy"
    assert interview.find_stage("retention").name == "Retention"
    assert interview.find_stage("Cons").name == "Consideration"
    assert interview.find_stage("adv").name == "Advocacy"
    interview.go_to(interview.find_stage("4"))
    assert interview.current_stage.name == "Retention"
    assert interview.stage_index == 3
    assert current_stage_name(db, interview.session.id) == "Retention"
    # Jumping ahead marks only the stage entered, not the ones in between.
    assert progress(db, interview.session.id) == [
        ("Awareness", "reached", None),
        ("Retention", "reached", None),
    ]


@pytest.mark.parametrize("ref", ["0", "6", "99", "Purchase", "zzz", "Decisions"])
def test_find_stage_unknown(interview: InterviewSession, ref: str) -> None:
    with pytest.raises(NotFound) as caught:
        interview.find_stage(ref)
    assert "\n" not in str(caught.value)


def test_find_stage_ambiguous(interview: InterviewSession) -> None:
    with pytest.raises(NotFound) as caught:
        interview.find_stage("a")  # Awareness, Advocacy
    message = str(caught.value)
    assert "Awareness" in message and "Advocacy" in message
    assert "Decision" not in message


def test_skip(db: Database, interview: InterviewSession) -> None:
    interview.next_stage()
    moved_to = interview.skip()
    assert moved_to is not None and moved_to.name == "Decision"
    assert interview.current_stage.name == "Decision"
    assert progress(db, interview.session.id) == [
        ("Awareness", "reached", None),
        ("Consideration", "skipped", None),
        ("Decision", "reached", None),
    ]


def test_skip_at_the_last_stage(db: Database, interview: InterviewSession) -> None:
    interview.go_to(interview.find_stage("Advocacy"))
    assert interview.skip() is None
    assert interview.current_stage.name == "Advocacy"
    assert progress(db, interview.session.id)[-1] == ("Advocacy", "skipped", None)


def test_drop(db: Database, interview: InterviewSession) -> None:
    interview.next_stage()
    interview.next_stage()
    interview.drop("  abandoned cart:\ttoo  many\nsteps ")
    assert progress(db, interview.session.id)[-1] == (
        "Decision",
        "dropped",
        "abandoned cart: too many steps",
    )
    interview.drop("   ")  # no reason given
    assert progress(db, interview.session.id)[-1] == ("Decision", "dropped", None)


def test_stage_states(interview: InterviewSession) -> None:
    interview.add("goal", "a")
    interview.add("need", "b")
    interview.next_stage()
    interview.add("pain", "c", emotion=-2)
    interview.skip()
    interview.drop("too expensive")
    states = interview.stage_states()
    assert [(s.stage.name, s.outcome, s.reason, s.entries, s.current) for s in states] == [
        ("Awareness", "reached", None, 2, False),
        ("Consideration", "skipped", None, 1, False),
        ("Decision", "dropped", "too expensive", 0, True),
        ("Retention", None, None, 0, False),
        ("Advocacy", None, None, 0, False),
    ]


# -- entries ---------------------------------------------------------------------------


def test_add_saves_at_once(study_db: Path, interview: InterviewSession) -> None:
    channel = next(c for c in interview.channels if c.name == "Live chat")
    entry = interview.add(
        "touchpoint",
        "  asked\x1b[2J in the chat\r\n ",
        channel=channel,
        emotion=1,
        effort=2,
        tags=[" support ", "mo\x00bile"],
    )
    assert entry.text == "asked[2J in the chat"
    with open_database(study_db, read_only=True) as other:  # committed, visible to others
        assert rows(
            other,
            "SELECT e.text, e.lane, c.name, e.emotion, e.effort, e.author, s.name "
            "FROM entries e JOIN channels c ON c.id = e.channel_id "
            "JOIN stages s ON s.id = e.stage_id",
        ) == [("asked[2J in the chat", "touchpoint", "Live chat", 1, 2, "ana", "Awareness")]
        assert sorted(rows(other, "SELECT name FROM tags")) == [("mobile",), ("support",)]
    assert [e.id for e in interview.entries] == [entry.id]


def test_add_at_another_stage(db: Database, interview: InterviewSession) -> None:
    retention = interview.find_stage("Retention")
    interview.add("note", "mentioned later", stage=retention)
    assert interview.current_stage.name == "Awareness"
    assert rows(db, "SELECT s.name FROM entries e JOIN stages s ON s.id = e.stage_id") == [
        ("Retention",)
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "x" * 10_001}, EntryTooLong),
        ({"text": "  \x1b "}, InvalidValue),
        ({"text": "fine", "emotion": 4}, InvalidValue),
        ({"text": "fine", "lane": "mood"}, InvalidValue),
    ],
)
def test_add_refused_writes_nothing(
    db: Database, interview: InterviewSession, kwargs: dict, error: type
) -> None:
    lane = kwargs.pop("lane", "goal")
    with pytest.raises(error):
        interview.add(lane, **kwargs)
    assert rows(db, "SELECT count(*) FROM entries") == [(0,)]
    assert interview.entries == []


def test_undo(db: Database, interview: InterviewSession) -> None:
    first = interview.add("goal", "one")
    second = interview.add("goal", "two")
    assert interview.undo().id == second.id
    assert [e.id for e in interview.entries] == [first.id]
    assert interview.undo().id == first.id
    assert interview.entries == []
    assert interview.undo() is None
    # Both are still in the file, marked deleted, and the log says so.
    assert rows(db, "SELECT text, deleted_at IS NOT NULL FROM entries ORDER BY rowid") == [
        ("one", 1),
        ("two", 1),
    ]
    assert rows(db, "SELECT entry_id, field, old, author FROM edits ORDER BY rowid") == [
        (second.id, "deleted_at", None, "ana"),
        (first.id, "deleted_at", None, "ana"),
    ]


def test_edit_last(db: Database, interview: InterviewSession) -> None:
    interview.add("pain", "first")
    last = interview.add("pain", "slow", emotion=-1)
    edited = interview.edit_last(text=" very\x1b slow ", emotion=-2)
    assert edited.id == last.id
    assert (edited.text, edited.emotion) == ("very slow", -2)
    assert rows(db, "SELECT field, old, new, author FROM edits ORDER BY field") == [
        ("emotion", "-1", "-2", "ana"),
        ("text", "slow", "very slow", "ana"),
    ]
    assert rows(db, "SELECT text FROM entries ORDER BY rowid") == [("first",), ("very slow",)]
    with pytest.raises(InvalidValue):
        interview.edit_last(text="   ")
    assert rows(db, "SELECT count(*) FROM edits") == [(2,)]


def test_edit_last_with_nothing(interview: InterviewSession) -> None:
    assert interview.edit_last(text="x") is None


def test_answered_prompts(interview: InterviewSession) -> None:
    awareness = interview.stage_prompts()
    assert [p.lane for p in awareness] == ["goal", "need", "touchpoint"]
    assert interview.answered_prompts() == set()
    interview.add("goal", "by lane")  # answers the goal prompt of this stage
    assert interview.answered_prompts() == {awareness[0].id}
    decision = interview.find_stage("Decision")
    decision_prompts = interview.stage_prompts(decision)
    # An explicit answer counts even in another lane.
    interview.add("note", "explicit", prompt=decision_prompts[0])
    assert interview.answered_prompts() == {awareness[0].id, decision_prompts[0].id}
    interview.undo()
    interview.undo()
    assert interview.answered_prompts() == set()


def test_emotion_curve(interview: InterviewSession) -> None:
    interview.add("touchpoint", "a", emotion=2)
    interview.add("pain", "b", emotion=-1)
    interview.add("goal", "no emotion")
    interview.go_to(interview.find_stage("Decision"))
    interview.add("delight", "c", emotion=1)
    interview.add("pain", "d", emotion=-2)
    interview.undo()
    curve = [(stage.name, mean, n) for stage, mean, n in interview.emotion_curve()]
    assert curve == [
        ("Awareness", 0.5, 2),
        ("Consideration", None, 0),
        ("Decision", 1.0, 1),
        ("Retention", None, 0),
        ("Advocacy", None, 0),
    ]


def test_stage_entries_by_lane(interview: InterviewSession) -> None:
    interview.add("goal", "g")
    interview.add("pain", "p1")
    interview.add("pain", "p2")
    by_lane = interview.stage_entries()
    assert [e.text for e in by_lane["pain"]] == ["p1", "p2"]
    assert [e.text for e in by_lane["goal"]] == ["g"]
    assert by_lane["quote"] == []
    assert all(v == [] for v in interview.stage_entries(interview.stages[1]).values())


# -- drafts and finishing -------------------------------------------------------------------


def test_draft_survives_a_restart(
    study_db: Path, db: Database, interview: InterviewSession
) -> None:
    interview.save_draft("I first saw the")
    assert interview.draft == "I first saw the"
    with open_database(study_db) as other:
        assert InterviewSession.resume(other, interview.session.id).draft == "I first saw the"
    interview.save_draft("")
    assert interview.draft == ""
    assert rows(db, "SELECT count(*) FROM drafts") == [(0,)]


def test_finish(db: Database, interview: InterviewSession) -> None:
    interview.save_draft("unsent")
    session = interview.finish()
    assert session.status == "finished" and session.ended_at is not None
    assert interview.finished
    assert rows(db, "SELECT status, ended_at FROM sessions") == [("finished", session.ended_at)]
    assert rows(db, "SELECT count(*) FROM drafts") == [(0,)]
