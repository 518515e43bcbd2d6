"""Demo data: deterministic, growing one study, realistic, and sound."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlite_utils import Database

from journey.capture.demo import DEMO_STUDY, add_demo_sessions
from journey.capture.study import new_study
from journey.storage import studies
from journey.storage.connection import open_database
from journey.storage.errors import InvalidValue

CONTENT_TABLES = (
    "studies",
    "stages",
    "channels",
    "prompts",
    "participants",
    "sessions",
    "entries",
    "stage_progress",
    "tags",
    "entry_tags",
    "edits",
    "drafts",
)


def dump(path: Path) -> dict[str, list[tuple]]:
    with open_database(path, read_only=True) as db:
        return {
            table: [tuple(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in CONTENT_TABLES
        }


def one(db: Database, sql: str, params: list | None = None):
    return db.execute(sql, params or []).fetchone()[0]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A database holding the (empty) demo study: the same starting point for two runs."""
    path = tmp_path / "base.db"
    with open_database(path, create=True) as db:
        added = add_demo_sessions(db, 0)
        assert (added.study.name, added.entries, added.sessions) == (DEMO_STUDY, 0, 0)
    return path


def copy(base: Path, name: str) -> Path:
    target = base.with_name(name)
    shutil.copyfile(base, target)
    return target


def test_same_seed_same_data(base: Path) -> None:
    first, second, other = copy(base, "a.db"), copy(base, "b.db"), copy(base, "c.db")
    for path, seed in ((first, 7), (second, 7), (other, 8)):
        with open_database(path) as db:
            add_demo_sessions(db, 20, seed=seed)
            add_demo_sessions(db, 5, seed=seed)
    one_dump, two_dump = dump(first), dump(second)
    assert len(one_dump["entries"]) > 100
    assert one_dump == two_dump
    # The comparison can tell: another seed gives other data.
    assert dump(other)["entries"] != one_dump["entries"]


def test_returns_study_and_entries(db_path: Path) -> None:
    with open_database(db_path) as db:
        added = add_demo_sessions(db, 6, seed=3)
        assert added.study.name == DEMO_STUDY
        assert added.entries == one(db, "SELECT count(*) FROM entries") > 0
        assert one(db, "SELECT count(*) FROM sessions WHERE study_id = ?", [added.study.id]) == 6


def test_reports_customer_sessions_apart_from_workshops(db_path: Path) -> None:
    with open_database(db_path) as db:
        added = add_demo_sessions(db, 85, seed=3)  # every 40th session is a workshop
        by_mode = dict(db.execute("SELECT mode, count(*) FROM sessions GROUP BY mode").fetchall())
    assert (added.interviews, added.surveys, added.workshops) == (
        by_mode.get("interview", 0),
        by_mode.get("survey", 0),
        2,
    )
    assert added.sessions == 85 and added.surveys > 0
    assert added.describe() == (
        f"{added.interviews} interviews, {added.surveys} surveys and 2 workshops "
        f"({added.entries} entries)"
    )


def test_progress_callback(db_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    with open_database(db_path) as db:
        add_demo_sessions(db, 3, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(3, 3)]


def test_repeated_runs_grow_one_study(demo_db: Path) -> None:
    with open_database(demo_db) as db:
        before = one(db, "SELECT count(*) FROM entries")
        added = add_demo_sessions(db, 12, seed=1).entries  # the same seed again
        added_again = add_demo_sessions(db, 12, seed=1).entries
        assert [s.name for s in studies.list_studies(db)] == [DEMO_STUDY]
        assert one(db, "SELECT count(*) FROM sessions") == 36
        assert one(db, "SELECT count(*) FROM entries") == before + added + added_again
        assert added > 0 and added_again > 0
        codes = [r[0] for r in db.execute("SELECT code FROM participants ORDER BY code")]
        assert codes == [f"P{n:03d}" for n in range(1, 37)]
        for table in ("participants", "sessions", "entries", "tags"):
            assert one(db, f"SELECT count(DISTINCT id) FROM {table}") == one(
                db, f"SELECT count(*) FROM {table}"
            )
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_two_studies_same_seed(db_path: Path) -> None:
    with open_database(db_path) as db:
        first = add_demo_sessions(db, 8, seed=1).study
        second = add_demo_sessions(db, 8, seed=1, study_name="Second demo").study
        assert first.id != second.id
        for study in (first, second):
            assert one(db, "SELECT count(*) FROM sessions WHERE study_id = ?", [study.id]) == 8
        # Every entry sits on a stage of its own session's study.
        assert (
            one(
                db,
                "SELECT count(*) FROM entries e JOIN sessions s ON s.id = e.session_id "
                "JOIN stages st ON st.id = e.stage_id WHERE st.study_id != s.study_id",
            )
            == 0
        )
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_demo_into_another_stage_model(db_path: Path) -> None:
    with open_database(db_path) as db:
        study = new_study(db, "Six", "six-stage", demo=True)
        add_demo_sessions(db, 10, seed=2, study_name="Six")
        used = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT st.name FROM entries e JOIN stages st ON st.id = e.stage_id"
            )
        }
        assert used <= {s.name for s in studies.stages(db, study.id)}
        assert "Need recognition" in used
        assert len(studies.list_studies(db)) == 1


