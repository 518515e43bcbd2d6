"""Rows from outside (merged databases, JSON exports, templates) obey the rules of typed
text, stay in their study, and what leaves for a terminal is clean (issue 13)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from journey.capture.row_rules import canonical_id, canonical_time, checked_row
from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.errors import InvalidValue
from journey.storage.maintenance import backup
from journey.tui.app import ReviewRequest, make_app
from journey.tui.cli import app

# What must never reach a terminal from data: ESC, C1 controls (CSI, OSC, ST), NUL, BEL,
# bidi overrides and isolates, zero width space, tag characters.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
)
LACE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e\u2066\u200b\U000e0041\x00"


def run(*args: str):
    return CliRunner().invoke(app, [*args])


def sql(path: Path, statement: str, params: tuple | list = ()) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")  # crafted rows, as an attacker
        return conn.execute(statement, params).fetchall()


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Exception ignored" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journey: "), lines
    return lines[0]


def snapshot(path: Path) -> bytes:
    with open_database(path) as db:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


def interview_database(path: Path, study: str = "Checkout study", code: str = "P01") -> Path:
    with open_database(path, create=True) as db:
        created = new_study(db, study)
        session = InterviewSession.start(
            db, created, code, segment="new", interviewer="ana", consent=True
        )
        session.add("pain", "the queue at the till", emotion=-2, tags=["queue"])
        session.add("goal", "find a gift")
        session.add("touchpoint", "slow checkout", channel=session.channels[0], emotion=-1)
    return path


def laced_database(path: Path) -> Path:
    """Names and texts laced with escape sequences, bidi overrides and invisible
    characters, as a hostile laptop's database would hold them."""
    interview_database(path, study="Laced study", code="L01")
    for table, column in (
        ("studies", "name"),
        ("stages", "name"),
        ("channels", "name"),
        ("tags", "name"),
        ("participants", "code"),
        ("participants", "segment"),
        ("sessions", "interviewer"),
        ("entries", "text"),
        ("prompts", "text"),
    ):
        sql(path, f"UPDATE {table} SET {column} = {column} || ?", [LACE])
    return path


def screen_text(app) -> str:
    """Everything the app's screen would send to a terminal, as text."""
    console = Console(width=200, file=io.StringIO(), record=True, force_terminal=True)
    console.print(app.screen._compositor.render_update(full=True))
    title = str(app.format_title(app.screen.title or "", app.screen.sub_title or ""))
    return console.export_text(styles=False) + title


# -- the way in ------------------------------------------------------------------------


def test_a_laced_database_merges_clean(tmp_path: Path) -> None:
    target = interview_database(tmp_path / "clean.db")
    source = laced_database(tmp_path / "laced.db")
    result = run("--db", str(target), "merge", str(source))
    assert result.exit_code == 0, result.output
    with open_database(target, read_only=True) as db:
        texts = [
            value
            for table in ("studies", "stages", "channels", "tags", "participants", "sessions")
            for row in db.conn.execute(f"SELECT * FROM {table}")
            for value in row
            if isinstance(value, str)
        ]
        texts += [row[0] for row in db.conn.execute("SELECT text FROM entries")]
    assert any(text.startswith("Laced study") for text in texts)
    assert not [text for text in texts if FORBIDDEN.search(text)]


