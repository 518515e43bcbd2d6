"""`journey export --format xlsx`: one workbook with a sheet per shape and the codebook,
read back with openpyxl and opened by LibreOffice: no text is ever a formula, numbers
are numbers, dates are dates, and the sheets hold what the CSV export holds."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from typer.testing import CliRunner

from journey.capture.session import InterviewSession
from journey.exports.formula import unneutralise
from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.cli import app

SHEETS = ["entries", "sessions", "map", "touchpoints", "codebook"]
HOSTILE = [
    "=1+2",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    'first line\n=HYPERLINK("http://evil.example","y")',
    "a;=1+1",
    "\t=1+2",
    " =1+2",
    "\uff1d1+2",
    '=DDE("cmd";"/C calc";"x")',
]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def hostile_db(demo_db: Path) -> Path:
    """The demo study and one interview of texts that a spreadsheet would run."""
    with open_database(demo_db) as db:
        session = InterviewSession.start(db, resolve_study(db, None), "H01", consent=True)
        for emotion, text in zip([-2, -1, 0, 1, 2] * 3, HOSTILE, strict=False):
            session.add("pain", text, tags=["=tag"])
            session.add("touchpoint", text, channel=session.channels[0], emotion=emotion)
    return demo_db


def stored_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT DISTINCT e.text FROM entries e JOIN sessions s ON s.id = e.session_id "
            "JOIN participants p ON p.id = s.participant_id WHERE p.code = 'H01'"
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) >= 10  # capture strips the tab and the space before two of them
    return sorted(text for (text,) in rows)


def export(runner: CliRunner, db: Path, *args: object):
    return runner.invoke(app, ["--db", str(db), "export", *map(str, args)])


def workbook_of(runner: CliRunner, db: Path, out: Path, *args: object):
    result = export(runner, db, "--format", "xlsx", "--out", out, *args)
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def csv_rows(runner: CliRunner, db: Path, *args: object) -> list[list[str]]:
    result = export(runner, db, *args)
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout, newline="")))


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def as_csv_text(value) -> str:
    """A workbook value as the CSV writes it, for comparing the two exports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def test_one_sheet_per_shape_and_the_codebook(runner: CliRunner, demo_db: Path, tmp_path: Path):
    book = workbook_of(runner, demo_db, tmp_path / "r.xlsx")
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" + str(
            sheet.max_row
        )
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(5 <= width <= 64 for width in widths), widths
    codebook = sheet_rows(book["codebook"])
    assert codebook[0][:3] == ["file", "name", "type"]
    assert {row[0] for row in codebook[1:]} == set(SHEETS)


def test_no_text_is_a_formula_and_types_are_as_stated(
    runner: CliRunner, hostile_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.xlsx"
    book = workbook_of(runner, hostile_db, out)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert not any(cell.data_type == "f" for cell in row)
    with zipfile.ZipFile(out) as archive:  # nor anywhere in the file's XML
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist())
    entries = sheet_rows(book["entries"])
    header = entries[0]
    text, emotion, created = (header.index(n) for n in ("text", "emotion", "created_at"))
    hostile = [row for row in entries[1:] if row[header.index("participant_code")] == "H01"]
    assert sorted({row[text] for row in hostile}) == stored_texts(hostile_db)
    assert {type(row[emotion]) for row in entries[1:]} <= {int, type(None)}
    assert {row[emotion] for row in hostile if row[emotion] is not None} == {-2, -1, 0, 1, 2}
    assert all(isinstance(row[created], datetime) for row in entries[1:])
    pains = [row for row in hostile if row[header.index("lane")] == "pain"]
    assert {row[header.index("tags")] for row in pains} == {"=tag"}
    map_rows = sheet_rows(book["map"])
    mean = map_rows[0].index("mean_emotion")
    assert any(isinstance(row[mean], float) for row in map_rows[1:])
    assert {type(row[mean]) for row in map_rows[1:]} <= {float, int, type(None)}
    thin = map_rows[0].index("thin")  # words, as in the CSV: LibreOffice saves booleans as =TRUE()
    assert {row[thin] for row in map_rows[1:]} <= {"true", "false"}


@pytest.mark.parametrize("shape", ["entries", "sessions", "map", "touchpoints"])
def test_the_sheets_hold_what_the_csv_holds(
    runner: CliRunner, hostile_db: Path, tmp_path: Path, shape: str
) -> None:
    book = workbook_of(runner, hostile_db, tmp_path / "r.xlsx")
    from_csv = csv_rows(runner, hostile_db, "--shape", shape)
    from_xlsx = sheet_rows(book[shape])
    assert len(from_xlsx) == len(from_csv)
    assert from_xlsx[0] == from_csv[0]
    for got, expected in zip(from_xlsx[1:], from_csv[1:], strict=True):
        for value, cell in zip(got, expected, strict=True):
            cell = unneutralise(cell)
            if isinstance(value, datetime):
                cell = datetime.fromisoformat(cell).isoformat(timespec="seconds")[:19]
                assert as_csv_text(value)[:19] == cell
            elif isinstance(value, int | float) and "." in cell:  # a decimal column
                assert f"{value:.2f}" == cell
            else:
                assert as_csv_text(value) == cell