def test_demo_data_never_lands_in_a_study_of_research(db_path: Path) -> None:
    with open_database(db_path) as db:
        new_study(db, "Checkout study")
        before = one(db, "SELECT count(*) FROM sessions")
        with pytest.raises(InvalidValue, match="holds research, not demo data"):
            add_demo_sessions(db, 5, study_name="checkout STUDY")
        assert one(db, "SELECT count(*) FROM sessions") == before == 0
        added = add_demo_sessions(db, 5)  # into a study of its own
        assert added.study.demo and added.study.name == DEMO_STUDY


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "big.db"
    with open_database(path, create=True) as db:
        add_demo_sessions(db, 45, seed=1)
    with open_database(path, read_only=True) as db:
        yield db


def test_demo_has_segments_and_interviewers(big: Database) -> None:
    segments = {r[0] for r in big.execute("SELECT DISTINCT segment FROM participants")}
    assert len(segments) >= 2 and None not in segments
    interviewers = {
        r[0]
        for r in big.execute("SELECT DISTINCT interviewer FROM sessions WHERE mode != 'workshop'")
    }
    assert len(interviewers) >= 3


def test_demo_has_drop_outs_with_reasons(big: Database) -> None:
    dropped = big.execute(
        "SELECT count(*), count(reason) FROM stage_progress WHERE outcome = 'dropped'"
    ).fetchone()
    assert dropped[0] > 0 and dropped[0] == dropped[1]
    # A session never goes on after it dropped out.
    assert (
        one(
            big,
            """
            SELECT count(*) FROM stage_progress later
            JOIN stages ls ON ls.id = later.stage_id
            JOIN stage_progress drop_ ON drop_.session_id = later.session_id
                AND drop_.outcome = 'dropped'
            JOIN stages ds ON ds.id = drop_.stage_id
            WHERE ls.position > ds.position
            """,
        )
        == 0
    )


def test_demo_has_quotes_tags_and_emotions(big: Database) -> None:
    assert one(big, "SELECT count(*) FROM entries WHERE lane = 'quote'") > 0
    assert one(big, "SELECT count(*) FROM tags") > 0
    assert one(big, "SELECT count(*) FROM entry_tags") > 0
    lanes = {r[0] for r in big.execute("SELECT DISTINCT lane FROM entries")}
    assert {"goal", "need", "expectation", "touchpoint", "pain", "quote"} <= lanes
    assert one(big, "SELECT min(emotion) FROM entries") >= -2
    assert one(big, "SELECT max(emotion) FROM entries") <= 2
    assert (
        one(big, "SELECT count(*) FROM entries WHERE lane = 'touchpoint' AND channel_id IS NULL")
        == 0
    )


def test_demo_has_a_workshop(big: Database) -> None:
    workshops = big.execute(
        "SELECT id, participant_id, title, status FROM sessions WHERE mode = 'workshop'"
    ).fetchall()
    assert len(workshops) == 1
    session_id, participant_id, title, status = workshops[0]
    assert participant_id is None and title and status == "finished"
    assert one(big, "SELECT sum(votes) FROM entries WHERE session_id = ?", [session_id]) > 0
    assert one(big, "SELECT count(*) FROM sessions") == 45


def test_demo_is_sound(big: Database) -> None:
    assert big.execute("PRAGMA foreign_key_check").fetchall() == []
    assert big.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_demo_after_a_participant_was_erased_takes_the_next_free_codes(db_path: Path) -> None:
    # Erasing P001 leaves four sessions and the codes P002..P005: the next run must not
    # number its participant 5 again.
    from journey.storage.privacy import forget_participant

    with open_database(db_path, create=True) as db:
        added = add_demo_sessions(db, 5, seed=3)
        forget_participant(db, added.study.id, "P001", wait=0)
        add_demo_sessions(db, 2, seed=3)
        codes = [row[0] for row in db.execute("SELECT code FROM participants ORDER BY code")]
    assert codes == ["P002", "P003", "P004", "P005", "P006", "P007"]
