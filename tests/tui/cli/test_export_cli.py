"""`journey export` through Typer's CliRunner: what the issue must show, and every error
as one line on standard error with exit status 1 and nothing written."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.exports.writers import export_job
from journey.tui.cli import app
from tests.export_study import HYPERLINK, STUDY, build
from tests.paths import DATA

GOLDEN = DATA / "golden"
ALL_FILES = ["codebook.csv", "entries.csv", "map.csv", "sessions.csv", "touchpoints.csv"]


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fixed") / "fixed.db")


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory: pytest.TempPathFactory, fixed_db: Path) -> Path:
    path = tmp_path_factory.mktemp("two") / "two.db"
    path.write_bytes(fixed_db.read_bytes())
    result = CliRunner().invoke(
        app, ["--db", str(path), "init", "--study", "Onboarding", "--template", "four-stage"]
    )
    assert result.exit_code == 0, result.output
    return path


def export(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "export", *args])


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def live_entries(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM entries WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        conn.close()


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("journey: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- what the issue must show ---------------------------------------------------------


@pytest.mark.slow
def test_demo_then_export_to_stdout_reads_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    demo = runner.invoke(app, ["--db", str(db), "demo", "--sessions", "300"])
    assert demo.exit_code == 0, demo.output
    result = export(runner, db, "--format", "csv", "--out", "-")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout_bytes)
    assert rows[0][:3] == ["study", "session_id", "participant_code"]
    assert len(rows) - 1 == live_entries(db) > 15_000
    assert {len(row) for row in rows} == {18}
    assert (
        result.stderr == f"Exported {len(rows) - 1:,} entries of 'Demo study' to standard output\n"
    )
    # Nothing but the database (and its WAL files) was written.
    assert {p.name for p in tmp_path.iterdir()} <= {"x.db", "x.db-shm", "x.db-wal"}


def test_shape_all_writes_the_five_files(runner: CliRunner, fixed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "dir"
    out.mkdir()
    result = export(runner, fixed_db, "--shape", "all", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (
        "Exported 'Checkout study': entries.csv (22), sessions.csv (4), map.csv (27), "
        "touchpoints.csv (5), codebook.csv (88)\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ALL_FILES
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes() == (GOLDEN / path.name).read_bytes()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "entries.csv").write_text("mine")
    again = export(runner, fixed_db, "--shape", "all", "--out", str(out))
    assert_one_line_error(again, "entries.csv: already exists", "--force")
    assert (out / "entries.csv").read_text() == "mine"
    forced = export(runner, fixed_db, "--shape", "all", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_shape_all_makes_the_folder_of_the_readme_example(
    runner: CliRunner, fixed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`journey --db x.db export --shape all --out results/` with no results/ yet."""
    monkeypatch.chdir(tmp_path)
    result = export(runner, fixed_db, "--shape", "all", "--out", "results/")
    assert result.exit_code == 0, result.output
    out = tmp_path / "results"
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert sorted(p.name for p in out.iterdir()) == ALL_FILES
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes() == (GOLDEN / path.name).read_bytes()
    shared = runner.invoke(
        app,
        ["--db", str(fixed_db), "--group", "export", "--shape", "all", "--out", "team"],
    )
    assert shared.exit_code == 0, shared.output
    assert stat.S_IMODE((tmp_path / "team").stat().st_mode) == 0o770
    for path in (tmp_path / "team").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_a_typed_hyperlink_comes_out_neutralised(runner: CliRunner, fixed_db: Path) -> None:
    result = export(runner, fixed_db)
    assert result.exit_code == 0, result.output
    texts = [row[13] for row in csv_rows(result.stdout_bytes)]
    assert "'" + HYPERLINK in texts and HYPERLINK not in texts
    assert b'"\'=HYPERLINK(""http://x"",""y"")"' in result.stdout_bytes
    raw = export(runner, fixed_db, "--raw")
    assert HYPERLINK in [row[13] for row in csv_rows(raw.stdout_bytes)]


