"""The `journey` command through Typer's CliRunner: every command, every bad input.

With Click 8.2+ the runner keeps the streams apart: `result.stdout`,
`result.stderr`, and `result.output` (both, interleaved). Error lines go to
standard error, so the assertions below look at `stderr` for them and at
`output` for "nothing else was printed".
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from journey.capture.figures import round_half_away
from journey.tui.cli import app

COMMANDS = ("init", "demo", "stats", "check", "backup")
REGISTERED = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
LANES = (
    "goal",
    "need",
    "expectation",
    "touchpoint",
    "pain",
    "delight",
    "quote",
    "opportunity",
    "note",
)
STAGES = {
    "five-stage": ["Awareness", "Consideration", "Decision", "Retention", "Advocacy"],
    "four-stage": ["Awareness", "Consideration", "Acquisition", "Retention"],
    "six-stage": [
        "Need recognition",
        "Research",
        "Evaluation",
        "Purchase decision",
        "Purchase evaluation",
        "Advocacy",
    ],
}


# --- helpers -----------------------------------------------------------------


def invoke(runner: CliRunner, db: Path | None, *args: str, **kwargs):
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    return runner.invoke(app, argv, **kwargs)


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    # A clean exit (typer.Exit / usage error) or none; never an escaped exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def assert_one_line_error(result, *mentions: str, code: int = 1, alone: bool = True) -> str:
    """Exit `code`, one line on stderr starting with "journey: ", naming `mentions`.

    `alone`: nothing at all on stdout either (the whole output is that one line).
    """
    assert result.exit_code == code, result.output
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("journey: "), lines[0]
    for mention in mentions:
        assert mention in lines[0], (mention, lines[0])
    if alone:
        assert result.stdout == ""
        assert result.output.splitlines() == lines
    return lines[0]


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def scalar(path: Path, sql: str, params: tuple = ()):
    return query(path, sql, params)[0][0]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def study_stages(path: Path, study: str) -> list[str]:
    return [
        row[0]
        for row in query(
            path,
            "SELECT st.name FROM stages st JOIN studies s ON s.id = st.study_id "
            "WHERE s.name = ? ORDER BY st.position",
            (study,),
        )
    ]


def sessions_of(path: Path, study: str) -> int:
    return scalar(
        path,
        "SELECT count(*) FROM sessions x JOIN studies s ON s.id = x.study_id WHERE s.name = ?",
        (study,),
    )


def expected_stats(path: Path, study: str) -> list[dict]:
    """`journey stats`, computed here straight from the tables by DESIGN.md's words:
    evidence (interview and survey) sessions only; a session reached a stage when it
    reached it or dropped out there, or reached a later stage without skipping it."""
    evidence = "SELECT id FROM sessions WHERE mode <> 'workshop'"
    stages = query(
        path,
        "SELECT st.id, st.position, st.name FROM stages st JOIN studies s "
        "ON s.id = st.study_id WHERE s.name = ? ORDER BY st.position",
        (study,),
    )
    outcome: dict[tuple[str, int], str] = {}
    furthest: dict[str, int] = {}
    for session_id, position, recorded in query(
        path,
        "SELECT sp.session_id, st.position, sp.outcome FROM stage_progress sp "
        f"JOIN stages st ON st.id = sp.stage_id WHERE sp.session_id IN ({evidence})",
    ):
        outcome[(session_id, position)] = recorded
        if recorded in ("reached", "dropped"):
            furthest[session_id] = max(furthest.get(session_id, 0), position)
    result = []
    for stage_id, position, name in stages:
        at_stage = [outcome.get((session, position)) for session in furthest]
        reached = sum(
            1
            for session, far in furthest.items()
            if outcome.get((session, position)) in ("reached", "dropped")
            or (outcome.get((session, position)) is None and far > position)
        )
        lanes = dict(
            query(
                path,
                "SELECT lane, count(*) FROM entries WHERE stage_id = ? AND deleted_at IS NULL "
                f"AND session_id IN ({evidence}) GROUP BY lane",
                (stage_id,),
            )
        )
        mean, n = query(
            path,
            "SELECT avg(emotion), count(emotion) FROM entries "
            f"WHERE stage_id = ? AND deleted_at IS NULL AND session_id IN ({evidence})",
            (stage_id,),
        )[0]
        result.append(
            {
                "position": position,
                "stage": name,
                "reached": reached,
                "dropped": at_stage.count("dropped"),
                "skipped": sum(
                    1
                    for (_s, p), recorded in outcome.items()
                    if p == position and recorded == "skipped"
                ),
                "entries": {lane: lanes.get(lane, 0) for lane in LANES},
                "mean": mean,
                "n": n,
            }
        )
    return result


def table_row(text: str, label: str) -> list[str]:
    """The cells of the row of a rich table whose first cell is `label`."""
    for line in text.splitlines():
        line = line.replace("┃", "│").strip()
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in:\n{text}")


@pytest.fixture
def no_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error paths of the bare `journey` must fail before any screen: if the app
    were ever built, fail the test instead of starting Textual inside the runner."""

    import journey.tui.app

    def refuse(*args, **kwargs):
        raise AssertionError("the TUI was started")

    monkeypatch.setattr(journey.tui.app, "make_app", refuse)


BAD_KINDS = ("text", "empty", "truncated", "newer", "folder")


