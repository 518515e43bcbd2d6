"""The hostile corpus (tests/data/hostile_corpus.json) through capture, review, workshop
and every export: nothing crashes, nothing runs, no raw control byte reaches the terminal
or a file, and CSV cells are formula-safe."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.quick_entry import QuickEntryError, parse_line
from journey.capture.sanitize import EntryTooLong
from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.cli import app
from tests.faults.crash_harness import Terminal, journey_command
from tests.paths import DATA

CORPUS = json.loads((DATA / "hostile_corpus.json").read_text())
# Control characters but tab and newline, C1, and the bidi overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile_db(study_db: Path) -> Path:
    """Every corpus text as a pain, a quote and a tagged touchpoint of one interview."""
    with open_database(study_db) as db:
        session = InterviewSession.start(
            db, resolve_study(db, None), "H01", segment="[red]s[/]", consent=True
        )
        for item in CORPUS:
            for lane in ("pain", "quote"):
                session.add(lane, item["text"], tags=["[bold]tag"])
            session.add("touchpoint", item["text"], channel=session.channels[0], emotion=-1)
    return study_db


@pytest.mark.parametrize("item", CORPUS, ids=[item["name"] for item in CORPUS])
def test_capture_stores_sanitised_literal_text(study_db: Path, item: dict) -> None:
    with open_database(study_db) as db:
        session = InterviewSession.start(db, resolve_study(db, None), "P01", consent=True)
        parsed = parse_line(f"q: {item['text']}", session.channels)
        entry = session.add(parsed.lane, parsed.text, tags=parsed.tags)
    assert not FORBIDDEN.search(entry.text)
    if "[" in item["text"] and "\x1b" not in item["text"]:
        assert "[" in entry.text  # markup-like text is kept as typed, not interpreted


def test_a_megabyte_of_text_is_refused_quickly_and_cleanly(study_db: Path) -> None:
    with pytest.raises((QuickEntryError, EntryTooLong), match="limit"):
        parse_line("q: " + "x" * 1_000_000, [])


def test_review_writes_no_hostile_control_sequence_to_the_terminal(
    hostile_db: Path, tmp_path: Path
) -> None:
    terminal = Terminal.start(journey_command(hostile_db, "review", "--read-only"), tmp_path)
    try:
        assert terminal.wait_for(b"Reached"), terminal.output[-300:]
        terminal.type("\x1b[B" * 7)  # down to the pains row
        terminal.type("\r")  # the entries behind it, every hostile text among them
        assert terminal.wait_for(b"entries"), terminal.output[-300:]
        terminal.type("q")
        assert terminal.wait_for(b"[@click=app.quit]click me[/]", timeout=5)
    finally:
        terminal.kill("SIGKILL")
    output = bytes(terminal.output)
    for forbidden in (
        b"\x1b]8;;http://evil",  # an OSC 8 link from the data
        b"\x1b]52",  # a clipboard write
        b"\x1b[2J\x1b[Hafter",  # the data's screen clear
        b"\x1b[31mred",  # the data's colour
        b"\xc2\x9b",  # U+009B, a one-byte CSI to a UTF-8 terminal
        b"\x00",
        b"ding\x07",
        "\u202e".encode(),
        "\u2066".encode(),
    ):
        assert forbidden not in output, forbidden


@pytest.mark.parametrize(
    "arguments",
    [
        ["--format", "csv"],
        ["--format", "csv", "--shape", "sessions"],
        ["--format", "csv", "--shape", "map"],
        ["--format", "csv", "--shape", "touchpoints"],
        ["--format", "csv", "--excel", "--delimiter", ";"],
        ["--format", "json"],
        ["--format", "md"],
        ["--format", "mermaid"],
    ],
    ids=lambda a: "-".join(x.strip("-") for x in a),
)
def test_exports_carry_no_control_character(hostile_db: Path, arguments: list[str]) -> None:
    result = CliRunner().invoke(app, ["--db", str(hostile_db), "export", *arguments])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert not FORBIDDEN.search(text.replace("\r\n", "\n")), FORBIDDEN.search(text)
    if "csv" in arguments:
        delimiter = ";" if ";" in arguments else ","
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter):
            for cell in row:
                stripped = cell.lstrip(" ")
                if stripped[:1] in ("=", "+", "@") or (
                    stripped[:1] == "-" and not re.fullmatch(r"-\d+(\.\d+)?", stripped)
                ):
                    pytest.fail(f"formula cell not neutralised: {cell!r}")


def test_import_of_the_corpus_stores_it_sanitised(study_db: Path, tmp_path: Path) -> None:
    import uuid

    source = tmp_path / "hostile.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study", "session_id", "participant_code", "stage", "lane", "text"])
        session = str(uuid.uuid4())
        for item in CORPUS:
            writer.writerow(["Checkout study", session, "H02", "Awareness", "quote", item["text"]])
    result = CliRunner().invoke(app, ["--db", str(study_db), "import", str(source)])
    assert result.exit_code == 0, result.stderr
    with open_database(study_db, read_only=True) as db:
        texts = [row["text"] for row in db.query("SELECT text FROM entries")]
    assert len(texts) == len(CORPUS)
    assert not any(FORBIDDEN.search(text) for text in texts)
    assert "[@click=app.quit]click me[/]" in texts


def test_import_of_invalid_utf8_is_one_clear_line(study_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "broken.csv"
    source.write_bytes(
        b"study,session_id,participant_code,stage,lane,text\n"
        b"Checkout study,6f1c1c1e-1111-4111-8111-111111111111,P1,Awareness,goal,caf\xe9 \xff\n"
    )
    before = study_db.read_bytes()
    result = CliRunner().invoke(app, ["--db", str(study_db), "import", str(source)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--encoding" in lines[0] and "row 2" in lines[0]
    assert study_db.read_bytes() == before