def test_must_show_laced_then_viewed_read_only_and_in_stats(tmp_path: Path) -> None:
    """Merged into a clean file, then shown by `review --read-only` and `stats`: no ESC,
    C1 or bidi override from the data reaches the terminal. And shown from a file laced
    directly (as if written by another program), the way out cleans it too."""
    target = interview_database(tmp_path / "clean.db")
    assert run("--db", str(target), "merge", str(laced_database(tmp_path / "l.db"))).exit_code == 0
    direct = laced_database(tmp_path / "direct.db")
    cleaned_name = "Laced study]0;owned[2J31m"  # what is left of the name once cleaned
    for path, study in ((target, ["--study", cleaned_name]), (direct, [])):
        stats = run("--db", str(path), "stats", *study)
        assert stats.exit_code == 0, stats.output
        assert not FORBIDDEN.search(stats.output), repr(stats.output)
        with open_database(path, read_only=True) as db:
            (study_id,) = db.conn.execute(
                "SELECT id FROM studies WHERE name LIKE 'Laced study%'"
            ).fetchone()
        shown = _review_screen(path, study_id)
        assert "Laced study" in shown
        assert not FORBIDDEN.search(shown), repr(FORBIDDEN.findall(shown))


def _review_screen(path: Path, study_id: str) -> str:
    import asyncio

    async def look() -> str:
        review = make_app(
            path,
            review=ReviewRequest(study_id),
            read_only=True,
            poll_seconds=60,
            cursor_blink=False,
        )
        async with review.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            await review.workers.wait_for_complete()
            await pilot.pause()
            review.notify(f"a notice quoting {LACE}", markup=False)
            await pilot.pause()
            return screen_text(review)

    return asyncio.run(look())