@pytest.fixture
def make_bad(tmp_path: Path, demo_db: Path) -> Callable[[str], Path]:
    """Files that are not usable journey databases, beside (not in) the demo one."""
    folder = tmp_path / "bad"
    folder.mkdir()

    def make(kind: str) -> Path:
        path = folder / f"{kind}.db"
        if kind == "missing":
            return path
        if kind == "text":
            path.write_text("name,stage\nAna,Awareness\n", encoding="utf-8")
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "truncated":
            data = demo_db.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        elif kind == "newer":
            shutil.copyfile(demo_db, path)
            conn = sqlite3.connect(path)
            conn.execute(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('journey', 'm999_from_the_future', '2031-01-01T00:00:00')"
            )
            conn.commit()
            conn.close()
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        elif kind == "folder":
            path.mkdir()
        else:  # pragma: no cover
            raise ValueError(kind)
        return path

    return make


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


# --- help --------------------------------------------------------------------


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Without a command, opens the TUI" in result.stdout
    assert "--db" in result.stdout
    assert "JOURNEY_DB" in result.stdout
    assert set(COMMANDS) <= set(REGISTERED)
    for command in REGISTERED:
        assert f"  {command} " in result.stdout, command


@pytest.mark.parametrize("command", REGISTERED)
def test_each_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout and command in result.stdout
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    assert click_command.help and click_command.help.strip()
    first_line = click_command.help.strip().splitlines()[0]
    assert " ".join(first_line.split()) in " ".join(result.stdout.split())
    for param in click_command.params:
        assert getattr(param, "help", None), f"{command}: {param.name} has no help"


@pytest.mark.parametrize("command", [*REGISTERED, "study list", "study rename", "study delete"])
def test_help_names_values_not_python_types(runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    for python_type in ("<str>", "<int>", "<path>", "<float>", "<list[", "{"):
        assert python_type not in result.stdout, (command, python_type)


def test_help_of_study_and_export_reads_as_words(runner: CliRunner) -> None:
    assert "--study STUDY" in runner.invoke(app, ["export", "--help"]).stdout
    merge_help = runner.invoke(app, ["merge", "--help"]).stdout
    assert " merge [OPTIONS] SOURCES...\n" in merge_help
    import_help = runner.invoke(app, ["import", "--help"]).stdout
    assert " import [OPTIONS] FILE\n" in import_help


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (["export", "--format", "nope"], "csv|xlsx|json|md|mermaid"),
        (["export", "--shape", "nope"], "entries|sessions|map|touchpoints|all"),
        (["capture", "--mode", "nope"], "interview|survey"),
        (["merge", "--participants", "nope", "x.db"], "refuse|rename|same"),
    ],
)
def test_choices_are_checked_and_listed(
    runner: CliRunner, tmp_path: Path, no_tui, args: list[str], choices: str
) -> None:
    result = invoke(runner, tmp_path / "journey.db", *args)
    assert result.exit_code == 2
    assert "'nope' is not one of" in result.stderr, result.stderr
    assert "Value error" not in result.stderr
    for choice in choices.split("|"):
        assert f"'{choice}'" in result.stderr
    assert choices in runner.invoke(app, [args[0], "--help"]).stdout
    assert not (tmp_path / "journey.db").exists()


def test_help_creates_no_database(runner: CliRunner, tmp_path: Path, no_tui) -> None:
    before = listing(tmp_path)
    result = invoke(runner, tmp_path / "journey.db", "--help")
    assert result.exit_code == 0
    assert listing(tmp_path) == before


def test_unknown_command_is_a_usage_error(runner: CliRunner, tmp_path: Path, no_tui) -> None:
    db = tmp_path / "journey.db"
    result = invoke(runner, db, "frobnicate")
    assert result.exit_code == 2
    assert "frobnicate" in result.stderr
    assert_no_traceback(result)
    assert not db.exists()


# --- init --------------------------------------------------------------------


def test_init_creates_a_private_wal_database(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Created {db} (readable only by you)\n"
    assert result.stderr == ""
    assert db.is_file()
    assert mode_of(db) == 0o600
    assert scalar(db, "PRAGMA journal_mode") == "wal"
    assert scalar(db, "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'journey'")
    assert scalar(db, "SELECT count(*) FROM studies") == 0
    tables = {row[0] for row in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"studies", "stages", "channels", "prompts", "participants", "sessions"} <= tables
    assert {"entries", "stage_progress", "tags", "entry_tags", "edits", "drafts"} <= tables


def test_init_with_study_uses_the_default_template(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "Checkout")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Created {db} (readable only by you)"
    assert lines[1] == (
        "Created study 'Checkout' (five-stage: "
        "Awareness > Consideration > Decision > Retention > Advocacy)"
    )
    assert study_stages(db, "Checkout") == STAGES["five-stage"]
    assert query(db, "SELECT template FROM studies") == [("five-stage",)]
    assert scalar(db, "SELECT count(*) FROM channels") == 14
    assert scalar(db, "SELECT count(*) FROM prompts") > 0


@pytest.mark.parametrize("template", ["four-stage", "six-stage", "five-stage"])
def test_init_with_each_built_in_template(runner: CliRunner, tmp_path: Path, template: str) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "Study A", "--template", template)
    assert result.exit_code == 0, result.output
    assert f"({template}: {' > '.join(STAGES[template])})" in result.stdout
    assert study_stages(db, "Study A") == STAGES[template]
    assert query(db, "SELECT template FROM studies") == [(template,)]
    # Every stage of a built-in template comes with its interview guide.
    assert (
        scalar(
            db,
            "SELECT count(*) FROM stages st WHERE NOT EXISTS "
            "(SELECT 1 FROM prompts p WHERE p.stage_id = st.id)",
        )
        == 0
    )


