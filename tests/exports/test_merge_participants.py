"""`journey merge` keeps people apart: the same participant code in two databases is two
people unless the user says otherwise, and no session ever changes its segment."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import open_database
from journey.tui.cli import app


def laptop(path: Path, people: list[tuple[str, str]], interviewer: str) -> Path:
    """A field laptop's database: study "Checkout", one interview per (code, segment)."""
    with open_database(path, create=True) as db:
        study = new_study(db, "Checkout")
        for code, segment in people:
            session = InterviewSession.start(
                db, study, code, segment=segment, interviewer=interviewer, consent=True
            )
            session.add("pain", f"{code} of {interviewer}: slow checkout")
    return path


@pytest.fixture
def two_laptops(tmp_path: Path) -> tuple[Path, Path]:
    ours = laptop(tmp_path / "ours.db", [("P01", "new"), ("P02", "returning")], "ana")
    theirs = laptop(
        tmp_path / "theirs.db",
        [("P01", "small business"), ("P02", "returning"), ("P03", "new")],
        "ben",
    )
    return ours, theirs


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def segments(path: Path) -> dict[str, str | None]:
    """Session id -> the segment of its participant."""
    return dict(
        query(
            path,
            "SELECT x.id, p.segment FROM sessions x LEFT JOIN participants p "
            "ON p.id = x.participant_id",
        )
    )


def merge(runner: CliRunner, target: Path, source: Path, *options: str):
    return runner.invoke(app, ["--db", str(target), "merge", str(source), *options])


def test_clashing_codes_are_refused_by_default_and_nothing_is_written(
    runner: CliRunner, two_laptops: tuple[Path, Path]
) -> None:
    ours, theirs = two_laptops
    before = ours.read_bytes()
    result = merge(runner, ours, theirs)
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"journey: {theirs}: 2 participant codes are in both databases: ")
    assert "P01 (here new, there small business), P02 (here returning, there returning)" in line
    assert "--participants rename" in line and "--participants same" in line
    assert ours.read_bytes() == before
    assert query(ours, "SELECT count(*) FROM sessions") == [(2,)]


def test_rename_gives_theirs_new_codes_and_writes_the_table(
    runner: CliRunner, two_laptops: tuple[Path, Path]
) -> None:
    ours, theirs = two_laptops
    before = {**segments(ours), **segments(theirs)}
    result = merge(runner, ours, theirs, "--participants", "rename")
    assert result.exit_code == 0, result.output
    assert "participant P01 of theirs is P04 here" in result.stdout
    assert "participant P02 of theirs is P05 here" in result.stdout
    codes = dict(query(ours, "SELECT code, segment FROM participants ORDER BY code"))
    assert codes == {
        "P01": "new",
        "P02": "returning",
        "P03": "new",  # no clash: theirs kept its code
        "P04": "small business",
        "P05": "returning",
    }
    assert segments(ours) == before  # no session changed its segment
    (table,) = ours.parent.glob("ours-renamed-participants-*.csv")
    assert str(table) in result.stdout
    assert oct(table.stat().st_mode & 0o777) == "0o600"
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["study", "source", "old_code", "new_code", "segment"],
        ["Checkout", str(theirs), "P01", "P04", "small business"],
        ["Checkout", str(theirs), "P02", "P05", "returning"],
    ]
    # Merging the same source again adds nothing and finds no conflict.
    again = merge(runner, ours, theirs, "--participants", "rename")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0].endswith(": 0 rows added, 0 conflicts")
    assert query(ours, "SELECT count(*) FROM participants") == [(5,)]


def test_same_merges_people_explicitly_but_never_changes_a_segment(
    runner: CliRunner, two_laptops: tuple[Path, Path], tmp_path: Path
) -> None:
    ours, theirs = two_laptops
    before = ours.read_bytes()
    refused = merge(runner, ours, theirs, "--participants", "same")
    assert refused.exit_code == 1
    assert "P01 (here new, there small business)" in refused.stderr
    assert "P02" not in refused.stderr  # the same segment on both sides is fine
    assert "would change segment" in refused.stderr
    assert ours.read_bytes() == before

    agreeing = laptop(tmp_path / "agreeing.db", [("P02", "Returning"), ("P09", "new")], "cy")
    before_segments = {**segments(ours), **segments(agreeing)}
    result = merge(runner, ours, agreeing, "--participants", "same")
    assert result.exit_code == 0, result.output
    assert query(ours, "SELECT code FROM participants ORDER BY code") == [
        ("P01",),
        ("P02",),
        ("P09",),
    ]
    # Their P02 is our P02: both interviews are one person's, in their segment.
    assert query(
        ours,
        "SELECT count(*) FROM sessions x JOIN participants p ON p.id = x.participant_id "
        "WHERE p.code = 'P02'",
    ) == [(2,)]
    after = segments(ours)
    assert {s: (v or "").casefold() for s, v in after.items()} == {
        s: (v or "").casefold() for s, v in before_segments.items()
    }


def test_a_dry_run_says_the_same_and_writes_nothing(
    runner: CliRunner, two_laptops: tuple[Path, Path]
) -> None:
    ours, theirs = two_laptops
    before = ours.read_bytes()
    refused = merge(runner, ours, theirs, "--dry-run")
    assert refused.exit_code == 1 and "2 participant codes" in refused.stderr
    renamed = merge(runner, ours, theirs, "--dry-run", "--participants", "rename")
    assert renamed.exit_code == 0, renamed.output
    assert "participant P01 of theirs is P04 here" in renamed.stdout
    assert ours.read_bytes() == before
    assert not list(ours.parent.glob("*renamed*"))


def test_an_unknown_policy_is_a_usage_error(
    runner: CliRunner, two_laptops: tuple[Path, Path]
) -> None:
    ours, theirs = two_laptops
    result = merge(runner, ours, theirs, "--participants", "maybe")
    assert result.exit_code == 2
    assert "refuse" in result.stderr and "rename" in result.stderr


def test_a_json_export_with_clashing_codes_is_refused_like_a_merge(
    runner: CliRunner, two_laptops: tuple[Path, Path], tmp_path: Path
) -> None:
    ours, theirs = two_laptops
    exported = tmp_path / "theirs.json"
    assert (
        runner.invoke(
            app, ["--db", str(theirs), "export", "--format", "json", "--out", str(exported)]
        ).exit_code
        == 0
    )
    before = ours.read_bytes()
    refused = runner.invoke(app, ["--db", str(ours), "import", str(exported)])
    assert refused.exit_code == 1 and "2 participant codes" in refused.stderr
    assert ours.read_bytes() == before
    renamed = runner.invoke(
        app, ["--db", str(ours), "import", str(exported), "--participants", "rename"]
    )
    assert renamed.exit_code == 0, renamed.output
    assert query(ours, "SELECT count(*) FROM participants") == [(5,)]


def test_a_touchpoint_without_a_channel_is_not_merged(
    runner: CliRunner, two_laptops: tuple[Path, Path]
) -> None:
    ours, theirs = two_laptops
    conn = sqlite3.connect(theirs)
    with conn:
        conn.execute(
            "UPDATE entries SET lane = 'touchpoint', channel_id = NULL WHERE rowid = "
            "(SELECT min(rowid) FROM entries)"
        )
    conn.close()
    before = ours.read_bytes()
    result = merge(runner, ours, theirs, "--participants", "rename")
    assert result.exit_code == 1
    assert "is a touchpoint without a channel" in result.stderr
    assert ours.read_bytes() == before