def test_a_laced_template_is_cleaned(tmp_path: Path) -> None:
    template = tmp_path / "laced.toml"
    template.write_text(
        'name = "x"\nchannels = ["Web\\u001b[2J", "Shop\\u202e"]\n'
        '[[stages]]\nname = "Aware\\u001b]0;t\\u0007ness"\n'
        '[[stages.prompts]]\nlane = "goal"\ntext = "What\\u200b for?"\n',
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    result = run("--db", str(db), "init", "--study", "T\x1b[31m", "--template", str(template))
    assert result.exit_code == 0, result.output
    assert not FORBIDDEN.search(result.output)
    assert sql(db, "SELECT name FROM studies") == [("T[31m",)]
    assert sql(db, "SELECT name FROM stages") == [("Aware]0;tness",)]
    assert sorted(sql(db, "SELECT name FROM channels")) == [("Shop",), ("Web[2J",)]
    assert sql(db, "SELECT text FROM prompts") == [("What for?",)]


def test_names_over_the_limit_are_refused_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    error = one_line_error(run("--db", str(db), "init", "--study", "S" * 221))
    assert "the study name is 221 characters long; the limit is 200" in error


# -- rows checked as an import's are ------------------------------------------------


def test_checked_row_writes_ids_and_times_one_way_and_cleans_text() -> None:
    row = checked_row(
        "entries",
        {
            "id": "A3F1C2D4-0000-4000-8000-00000000000A",
            "text": "hello\x1b[2J\u202e",
            "created_at": "2026-03-01T10:00:00+01:00",
            "lane": "pain",
            "emotion": -2,
        },
    )
    assert row == {
        "id": "a3f1c2d4-0000-4000-8000-00000000000a",
        "text": "hello[2J",
        "created_at": "2026-03-01T09:00:00.000+00:00",
        "lane": "pain",
        "emotion": -2,
    }
    assert canonical_id(row["id"]) == row["id"]
    assert canonical_time("2026-03-01 09:00") == "2026-03-01T09:00:00.000+00:00"


@pytest.mark.parametrize(
    ("table", "row", "words"),
    [
        ("studies", {"id": canonical_id("1" * 32), "name": b"\x00\xff"}, "name is binary data"),
        ("entries", {"id": canonical_id("2" * 32), "text": "x" * 30_000}, "30,000 characters"),
        ("entries", {"id": canonical_id("3" * 32), "votes": -1_000_000}, "outside 0..1,000,000"),
        ("votes", {"entry_id": canonical_id("4" * 32), "votes": 2**63 - 1}, "is outside 0.."),
        ("entries", {"id": canonical_id("5" * 32), "emotion": 3}, "emotion 3 is outside -2..2"),
        ("entries", {"id": canonical_id("6" * 32), "effort": "7"}, "'7' is not a whole number"),
        ("entries", {"id": canonical_id("7" * 32), "lane": "bogus"}, "'bogus' is not one of"),
        ("entries", {"id": "not-an-id"}, "'not-an-id' is not an id (a UUID)"),
        ("sessions", {"id": canonical_id("8" * 32), "started_at": "soon"}, "not an ISO 8601"),
        ("participants", {"id": canonical_id("9" * 32), "code": 7}, "code is int, not text"),
    ],
)
def test_checked_row_refuses_what_breaks_a_rule(table: str, row: dict, words: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        checked_row(table, row)
    assert str(refused.value).startswith(f"{table}: row ")
    assert words in str(refused.value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("UPDATE studies SET name = X'00ff'", "studies: row"),
        ("UPDATE entries SET text = ? WHERE lane = 'goal'", "text is 30,000,000 characters long"),
        ("UPDATE entries SET votes = -1000000 WHERE lane = 'goal'", "votes -1000000 is outside"),
        ("UPDATE entries SET votes = 9223372036854775807", "is outside 0..1,000,000"),
        ("UPDATE entries SET lane = 'bogus' WHERE lane = 'goal'", "'bogus' is not one of"),
        ("UPDATE entries SET emotion = 9 WHERE lane = 'pain'", "emotion 9 is outside -2..2"),
        ("DROP TABLE entry_tags", "the source has no entry_tags table"),
    ],
    ids=["blob", "30 MB", "votes", "votes 2**63", "lane", "emotion", "no table"],
)
def test_a_crafted_source_is_refused_whole_with_one_line(
    tmp_path: Path, change: str, words: str
) -> None:
    target = interview_database(tmp_path / "target.db")
    source = interview_database(tmp_path / "source.db", study="Other study", code="Q01")
    params = ["x" * 30_000_000] if "?" in change else []
    sql(source, change, params)
    before = snapshot(target)
    error = one_line_error(run("--db", str(target), "merge", str(source)))
    assert words in error, error
    assert error.endswith("nothing was merged") or "table" in error
    assert snapshot(target) == before


# -- rows stay in their study ----------------------------------------------------------


def two_studies(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A file with studies A and B, and a copy of it to craft."""
    target = tmp_path / "target.db"
    with open_database(target, create=True) as db:
        ids = {}
        for name, code in (("A", "A01"), ("B", "B01")):
            study = new_study(db, name)
            session = InterviewSession.start(db, study, code, consent=True)
            entry = session.add("pain", f"{name}'s pain")
            ids[name] = study.id
            ids[f"{name} session"] = session.session.id
            ids[f"{name} entry"] = entry.id
        crafted = tmp_path / "crafted.db"
        backup(db, crafted)
    return target, crafted, ids


def test_an_entry_moved_into_another_study_is_refused(tmp_path: Path) -> None:
    target, crafted, ids = two_studies(tmp_path)
    sql(
        crafted,
        "UPDATE entries SET session_id = ?, stage_id = (SELECT id FROM stages WHERE study_id = ? "
        "LIMIT 1), updated_at = '2099-01-01T00:00:00.000+00:00' WHERE id = ?",
        [ids["B session"], ids["B"], ids["A entry"]],
    )
    before = snapshot(target)
    error = one_line_error(run("--db", str(target), "merge", str(crafted)))
    assert f"entries: {ids['A entry']} belongs to another study here" in error
    assert snapshot(target) == before


def test_a_row_pointing_into_two_studies_is_refused(tmp_path: Path) -> None:
    target, crafted, ids = two_studies(tmp_path)
    new_id = canonical_id("c" * 32)
    sql(
        crafted,
        "INSERT INTO entries (id, session_id, stage_id, lane, text, votes, created_at, "
        "updated_at) SELECT ?, ?, id, 'pain', 'sneaky', 0, '2026-01-01T00:00:00.000+00:00', "
        "'2026-01-01T00:00:00.000+00:00' FROM stages WHERE study_id = ? LIMIT 1",
        [new_id, ids["A session"], ids["B"]],
    )
    error = one_line_error(run("--db", str(target), "merge", str(crafted)))
    assert f"entries: {new_id} points into two studies" in error


def test_a_json_file_for_a_new_study_cannot_take_entries_of_another(tmp_path: Path) -> None:
    target, _crafted, ids = two_studies(tmp_path)
    export = tmp_path / "a.json"
    assert run("--db", str(target), "export", "--format", "json", "--study", "A", "--out",
               str(export)).exit_code == 0  # fmt: skip
    data = json.loads(export.read_text())
    (study,) = data["studies"]
    study["id"] = canonical_id("d" * 32)  # a new study, holding A's entry
    study["name"] = "Newcomer"
    export.write_text(json.dumps(data))
    before = snapshot(target)
    error = one_line_error(run("--db", str(target), "import", str(export)))
    assert "belongs to another study here" in error
    assert snapshot(target) == before


def test_study_option_never_renames_an_existing_study(tmp_path: Path) -> None:
    target, _crafted, _ids = two_studies(tmp_path)
    export = tmp_path / "a.json"
    assert run("--db", str(target), "export", "--format", "json", "--study", "A", "--out",
               str(export)).exit_code == 0  # fmt: skip
    error = one_line_error(run("--db", str(target), "import", str(export), "--study", "Renamed"))
    assert "its study is 'A' here already (the same id), and --study does not rename" in error
    assert sql(target, "SELECT name FROM studies ORDER BY name") == [("A",), ("B",)]
    again = run("--db", str(target), "import", str(export), "--study", "a")  # its own name
    assert again.exit_code == 0, again.output


def test_deletions_from_a_source_apply_only_when_accepted(tmp_path: Path) -> None:
    target, crafted, ids = two_studies(tmp_path)
    sql(
        crafted,
        "UPDATE entries SET deleted_at = '2099-01-01T00:00:00.000+00:00', "
        "updated_at = '2099-01-01T00:00:00.000+00:00'",
    )
    dry = run("--db", str(target), "merge", str(crafted), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "  rows deleted there, kept here: entries 2 (--accept-deletions" in dry.stdout
    kept = run("--db", str(target), "merge", str(crafted))
    assert kept.exit_code == 0, kept.output
    assert "rows deleted there, kept here: entries 2" in kept.stdout
    assert sql(target, "SELECT count(*) FROM entries WHERE deleted_at IS NULL") == [(2,)]
    accepted = run("--db", str(target), "merge", str(crafted), "--accept-deletions")
    assert accepted.exit_code == 0, accepted.output
    assert "rows deleted there, deleted here (--accept-deletions): entries 2" in accepted.stdout
    assert sql(target, "SELECT count(*) FROM entries WHERE deleted_at IS NULL") == [(0,)]


def test_ids_and_times_in_other_spellings_are_the_same_rows(tmp_path: Path) -> None:
    target, crafted, ids = two_studies(tmp_path)
    for table in ("studies", "stages", "channels", "prompts", "participants", "sessions"):
        sql(crafted, f"UPDATE {table} SET id = upper(id)")
    sql(crafted, "UPDATE entries SET id = upper(id), session_id = upper(session_id), "
        "stage_id = upper(stage_id), channel_id = upper(channel_id)")  # fmt: skip
    sql(crafted, "UPDATE sessions SET study_id = upper(study_id), "
        "participant_id = upper(participant_id), current_stage_id = upper(current_stage_id), "
        "started_at = replace(started_at, '+00:00', 'Z')")  # fmt: skip
    for table in ("stages", "channels", "prompts", "participants", "tags"):
        sql(crafted, f"UPDATE {table} SET study_id = upper(study_id)")
    sql(crafted, "UPDATE prompts SET stage_id = upper(stage_id)")
    sql(crafted, "UPDATE entry_tags SET entry_id = upper(entry_id), tag_id = upper(tag_id)")
    sql(crafted, "UPDATE tags SET id = upper(id)")
    sql(crafted, "UPDATE stage_progress SET session_id = upper(session_id), "
        "stage_id = upper(stage_id)")  # fmt: skip
    sql(crafted, "UPDATE drafts SET session_id = upper(session_id)")
    before = sql(target, "SELECT count(*) FROM entries")
    result = run("--db", str(target), "merge", str(crafted))
    assert result.exit_code == 0, result.output
    assert "0 rows added, 0 conflicts" in result.stdout
    assert sql(target, "SELECT count(*) FROM entries") == before
    assert sql(target, "SELECT count(*) FROM entries WHERE id <> lower(id)") == [(0,)]


# -- deep, huge and odd input -------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ('{"format": "journey-export", "version": ' + "9" * 5000 + "}", "not a journey JSON"),
        ('{"format": "journey-export", "version": 1, "studies": [{"a": ' * 5000, "too deeply"),
    ],
    ids=["deep", "huge number", "deep and cut"],
)
def test_deep_or_huge_json_gives_one_line(tmp_path: Path, content: str, words: str) -> None:
    target = interview_database(tmp_path / "t.db")
    file = tmp_path / "odd.json"
    file.write_text(content)
    error = one_line_error(run("--db", str(target), "import", str(file)))
    assert words in error


# -- read-only writes nothing; a long name does not break a file name ------------------------


def study_id_of(path: Path) -> str:
    ((found,),) = sql(path, "SELECT id FROM studies LIMIT 1")
    return found


async def test_read_only_offers_no_screenshot_and_writes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = interview_database(tmp_path / "r.db")
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*") if not p.name.endswith(("-wal", "-shm")))
    review = make_app(db, review=ReviewRequest(study_id_of(db)), read_only=True, cursor_blink=False)
    async with review.run_test() as pilot:
        titles = [command.title for command in review.get_system_commands(review.screen)]
        assert "Quit" in titles
        assert not any("screenshot" in title.lower() for title in titles)
        review.action_screenshot()
        await pilot.pause()
        assert any("Read-only: nothing is written" in str(n.message) for n in review._notifications)
    # SQLite's own -wal and -shm beside the database (needed to read it) aside, nothing.
    after = sorted(p.name for p in tmp_path.rglob("*") if not p.name.endswith(("-wal", "-shm")))
    assert after == before


async def test_x_exports_a_study_of_a_long_name_in_short_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "long.db"
    with open_database(db, create=True) as handle:
        study = new_study(handle, "Étude " + "é" * 190)
        InterviewSession.start(handle, study, "P01", consent=True).add("goal", "a gift")
    monkeypatch.chdir(tmp_path)
    review = make_app(db, review=ReviewRequest(study.id), cursor_blink=False)
    async with review.run_test() as pilot:
        await pilot.pause()
        await review.workers.wait_for_complete()
        await pilot.press("x")
        await review.workers.wait_for_complete()
        await pilot.pause()
    written = sorted(tmp_path.glob("journey-*"))
    assert [p.suffix for p in written] == [".csv", ".md"]
    assert all(len(p.name.encode()) < 120 for p in written)
    assert all(p.name.startswith("journey-tude-") for p in written)


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "no-such-codec"])
def test_an_encoding_that_is_no_text_encoding_gives_one_line(tmp_path: Path, encoding: str) -> None:
    target = interview_database(tmp_path / "t.db")
    file = tmp_path / "in.csv"
    file.write_text("study,stage,lane,text\n")
    error = one_line_error(run("--db", str(target), "import", str(file), "--encoding", encoding))
    assert f"{encoding!r} is not a text encoding" in error or "unknown encoding" in error