def test_init_with_a_custom_template_file(runner: CliRunner, tmp_path: Path) -> None:
    template = tmp_path / "onboarding.toml"
    template.write_text(
        """
name = "onboarding"
description = "From sign-up to first value"
channels = ["App", "Email"]

[[stages]]
name = "Sign-up"
prompts = [
    { lane = "goal", text = "Why did you sign up?" },
    { lane = "touchpoint", text = "Where did you sign up?", answer_type = "channel" },
]

[[stages]]
name = "First value"
description = "The first time it helped."
""",
        encoding="utf-8",
    )
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "Onboarding", "--template", str(template))
    assert result.exit_code == 0, result.output
    assert "Created study 'Onboarding' (onboarding: Sign-up > First value)" in result.stdout
    assert study_stages(db, "Onboarding") == ["Sign-up", "First value"]
    assert query(db, "SELECT template, description FROM studies") == [
        ("onboarding", "From sign-up to first value")
    ]
    assert sorted(row[0] for row in query(db, "SELECT name FROM channels")) == ["App", "Email"]
    assert query(db, "SELECT lane, text, answer_type FROM prompts ORDER BY position") == [
        ("goal", "Why did you sign up?", "text"),
        ("touchpoint", "Where did you sign up?", "channel"),
    ]


def test_custom_template_without_a_name_is_named_after_the_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    template = tmp_path / "b2b-renewal.toml"
    template.write_text('[[stages]]\nname = "Renewal"\n', encoding="utf-8")
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "R", "--template", str(template))
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT template FROM studies") == [("b2b-renewal",)]
    assert study_stages(db, "R") == ["Renewal"]


def test_init_again_is_idempotent(runner: CliRunner, study_db: Path) -> None:
    before = study_db.read_bytes()
    for _ in range(2):
        result = invoke(runner, study_db, "init")
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{study_db}: already a journey database\n"
        assert result.stderr == ""
    assert study_db.read_bytes() == before
    assert query(study_db, "SELECT name FROM studies") == [("Checkout study",)]
    assert mode_of(study_db) == 0o600


def test_init_on_an_existing_database_adds_a_study(runner: CliRunner, study_db: Path) -> None:
    result = invoke(runner, study_db, "init", "--study", "Returns", "--template", "four-stage")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{study_db}: already a journey database"
    assert sorted(row[0] for row in query(study_db, "SELECT name FROM studies")) == [
        "Checkout study",
        "Returns",
    ]
    assert study_stages(study_db, "Returns") == STAGES["four-stage"]
    assert study_stages(study_db, "Checkout study") == STAGES["five-stage"]


def test_init_on_an_empty_sqlite_file_makes_it_a_journey_database(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "blank.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 1")  # writes the header of a database with no tables
    conn.close()
    assert db.stat().st_size > 0
    result = invoke(runner, db, "init", "--study", "S")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{db}: already a journey database"
    assert study_stages(db, "S") == STAGES["five-stage"]


@pytest.mark.parametrize("template", ["four-stage", "five-stage"])
def test_template_without_study_is_an_error(
    runner: CliRunner, tmp_path: Path, template: str
) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--template", template)
    assert result.exit_code == 2
    assert "--template needs --study" in result.stderr
    assert_no_traceback(result)
    assert not db.exists()
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("name", ["Checkout study", "checkout STUDY", "  Checkout study  "])
def test_init_duplicate_study_is_a_one_line_error(
    runner: CliRunner, study_db: Path, name: str
) -> None:
    result = invoke(runner, study_db, "init", "--study", name)
    # stdout says the database was already there; the error is its own line.
    line = assert_one_line_error(result, "already exists", alone=False)
    assert name.strip().casefold() in line.casefold()
    assert result.stdout == f"{study_db}: already a journey database\n"
    assert query(study_db, "SELECT name FROM studies") == [("Checkout study",)]
    assert scalar(study_db, "SELECT count(*) FROM stages") == 5


def test_init_blank_study_name_is_a_one_line_error(runner: CliRunner, study_db: Path) -> None:
    result = invoke(runner, study_db, "init", "--study", "   ")
    assert_one_line_error(result, "needs a name", alone=False)
    assert scalar(study_db, "SELECT count(*) FROM studies") == 1


