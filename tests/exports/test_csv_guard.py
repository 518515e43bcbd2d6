"""The CSV export guards every line of a cell, not only its start, and writes decimals
with a comma for spreadsheets that read them so (`--decimal-comma`, `;` or tab only)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.session import InterviewSession
from journey.exports.formula import needs_neutralising, neutralise, unneutralise
from journey.exports.readers.importer import import_file
from journey.exports.writers.codebook import Column
from journey.exports.writers.csv_export import CsvStyle, CsvTable, write_csv
from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.cli import app

LINES = 'first line\n=HYPERLINK("http://evil.example","y")\n  @SUM(A1)\n-1\nplain'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (LINES, 'first line\n\'=HYPERLINK("http://evil.example","y")\n\'  @SUM(A1)\n-1\nplain'),
        ("=1+2\n+3", "'=1+2\n'+3"),
        ("ok\n\t=1", "ok\n'\t=1"),
        ("ok\n-1,5\n-2", "ok\n-1,5\n-2"),  # numbers on their own lines stay numbers
        ("no trigger\nhere", "no trigger\nhere"),
    ],
)
def test_every_line_of_a_cell_is_guarded(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert unneutralise(written) == value
    assert not any(needs_neutralising(line) for line in written.split("\n"))


def test_a_quote_the_exporter_did_not_add_is_kept() -> None:
    assert unneutralise("it's\n'quoted'\n'=1") == "it's\n'quoted'\n=1"


def test_a_multi_line_cell_in_the_csv_and_back(study_db: Path, tmp_path: Path) -> None:
    with open_database(study_db) as db:
        session = InterviewSession.start(db, resolve_study(db, None), "P01", consent=True)
        session.add("quote", LINES)
    runner = CliRunner()
    out = tmp_path / "entries.csv"
    result = runner.invoke(app, ["--db", str(study_db), "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    text = rows[1][rows[0].index("text")]
    assert text.split("\n")[1].startswith("'=HYPERLINK")
    # A spreadsheet that does not honour the quotes starts a cell at each line of the file:
    # none of them runs.
    for line in out.read_text(encoding="utf-8").splitlines():
        for cell in line.split(","):
            assert not needs_neutralising(cell.strip('"')), cell
    other = tmp_path / "other.db"
    other_db = open_database(other, create=True)
    try:
        import_file(other_db, out)
        (stored,) = other_db.execute("SELECT text FROM entries").fetchone()
    finally:
        other_db.close()
    assert stored == LINES


def decimal_table() -> CsvTable:
    columns = (
        Column("name", "text", ""),
        Column("mean", "decimal", ""),
        Column("n", "integer", ""),
    )
    return CsvTable("t.csv", columns, [["a.b", "-0.50", 3], ["c", None, 0], ["d", "1.25", 12]])


def test_decimal_comma_changes_decimal_columns_only() -> None:
    stream = io.StringIO(newline="")
    write_csv(stream, decimal_table(), CsvStyle(delimiter=";", decimal_comma=True))
    assert stream.getvalue() == "name;mean;n\r\na.b;-0,50;3\r\nc;;0\r\nd;1,25;12\r\n"


def test_decimal_point_by_default() -> None:
    stream = io.StringIO(newline="")
    write_csv(stream, decimal_table(), CsvStyle(delimiter="\t"))
    assert stream.getvalue() == "name\tmean\tn\r\na.b\t-0.50\t3\r\nc\t\t0\r\nd\t1.25\t12\r\n"


def test_decimal_comma_on_the_command_line(runner: CliRunner, demo_db: Path) -> None:
    for delimiter in (";", "tab"):
        result = runner.invoke(
            app,
            [
                "--db",
                str(demo_db),
                "export",
                "--shape",
                "map",
                "--delimiter",
                delimiter,
                "--decimal-comma",
            ],
        )
        assert result.exit_code == 0, result.output
        split = ";" if delimiter == ";" else "\t"
        rows = list(csv.reader(io.StringIO(result.stdout, newline=""), delimiter=split))
        mean = rows[0].index("mean_emotion")
        means = [row[mean] for row in rows[1:] if row[mean]]
        assert means and all("," in m and "." not in m for m in means)


@pytest.mark.parametrize("args", [(), ("--delimiter", ",")])
def test_decimal_comma_needs_a_semicolon_or_tab(
    runner: CliRunner, demo_db: Path, args: tuple[str, ...]
) -> None:
    result = runner.invoke(app, ["--db", str(demo_db), "export", "--decimal-comma", *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "journey: --decimal-comma needs --delimiter ';' or tab (with ',' every decimal "
        "would be split in two)\n"
    )