def test_xlsx_honours_the_filters_and_anonymize(
    runner: CliRunner, hostile_db: Path, tmp_path: Path
) -> None:
    linkage = tmp_path / "linkage.csv"
    book = workbook_of(
        runner,
        hostile_db,
        tmp_path / "r.xlsx",
        "--study",
        "Demo study",
        "--lanes",
        "pain,touchpoint",
        "--since",
        "2020-01-01",
        "--anonymize",
        "--linkage",
        linkage,
    )
    entries = sheet_rows(book["entries"])
    header = entries[0]
    assert "interviewer" not in header
    assert {row[header.index("lane")] for row in entries[1:]} == {"pain", "touchpoint"}
    codes = {row[header.index("participant_code")] for row in entries[1:]}
    assert "H01" not in codes
    with linkage.open(encoding="utf-8", newline="") as handle:
        linked = list(csv.reader(handle))
    assert any(row[1] == "H01" and row[2] in codes for row in linked[1:])
    expected = csv_rows(runner, hostile_db, "--lanes", "pain,touchpoint", "--anonymize")
    assert len(entries) == len(expected)


def test_xlsx_honours_segment_and_force(runner: CliRunner, demo_db: Path, tmp_path: Path):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"mine")
    result = export(runner, demo_db, "--format", "xlsx", "--out", out)
    assert result.exit_code == 1
    assert result.stderr == f"journey: {out}: already exists; use --force to replace it\n"
    assert out.read_bytes() == b"mine"
    segment = csv_rows(runner, demo_db, "--shape", "sessions")[1][3]
    book = workbook_of(runner, demo_db, out, "--segment", segment, "--force")
    sessions = sheet_rows(book["sessions"])
    assert {row[3] for row in sessions[1:]} == {segment}
    assert oct(out.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--format xlsx writes a workbook: give a file with --out FILE.xlsx"),
        (
            ["--out", "r.xlsx", "--shape", "map"],
            "--shape is for --format csv; xlsx has a sheet for each shape",
        ),
        (
            ["--out", "r.xlsx", "--delimiter", ";"],
            "--delimiter is for --format csv, not xlsx (XLSX numbers are numbers)",
        ),
        (
            ["--out", "r.xlsx", "--decimal-comma"],
            "--decimal-comma is for --format csv, not xlsx (XLSX numbers are numbers)",
        ),
        (
            ["--out", "r.xlsx", "--linkage", "l.csv"],
            "--linkage needs --anonymize (it maps codes to pseudonyms)",
        ),
    ],
)
def test_xlsx_option_errors(
    runner: CliRunner,
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = export(runner, demo_db, "--format", "xlsx", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"journey: {message}\n"
    assert not (tmp_path / "r.xlsx").exists()


# --- LibreOffice opens it: 0 formulas, emotions numeric -------------------------------

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def ods_tables(path: Path) -> dict[str, list[list[tuple[str | None, str, bool]]]]:
    """Each table of an ODS file: rows of (value type, text, has a formula) cells."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    tables = {}
    for table in root.iter(f"{{{TABLE}}}table"):
        rows = []
        for row in table.iter(f"{{{TABLE}}}table-row"):
            cells = []
            for cell in row.iter(f"{{{TABLE}}}table-cell"):
                repeat = int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1"))
                text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{TEXT}}}p"))
                entry = (
                    cell.get(f"{{{OFFICE}}}value-type"),
                    text,
                    cell.get(f"{{{TABLE}}}formula") is not None,
                )
                cells += [entry] * min(repeat, 100)
            rows.append(cells)
        tables[table.get(f"{{{TABLE}}}name")] = rows
    return tables


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook_with_no_formula_and_numeric_emotions(
    runner: CliRunner, hostile_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.xlsx"
    workbook_of(runner, hostile_db, out)
    profile = tmp_path / "lo-profile"
    converted = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path / "ods"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    ods = tmp_path / "ods" / "results.ods"
    assert ods.exists(), converted.stdout + converted.stderr
    tables = ods_tables(ods)
    assert list(tables) == SHEETS
    formulas = sum(cell[2] for rows in tables.values() for row in rows for cell in row)
    assert formulas == 0
    entries = tables["entries"]
    header = [cell[1] for cell in entries[0]]
    emotion, text = header.index("emotion"), header.index("text")
    rated = [row[emotion] for row in entries[1:] if row[emotion][1]]
    assert rated and all(kind == "float" for kind, _, _ in rated)
    texts = {row[text][1] for row in entries[1:]}
    assert set(stored_texts(hostile_db)) <= texts  # shown as typed, never run
    mean = [cell[1] for cell in tables["map"][0]].index("mean_emotion")
    means = [row[mean] for row in tables["map"][1:] if row[mean][1]]
    assert means and all(kind == "float" for kind, _, _ in means)