# --- standard output and files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        ((), "entries.csv"),
        (("--shape", "sessions"), "sessions.csv"),
        (("--shape", "map"), "map.csv"),
        (("--shape", "touchpoints", "--out", "-"), "touchpoints.csv"),
        (("--anonymize",), "entries-anonymized.csv"),
        (("--format", "json"), "export.json"),
        (("--format", "md"), "report.md"),
        (("--format", "mermaid"), "journey.mmd"),
        (("--format", "mermaid", "--segment", "new"), "journey-segment-new.mmd"),
        (
            ("--include-deleted", "--delimiter", ";", "--excel"),
            "entries-deleted-semicolon-excel.csv",
        ),
        (("--shape", "map", "--lanes", "goal,need"), "map-goal-need.csv"),
    ],
)
def test_streams_to_standard_output(
    runner: CliRunner, fixed_db: Path, args: tuple[str, ...], golden: str
) -> None:
    result = export(runner, fixed_db, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (GOLDEN / golden).read_bytes()
    assert result.stderr.startswith("Exported ") and result.stderr.endswith("standard output\n")


def test_writes_a_private_file(runner: CliRunner, fixed_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = export(runner, fixed_db, "--format", "md", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"Exported 3 stages (Markdown) of 'Checkout study' to {target}\n"
    assert target.read_bytes() == (GOLDEN / "report.md").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_group_files_are_0660(runner: CliRunner, fixed_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "entries.csv"
    result = runner.invoke(app, ["--db", str(fixed_db), "--group", "export", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o660


def test_anonymize_with_linkage(runner: CliRunner, fixed_db: Path, tmp_path: Path) -> None:
    target, linkage = tmp_path / "anon.csv", tmp_path / "linkage.csv"
    result = export(
        runner, fixed_db, "--anonymize", "--out", str(target), "--linkage", str(linkage)
    )
    assert result.exit_code == 0, result.output
    assert "Exported 'Checkout study': anon.csv (22), linkage.csv (4)" in result.stderr
    assert target.read_bytes() == (GOLDEN / "entries-anonymized.csv").read_bytes()
    header = csv_rows(target.read_bytes())[0]
    assert "interviewer" not in header
    assert [row[1] for row in csv_rows(linkage.read_bytes())[1:]] == ["P01", "P02", "P03", "W1"]


def test_json_of_every_study(runner: CliRunner, two_studies: Path) -> None:
    result = export(runner, two_studies, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [s["name"] for s in payload["studies"]] == [STUDY, "Onboarding"]
    assert "of 'Checkout study', 'Onboarding'" in result.stderr
    chosen = export(runner, two_studies, "--format", "md", "--study", "onboarding")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.startswith("# Journey map: Onboarding\n")


def test_a_progress_bar_for_large_exports_to_files(
    runner: CliRunner, fixed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_job, "BIG_EXPORT", 5)
    out = tmp_path / "all"
    out.mkdir()
    result = export(runner, fixed_db, "--shape", "all", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("Exported 'Checkout study': entries.csv")
    assert (out / "entries.csv").read_bytes() == (GOLDEN / "entries.csv").read_bytes()


# --- every error: one line, exit 1, nothing written ------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--study", "Nope"), ("no study named 'Nope'", "Checkout study")),
        (("--format", "xlsx"), ("--format xlsx writes a workbook: give a file with --out",)),
        (("--decimal-comma",), ("--decimal-comma needs --delimiter ';' or tab",)),
        (("--format", "json", "--decimal-comma"), ("--decimal-comma is for --format csv",)),
        (("--format", "md", "--shape", "map"), ("--shape is for --format csv",)),
        (("--format", "json", "--excel"), ("--excel is for --format csv",)),
        (("--format", "md", "--raw"), ("--raw is for --format csv",)),
        (("--delimiter", "|"), ("--delimiter: '|' is not one of ',', ';' or 'tab'",)),
        (("--lanes", "goal,feelings"), ("--lanes: unknown lane 'feelings'", "goal, need")),
        (("--lanes", ","), ("--lanes: name at least one lane",)),
        (("--since", "last week"), ("--since: 'last week' is not a date", "YYYY-MM-DD")),
        (("--since", "2026-02-30"), ("--since: '2026-02-30' is not a date",)),
        (("--linkage", "l.csv"), ("--linkage needs --anonymize",)),
        (
            ("--segment", "newbie"),
            ("no session has the segment 'newbie' (segments here: new, returning)",),
        ),
        (
            ("--segment", "newbie", "--shape", "all", "--out", "{tmp}/results"),
            ("no session has the segment 'newbie'",),
        ),
        (("--anonymize", "--linkage", "-"), ("--linkage needs a file name",)),
        (("--shape", "all"), ("--shape all writes five files", "--out DIR")),
        (("--shape", "all", "--out", "-"), ("--shape all writes five files",)),
        (("--shape", "all", "--out", "{tmp}/missing/results"), ("missing: no such folder",)),
        (("--shape", "all", "--out", "{tmp}/file.txt/results"), ("file.txt: is not a folder",)),
        (("--shape", "all", "--out", "{tmp}/file.txt"), ("file.txt: is not a folder",)),
        (("--out", "{tmp}/missing/entries.csv"), ("missing: no such folder",)),
        (("--out", "{tmp}"), ("is a folder; give a file name",)),
        (("--out", "{tmp}/file.txt"), ("file.txt: already exists; use --force",)),
    ],
)
def test_errors(
    runner: CliRunner,
    fixed_db: Path,
    tmp_path: Path,
    args: tuple[str, ...],
    fragments: tuple[str, ...],
) -> None:
    (tmp_path / "file.txt").write_text("keep")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = export(runner, fixed_db, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert_one_line_error(result, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "file.txt").read_text() == "keep"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ("--format", "xml"),
            "Invalid value for '--format': 'xml' is not one of 'csv', 'xlsx'",
        ),
        (
            ("--shape", "wide"),
            "Invalid value for '--shape': 'wide' is not one of 'entries'",
        ),
    ],
)
def test_a_choice_that_is_not_one_is_a_usage_error(
    runner: CliRunner, fixed_db: Path, args: tuple[str, ...], fragment: str
) -> None:
    result = export(runner, fixed_db, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"journey: {fragment}"), lines


@pytest.mark.parametrize(
    "args",
    [
        ("--shape", "map"),
        ("--shape", "touchpoints"),
        ("--shape", "all", "--out", "."),
        ("--format", "md"),
        ("--format", "mermaid"),
    ],
)
def test_per_study_outputs_name_the_studies(
    runner: CliRunner, two_studies: Path, args: tuple[str, ...]
) -> None:
    result = export(runner, two_studies, *args)
    assert_one_line_error(result, "per study", "--study", "'Checkout study', 'Onboarding'")


def test_several_studies_are_fine_for_entries_and_sessions(
    runner: CliRunner, two_studies: Path
) -> None:
    for shape in ("entries", "sessions"):
        result = export(runner, two_studies, "--shape", shape)
        assert result.exit_code == 0, result.output
        assert "of 'Checkout study', 'Onboarding'" in result.stderr


def test_missing_database(runner: CliRunner, tmp_path: Path) -> None:
    result = export(runner, tmp_path / "nope.db")
    assert_one_line_error(result, "no such database")
    assert list(tmp_path.iterdir()) == []


def test_empty_database(runner: CliRunner, db_path: Path) -> None:
    assert_one_line_error(export(runner, db_path), "no study yet")


def test_the_database_is_never_overwritten(runner: CliRunner, fixed_db: Path) -> None:
    before = fixed_db.read_bytes()
    result = export(runner, fixed_db, "--out", str(fixed_db), "--force")
    assert_one_line_error(result, "is the database itself")
    assert fixed_db.read_bytes() == before


def test_help_lists_every_option(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--help"])
    assert result.exit_code == 0
    for option in (
        "--study",
        "--format",
        "--shape",
        "--out",
        "--excel",
        "--delimiter",
        "--anonymize",
        "--linkage",
        "--segment",
        "--since",
        "--lanes",
        "--include-deleted",
        "--raw",
        "--force",
    ):
        assert option in result.stdout, option