def test_init_honours_journey_db(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    result = runner.invoke(app, ["init", "--study", "Env"], env={"JOURNEY_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert f"Created {db}" in result.stdout
    assert study_stages(db, "Env") == STAGES["five-stage"]
    # and the other commands read it too
    result = runner.invoke(app, ["stats", "--json"], env={"JOURNEY_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["study"] == "Env"


def test_db_option_wins_over_journey_db(runner: CliRunner, tmp_path: Path) -> None:
    from_env = tmp_path / "env.db"
    from_option = tmp_path / "option.db"
    result = runner.invoke(
        app, ["--db", str(from_option), "init"], env={"JOURNEY_DB": str(from_env)}
    )
    assert result.exit_code == 0, result.output
    assert from_option.exists()
    assert not from_env.exists()


def test_init_in_a_missing_folder_is_a_one_line_error(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "nowhere" / "journey.db"
    result = invoke(runner, db, "init")
    assert_one_line_error(result, str(db), "folder does not exist")
    assert not db.parent.exists()


def test_init_refuses_a_stray_wal_file(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "journey.db"
    wal = tmp_path / "journey.db-wal"
    wal.write_bytes(b"left over")
    result = invoke(runner, db, "init")
    assert_one_line_error(result, str(db), "journey.db-wal")
    assert not db.exists()
    assert wal.read_bytes() == b"left over"


# --- template errors ---------------------------------------------------------

TEMPLATE_ERRORS = {
    "syntax": ('name = "broken\n[[stages]]\nname = "A"\n', "not valid TOML"),
    "unknown-key": ('colour = "red"\n[[stages]]\nname = "A"\n', "colour: unknown key"),
    "unknown-stage-key": ('[[stages]]\nname = "A"\nlength = 3\n', "stages[1].length: unknown key"),
    "no-stages": ('name = "empty"\ndescription = "nothing"\n', "stages:"),
    "empty-stages": ("stages = []\n", "stages:"),
    "duplicate-stages": (
        '[[stages]]\nname = "Awareness"\n[[stages]]\nname = "awareness"\n',
        "stages: 'awareness' appears twice",
    ),
    "stage-without-name": ('[[stages]]\ndescription = "x"\n', "stages[1].name"),
    "bad-lane": (
        '[[stages]]\nname = "A"\nprompts = [{ lane = "feeling", text = "How?" }]\n',
        "stages[1].prompts[1].lane",
    ),
    "bad-answer-type": (
        '[[stages]]\nname = "A"\nprompts = [{ lane = "goal", text = "Q", answer_type = "x" }]\n',
        "stages[1].prompts[1].answer_type",
    ),
    "bad-channels": ('channels = "Email"\n[[stages]]\nname = "A"\n', "channels"),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_ERRORS))
def test_bad_template_file_creates_no_database(
    runner: CliRunner, tmp_path: Path, case: str
) -> None:
    text, key = TEMPLATE_ERRORS[case]
    template = tmp_path / "bad.toml"
    template.write_text(text, encoding="utf-8")
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "X", "--template", str(template))
    assert_one_line_error(result, str(template), key)
    assert not db.exists()
    assert listing(tmp_path) == {"bad.toml"}


def test_bad_template_leaves_an_existing_database_alone(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    template = tmp_path / "bad.toml"
    template.write_text('[[stages]]\nname = "A"\n[[stages]]\nname = "A"\n', encoding="utf-8")
    before = study_db.read_bytes()
    result = invoke(runner, study_db, "init", "--study", "X", "--template", str(template))
    assert_one_line_error(result, str(template), "stages")
    assert study_db.read_bytes() == before
    assert query(study_db, "SELECT name FROM studies") == [("Checkout study",)]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("seven-stage", "unknown template"),
        ("missing.toml", "no such template file"),
    ],
)
def test_unknown_template_creates_no_database(
    runner: CliRunner, tmp_path: Path, template: str, message: str
) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "init", "--study", "X", "--template", template)
    line = assert_one_line_error(result, template, message)
    assert "five-stage" in line or "template file" in line
    assert not db.exists()


# --- demo --------------------------------------------------------------------


def test_demo_adds_sessions_to_the_demo_study(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = invoke(runner, db, "demo", "--sessions", "3")
    assert result.exit_code == 0, result.output
    entries = scalar(db, "SELECT count(*) FROM entries")
    assert result.stdout == (
        f"Added 3 interviews, 0 surveys and 0 workshops ({entries} entries) to 'Demo study'\n"
    )
    assert entries > 0
    assert sessions_of(db, "Demo study") == 3
    assert study_stages(db, "Demo study") == STAGES["five-stage"]
    assert mode_of(db) == 0o600
    assert scalar(db, "PRAGMA journal_mode") == "wal"


def test_demo_into_another_study(runner: CliRunner, study_db: Path) -> None:
    result = invoke(runner, study_db, "demo", "--sessions", "2", "--study", "Pilot")
    assert result.exit_code == 0, result.output
    assert "to 'Pilot'" in result.stdout
    assert sessions_of(study_db, "Pilot") == 2
    assert sessions_of(study_db, "Checkout study") == 0
    assert scalar(study_db, "SELECT count(*) FROM studies WHERE name = 'Demo study'") == 0


def test_demo_grows_its_own_study_and_never_a_research_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "six.db"
    assert invoke(runner, db, "init", "--study", "Six", "--template", "six-stage").exit_code == 0
    refused = invoke(runner, db, "demo", "--sessions", "2", "--study", "six")  # any case
    assert refused.exit_code == 1
    assert "study 'Six' holds research, not demo data" in refused.output
    assert "Traceback" not in refused.output
    assert sessions_of(db, "Six") == 0

    assert invoke(runner, db, "demo", "--sessions", "2", "--study", "Trial").exit_code == 0
    grown = invoke(runner, db, "demo", "--sessions", "1", "--study", "TRIAL", "--seed", "2")
    assert grown.exit_code == 0, grown.output
    assert "to 'Trial'" in grown.stdout
    assert sessions_of(db, "Trial") == 3
    assert scalar(db, "SELECT count(*) FROM studies") == 2
    # every demo entry sits on a stage of the demo study
    assert (
        scalar(
            db,
            "SELECT count(*) FROM entries e JOIN stages st ON st.id = e.stage_id "
            "JOIN studies s ON s.id = st.study_id WHERE s.name != 'Trial'",
        )
        == 0
    )


def _entries(db: Path) -> list[tuple]:
    return query(db, "SELECT lane, text, emotion, effort FROM entries ORDER BY rowid")


def test_demo_same_seed_same_data(runner: CliRunner, tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    for db, seed in ((first, "7"), (second, "7"), (other, "8")):
        result = invoke(runner, db, "demo", "--sessions", "4", "--seed", seed)
        assert result.exit_code == 0, result.output
    assert _entries(first)
    assert _entries(first) == _entries(second)
    assert _entries(first) != _entries(other)


def test_demo_repeated_runs_grow_one_study(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    added = 0
    for count in (2, 3):
        result = invoke(runner, db, "demo", "--sessions", str(count))
        assert result.exit_code == 0, result.output
        added += int(result.stdout.split("(")[1].split()[0])
    assert sessions_of(db, "Demo study") == 5
    assert scalar(db, "SELECT count(*) FROM studies") == 1
    assert scalar(db, "SELECT count(*) FROM stages") == 5
    assert scalar(db, "SELECT count(*) FROM entries") == added


@pytest.mark.parametrize("sessions", ["0", "-3", "many"])
def test_demo_rejects_bad_session_counts(runner: CliRunner, tmp_path: Path, sessions: str) -> None:
    db = tmp_path / "demo.db"
    result = invoke(runner, db, "demo", "--sessions", sessions)
    assert result.exit_code == 2
    assert "--sessions" in result.stderr
    assert_no_traceback(result)
    assert not db.exists()
    assert listing(tmp_path) == set()


def test_demo_rejects_bad_session_count_on_existing_db(runner: CliRunner, study_db: Path) -> None:
    before = study_db.read_bytes()
    result = invoke(runner, study_db, "demo", "--sessions", "0")
    assert result.exit_code == 2
    assert study_db.read_bytes() == before


def test_demo_big_run_prints_one_line(runner: CliRunner, tmp_path: Path) -> None:
    """From 500 sessions a progress bar goes to stderr; stdout stays one line."""
    db = tmp_path / "big.db"
    result = invoke(runner, db, "demo", "--sessions", "500")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added ")
    by_mode = dict(query(db, "SELECT mode, count(*) FROM sessions GROUP BY mode"))
    assert result.stdout.startswith(
        f"Added {by_mode['interview']} interviews, {by_mode['survey']} surveys and "
        f"{by_mode['workshop']} workshops ("
    )
    assert sum(by_mode.values()) == 500
    assert len(result.stdout.splitlines()) == 1
    assert sessions_of(db, "Demo study") == 500


# --- stats -------------------------------------------------------------------


def test_stats_table_matches_the_database(runner: CliRunner, demo_db: Path) -> None:
    result = invoke(runner, demo_db, "stats")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    assert text.lstrip().startswith("Demo study")
    expected = expected_stats(demo_db, "Demo study")
    header = table_row(text, "")
    assert header == [row["stage"] for row in expected] == STAGES["five-stage"]
    for key in ("reached", "dropped", "skipped"):
        assert table_row(text, key) == [str(row[key]) for row in expected], key
    for lane in LANES:
        assert table_row(text, lane) == [str(row["entries"][lane]) for row in expected], lane
    assert table_row(text, "entries") == [str(sum(row["entries"].values())) for row in expected]
    assert table_row(text, "emotion") == [
        "-" if row["mean"] is None else f"{row['mean']:+.2f}" for row in expected
    ]
    assert table_row(text, "emotion n") == [str(row["n"]) for row in expected]
    # the demo data is not trivially empty
    assert expected[0]["reached"] == 12
    assert sum(row["dropped"] for row in expected) > 0


def test_stats_table_names_every_stage_of_a_six_stage_study(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "six.db"
    demo = ("demo", "--sessions", "2", "--study", "Six", "--template", "six-stage")
    assert invoke(runner, db, *demo).exit_code == 0
    # wide enough that rich does not shorten the headers of the piped table
    result = invoke(runner, db, "stats", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert table_row(result.stdout, "") == STAGES["six-stage"]
    expected = expected_stats(db, "Six")
    assert table_row(result.stdout, "reached") == [str(row["reached"]) for row in expected]
    assert table_row(result.stdout, "entries") == [
        str(sum(row["entries"].values())) for row in expected
    ]


def test_stats_json_matches_the_database(runner: CliRunner, demo_db: Path) -> None:
    # A deleted entry no longer counts.
    conn = sqlite3.connect(demo_db)
    conn.execute(
        "UPDATE entries SET deleted_at = '2026-01-01' "
        "WHERE rowid = (SELECT min(rowid) FROM entries)"
    )
    conn.commit()
    conn.close()
    result = invoke(runner, demo_db, "stats", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["study"] == "Demo study"
    expected = expected_stats(demo_db, "Demo study")
    assert len(payload["stages"]) == len(expected) == 5
    for got, want in zip(payload["stages"], expected, strict=True):
        assert got["position"] == want["position"]
        assert got["stage"] == want["stage"]
        assert got["reached"] == want["reached"]
        assert got["dropped"] == want["dropped"]
        assert got["skipped"] == want["skipped"]
        assert got["entries"] == want["entries"]
        assert list(got["entries"]) == list(LANES)
        assert got["emotion"]["n"] == want["n"]
        # Two decimals, rounded half away from zero, as every figure journey writes.
        assert got["emotion"]["mean"] == float(round_half_away(want["mean"]))
        assert got["emotion"]["spread"] is None or got["emotion"]["spread"] >= 0
    total = sum(sum(stage["entries"].values()) for stage in payload["stages"])
    assert total == scalar(demo_db, "SELECT count(*) FROM entries") - 1


def test_stats_of_a_study_without_sessions(runner: CliRunner, study_db: Path) -> None:
    result = invoke(runner, study_db, "stats", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [s["stage"] for s in payload["stages"]] == STAGES["five-stage"]
    for stage in payload["stages"]:
        assert stage["reached"] == stage["dropped"] == stage["skipped"] == 0
        assert set(stage["entries"].values()) == {0}
        assert stage["emotion"] == {"mean": None, "spread": None, "n": 0}
    table = invoke(runner, study_db, "stats")
    assert table.exit_code == 0
    assert table_row(table.stdout, "emotion") == ["-"] * 5


def test_stats_is_read_only(runner: CliRunner, demo_db: Path) -> None:
    before = demo_db.read_bytes()
    assert invoke(runner, demo_db, "stats").exit_code == 0
    assert invoke(runner, demo_db, "stats", "--json").exit_code == 0
    assert demo_db.read_bytes() == before


def test_stats_names_the_study_case_insensitively(runner: CliRunner, demo_db: Path) -> None:
    assert invoke(runner, demo_db, "init", "--study", "Second").exit_code == 0
    result = invoke(runner, demo_db, "stats", "--study", "demo STUDY", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["study"] == "Demo study"


def test_stats_with_several_studies_needs_study(runner: CliRunner, demo_db: Path) -> None:
    assert invoke(runner, demo_db, "init", "--study", "Checkout").exit_code == 0
    for args in (["stats"], ["stats", "--json"]):
        result = invoke(runner, demo_db, *args)
        assert_one_line_error(result, "--study", "'Checkout'", "'Demo study'")


def test_stats_unknown_study_names_the_available_ones(runner: CliRunner, demo_db: Path) -> None:
    assert invoke(runner, demo_db, "init", "--study", "Checkout").exit_code == 0
    result = invoke(runner, demo_db, "stats", "--study", "Nope")
    assert_one_line_error(result, "'Nope'", "Checkout", "Demo study")


def test_stats_on_a_database_without_studies(runner: CliRunner, db_path: Path) -> None:
    result = invoke(runner, db_path, "stats")
    assert_one_line_error(result, "no study")
    result = invoke(runner, db_path, "stats", "--study", "Anything")
    assert_one_line_error(result, "'Anything'", "none yet")


# --- check -------------------------------------------------------------------


def test_check_on_a_sound_database(runner: CliRunner, demo_db: Path) -> None:
    before = demo_db.read_bytes()
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"database:     {demo_db}"
    assert "integrity:    ok" in lines
    assert "foreign keys: ok" in lines
    assert "file mode:    0600" in lines
    assert any(line.startswith("schema:       ") for line in lines)
    assert lines[-1] == "sound"
    assert demo_db.read_bytes() == before


def test_check_warns_about_a_world_readable_file(runner: CliRunner, demo_db: Path) -> None:
    demo_db.chmod(0o644)
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 0, result.output
    assert "file mode:    0644" in result.stdout
    assert result.stdout.splitlines()[-1] == "sound"
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: ")
    assert "readable by every user" in warnings[0]
    assert f"chmod 600 {demo_db}" in warnings[0]
    assert mode_of(demo_db) == 0o644  # check reports, it does not change the file


def test_check_fails_on_overwritten_pages(runner: CliRunner, demo_db: Path) -> None:
    assert demo_db.stat().st_size > 8192 + 4096 * 4
    with demo_db.open("r+b") as handle:
        handle.seek(8192)
        handle.write(b"\xff" * 4096)
    before = demo_db.read_bytes()
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert "sound" not in result.stdout.splitlines()
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("journey: ")
    assert "damaged" in errors[0]
    if result.stdout:  # the report was printed: integrity names the problem
        assert "integrity:    ok" not in result.stdout
    assert demo_db.read_bytes() == before


def test_check_reports_an_index_that_does_not_match(runner: CliRunner, demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA writable_schema = ON")
    changed = conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, '(session_id, created_at)', "
        "'(created_at, session_id)') WHERE name = 'entries_session'"
    ).rowcount
    conn.commit()
    conn.close()
    assert changed == 1
    before = demo_db.read_bytes()
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert "missing from index entries_session" in result.stdout
    assert "sound" not in result.stdout.splitlines()
    assert result.stderr == "journey: the database is damaged; restore it from a backup\n"
    assert demo_db.read_bytes() == before


def test_check_reports_foreign_key_problems(runner: CliRunner, demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)  # foreign keys are off in a bare connection
    conn.execute(
        "INSERT INTO entries (id, session_id, stage_id, lane, text, created_at, updated_at) "
        "SELECT 'orphan', 'no-such-session', stage_id, lane, text, created_at, updated_at "
        "FROM entries LIMIT 1"
    )
    conn.commit()
    conn.close()
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 1, result.output
    assert "integrity:    ok" in result.stdout
    assert "foreign keys: 1" in result.stdout
    # Named, with the rows that break journey's own rules (an id that is no UUID).
    assert "  entries: 1 row points at no sessions row" in result.stdout.splitlines()
    assert "  entries: 1 row: id 'orphan' is not an id (a UUID) (the first: row 'orphan')" in (
        result.stdout.splitlines()
    )
    assert result.stderr.startswith("journey: the database holds rows that break journey's rules")
    assert "foreign keys: 1 (orphaned rows, not damage: delete them)" in result.stdout
    assert "not damaged and a restore is not the fix" in result.stderr  # an orphan is no damage
    assert "restore it from a backup" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_check_names_control_characters_and_values_out_of_range(
    runner: CliRunner, demo_db: Path
) -> None:
    conn = sqlite3.connect(demo_db)
    (entry_id,) = conn.execute("SELECT id FROM entries ORDER BY rowid LIMIT 1").fetchone()
    conn.execute("UPDATE entries SET text = 'ok \x1b]0;owned\x07 here' WHERE id = ?", [entry_id])
    conn.execute("UPDATE entries SET votes = -1000000 WHERE id = ?", [entry_id])
    conn.execute("UPDATE studies SET name = 'Demo \u202estudy'")
    conn.commit()
    conn.close()
    result = invoke(runner, demo_db, "check")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert f"  entries: 1 row: text holds control characters (the first: row {entry_id!r})" in lines
    assert (
        f"  entries: 1 row: votes -1000000 is outside 0..1,000,000 (the first: row {entry_id!r})"
        in lines
    )
    assert any(line.startswith("  studies: 1 row: name holds control characters") for line in lines)
    assert "rows:         3 rules broken (rows written outside journey, not damage)" in lines
    # What check prints is cleaned too: no escape or bidi override reaches the terminal.
    assert "\x1b" not in result.output and "\u202e" not in result.output


# --- backup ------------------------------------------------------------------


def test_backup_writes_a_private_readable_copy(
    runner: CliRunner, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copies" / "copy.db"
    out.parent.mkdir()
    before = demo_db.read_bytes()
    result = invoke(runner, demo_db, "backup", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Backed up {demo_db} to {out}\n"
    assert result.stderr == ""
    assert mode_of(out) == 0o600
    assert listing(out.parent) == {"copy.db"}  # no temporary file left behind
    assert demo_db.read_bytes() == before
    original = invoke(runner, demo_db, "stats", "--json")
    copy = invoke(runner, out, "stats", "--json")
    assert copy.exit_code == 0, copy.output
    assert json.loads(copy.stdout) == json.loads(original.stdout)
    assert invoke(runner, out, "check").exit_code == 0


def test_backup_refuses_an_existing_file(runner: CliRunner, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.db"
    out.write_bytes(b"keep me")
    out.chmod(0o644)
    result = invoke(runner, demo_db, "backup", str(out))
    assert_one_line_error(result, str(out), "--force")
    assert out.read_bytes() == b"keep me"
    assert mode_of(out) == 0o644


def test_backup_force_replaces_an_existing_file(
    runner: CliRunner, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy.db"
    out.write_bytes(b"old backup")
    out.chmod(0o644)
    result = invoke(runner, demo_db, "backup", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"SQLite format 3\x00")
    assert mode_of(out) == 0o600
    assert sessions_of(out, "Demo study") == 12
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_backup_into_a_missing_folder(runner: CliRunner, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "copy.db"
    before = listing(tmp_path)
    result = invoke(runner, demo_db, "backup", str(out))
    assert_one_line_error(result, "nowhere", "no such folder")
    assert not out.parent.exists()
    # (reading the WAL database may add its -wal/-shm beside it; nothing else appears)
    assert listing(tmp_path) - {"journey.db-wal", "journey.db-shm"} == before


@pytest.mark.parametrize("force", [False, True])
def test_backup_onto_a_folder(
    runner: CliRunner, demo_db: Path, tmp_path: Path, force: bool
) -> None:
    out = tmp_path / "folder"
    out.mkdir()
    result = invoke(runner, demo_db, "backup", str(out), *(["--force"] if force else []))
    assert_one_line_error(result, str(out))
    assert listing(out) == set()


@pytest.mark.parametrize("force", [False, True])
def test_backup_onto_the_database_itself(runner: CliRunner, demo_db: Path, force: bool) -> None:
    """Replacing the live file would leave other connections (and its -wal) behind."""
    before = demo_db.read_bytes()
    result = invoke(runner, demo_db, "backup", str(demo_db), *(["--force"] if force else []))
    assert_one_line_error(result, str(demo_db), "database itself")
    assert demo_db.read_bytes() == before
    assert invoke(runner, demo_db, "check").exit_code == 0


def test_backup_needs_out(runner: CliRunner, demo_db: Path) -> None:
    result = invoke(runner, demo_db, "backup")
    assert result.exit_code == 2
    assert "missing argument 'out'" in result.stderr.lower()
    assert_no_traceback(result)


# --- bad databases, every command --------------------------------------------

READERS = {
    "stats": ["stats"],
    "stats-json": ["stats", "--json"],
    "check": ["check"],
    "backup": ["backup", "OUT"],
    "tui": [],
}
if "capture" in REGISTERED:  # opens the TUI too, after checking the database
    READERS["capture"] = ["capture"]


def _argv(args: list[str], out: Path) -> list[str]:
    return [str(out) if arg == "OUT" else arg for arg in args]


@pytest.mark.parametrize("command", sorted(READERS))
def test_missing_database_is_not_created(
    runner: CliRunner, tmp_path: Path, command: str, no_tui
) -> None:
    db = tmp_path / "missing.db"
    out = tmp_path / "out.db"
    result = invoke(runner, db, *_argv(READERS[command], out))
    assert_one_line_error(result, str(db), "no such database")
    assert listing(tmp_path) == set()  # no db, no -wal/-shm, no backup


def test_missing_database_from_journey_db_is_not_created(
    runner: CliRunner, tmp_path: Path, no_tui
) -> None:
    db = tmp_path / "missing.db"
    for args in ([], ["stats"]):
        result = runner.invoke(app, args, env={"JOURNEY_DB": str(db)})
        assert_one_line_error(result, str(db))
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("command", sorted(READERS))
def test_bad_database_is_refused_and_untouched(
    runner: CliRunner, make_bad, tmp_path: Path, command: str, kind: str, no_tui
) -> None:
    db = make_bad(kind)
    out = tmp_path / "out.db"
    before = snapshot(db)
    result = invoke(runner, db, *_argv(READERS[command], out))
    assert_one_line_error(result, str(db))
    assert snapshot(db) == before
    assert not out.exists()
    if kind == "newer":
        assert "newer" in result.stderr


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("command", ["init", "init-study", "demo"])
def test_bad_database_is_not_overwritten_by_init_or_demo(
    runner: CliRunner, make_bad, command: str, kind: str
) -> None:
    db = make_bad(kind)
    args = {
        "init": ["init"],
        "init-study": ["init", "--study", "New"],
        "demo": ["demo", "--sessions", "1"],
    }[command]
    before = snapshot(db)
    result = invoke(runner, db, *args)
    assert_one_line_error(result, str(db))
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("text", "not a SQLite database"),
        ("empty", "empty"),
        ("truncated", "truncated"),
        ("newer", "newer journey"),
        ("folder", "folder"),
    ],
)
def test_bad_database_messages_say_what_is_wrong(
    runner: CliRunner, make_bad, kind: str, words: str
) -> None:
    db = make_bad(kind)
    result = invoke(runner, db, "stats")
    assert_one_line_error(result, str(db), words)


def test_sqlite_file_that_is_not_a_journey_database(
    runner: CliRunner, tmp_path: Path, no_tui
) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.execute("INSERT INTO customers VALUES ('Ana')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for args in (["stats"], ["check"], ["backup", str(tmp_path / "out.db")], [], ["init"]):
        result = invoke(runner, db, *args)
        assert_one_line_error(result, str(db), "not a journey database")
        assert db.read_bytes() == before
    assert not (tmp_path / "out.db").exists()


def test_default_path_bad_file_fails_before_the_tui(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_tui
) -> None:
    """The default ./journey.db may be created by the TUI, but never overwritten."""
    monkeypatch.chdir(tmp_path)
    default = tmp_path / "journey.db"
    default.write_text("not a database\n", encoding="utf-8")
    result = runner.invoke(app, [])
    assert_one_line_error(result, "journey.db", "not a SQLite database")
    assert default.read_text(encoding="utf-8") == "not a database\n"
    assert listing(tmp_path) == {"journey.db"}


def test_default_path_is_created_for_the_first_tui_run(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the default ./journey.db is created by the bare `journey` (the screen itself
    is replaced here by a recorder: no TUI runs inside the CliRunner)."""
    import journey.tui.app

    started: list[Path] = []

    class Recorder:
        return_code = 0

        def run(self) -> None:
            pass

    def make_app(db, *args, **kwargs):
        started.append(Path(db))
        return Recorder()

    monkeypatch.setattr(journey.tui.app, "make_app", make_app)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [])
    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    default = tmp_path / "journey.db"
    assert started == [Path("journey.db")]
    assert default.is_file()
    assert mode_of(default) == 0o600
    assert scalar(default, "PRAGMA journal_mode") == "wal"
    assert scalar(default, "SELECT count(*) FROM studies") == 0


def test_stats_uses_the_default_path(
    runner: CliRunner, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_db.parent)
    assert demo_db.name == "journey.db"
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["study"] == "Demo study"


def test_default_path_missing_for_a_command_is_not_created(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["stats"], ["check"], ["backup", "out.db"]):
        result = runner.invoke(app, args)
        assert_one_line_error(result, "journey.db")
    assert listing(tmp_path) == set()


def test_stray_wal_without_its_database_is_refused(
    runner: CliRunner, tmp_path: Path, no_tui
) -> None:
    """A -wal without its database: refused, nothing created, the -wal kept."""
    db = tmp_path / "journey.db"
    wal = tmp_path / "journey.db-wal"
    wal.write_bytes(b"frames")
    for args in (["stats"], ["check"], [], ["demo", "--sessions", "1"]):
        result = invoke(runner, db, *args)
        assert_one_line_error(result, str(db), "journey.db-wal")
    assert listing(tmp_path) == {"journey.db-wal"}
    assert wal.read_bytes() == b"frames"


def test_usage_errors_are_one_line_with_exit_2(runner: CliRunner, study_db: Path) -> None:
    for arguments in (
        ["demo", "--sessions", "-5"],
        ["capture", "--mode", "bogus"],
        ["merge"],
        ["no-such-command"],
        ["stats", "--no-such-option"],
    ):
        result = runner.invoke(app, ["--db", str(study_db), *arguments])
        assert result.exit_code == 2, arguments
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (arguments, result.stderr)
        assert lines[0].startswith("journey: ") and "--help" in lines[0]
        assert "Traceback" not in result.output


def test_demo_with_an_unknown_template_creates_nothing(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = invoke(runner, db, "demo", "--study", "Trial", "--template", "seven-stage")
    assert_one_line_error(result, "seven-stage")
    assert not db.exists()
