"""`journey export` as a library: golden files of every format and shape, the formula
rule, anonymizing, filters, atomic private files, and no control character anywhere.

Golden files live in tests/data/golden/; after a deliberate change of an export,
regenerate them with `JOURNEY_UPDATE_GOLDEN=1 pytest tests/exports/test_export.py` and
read the diff before committing.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import stat
import tracemalloc
from pathlib import Path

import pytest

from journey.capture.demo import add_demo_sessions
from journey.capture.filters import parse_moment
from journey.capture.sanitize import clean_text
from journey.exports.anonymize import mask_contacts, pseudonym
from journey.exports.export_errors import BadExportOption, OutputExists, OutputFailed
from journey.exports.formula import is_plain_number, needs_neutralising, neutralise
from journey.exports.writers import csv_export
from journey.exports.writers.codebook import Column
from journey.exports.writers.csv_export import CsvTable, safe_cell, write_csv
from journey.exports.writers.export_job import (
    ALL_FILES,
    ExportOptions,
    export,
    parse_lanes,
    prepare_export,
)
from journey.exports.writers.markdown_export import curve, md_text
from journey.exports.writers.mermaid_export import mermaid_text, score
from journey.storage import export_rows, open_database
from journey.storage.entries import add_entry
from journey.storage.errors import InvalidValue, StudyNotChosen, StudyNotFound
from journey.storage.models import LANES
from tests.export_study import CONTROL_TEXT, HYPERLINK, STUDY, THEME_TITLE, build, build_workshop
from tests.paths import DATA

GOLDEN = DATA / "golden"
UPDATE = os.environ.get("JOURNEY_UPDATE_GOLDEN") == "1"
# Everything clean_text removes: no such character may reach an exported file.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LIVE_ENTRIES = 22
ENTRY_HEADER = [
    "study",
    "session_id",
    "participant_code",
    "segment",
    "interviewer",
    "mode",
    "stage_position",
    "stage",
    "lane",
    "channel",
    "emotion",
    "effort",
    "votes",
    "text",
    "tags",
    "theme",
    "created_at",
    "updated_at",
]


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("fixed") / "fixed.db")


@pytest.fixture
def db(fixed_db: Path):
    database = open_database(fixed_db, read_only=True)
    yield database
    database.close()


def run(db, tmp_path: Path, name: str = "out", **options) -> bytes:
    """Export to a file and return its bytes."""
    target = tmp_path / name
    export(db, ExportOptions(out=str(target), **options))
    return target.read_bytes()


def rows_of(data: bytes, delimiter: str = ",") -> list[list[str]]:
    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def assert_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"no golden file {name}: run with JOURNEY_UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from its golden file"


def assert_clean(data: bytes, *, csv_file: bool = True) -> None:
    text = data.decode("utf-8")
    if csv_file:
        text = text.replace("\r\n", "\n")
    found = CONTROL.search(text)
    assert found is None, f"control character {found.group()!r} at {found.start()}"


# --- golden files ---------------------------------------------------------------


GOLDEN_CASES = {
    "entries.csv": {},
    "sessions.csv": {"shape": "sessions"},
    "map.csv": {"shape": "map"},
    "touchpoints.csv": {"shape": "touchpoints"},
    "entries-anonymized.csv": {"anonymize": True},
    "entries-deleted-semicolon-excel.csv": {
        "include_deleted": True,
        "delimiter": ";",
        "excel": True,
    },
    "map-goal-need.csv": {"shape": "map", "lanes": "goal,need"},
    "export.json": {"format": "json"},
    "export-anonymized.json": {"format": "json", "anonymize": True},
    "report.md": {"format": "md"},
    "report-anonymized.md": {"format": "md", "anonymize": True},
    "journey.mmd": {"format": "mermaid"},
    "journey-segment-new.mmd": {"format": "mermaid", "segment": "new"},
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(db, tmp_path: Path, name: str) -> None:
    data = run(db, tmp_path, **GOLDEN_CASES[name])
    assert_golden(name, data)
    assert_clean(data, csv_file=name.endswith(".csv"))


def test_golden_shape_all(db, tmp_path: Path) -> None:
    result = export(db, ExportOptions(shape="all", out=str(tmp_path)))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["codebook.csv", "entries.csv", "map.csv", "sessions.csv", "touchpoints.csv"]
    assert_golden("codebook.csv", (tmp_path / "codebook.csv").read_bytes())
    for name in files:
        data = (tmp_path / name).read_bytes()
        # The other files of --shape all are the single shapes, byte for byte.
        assert data == (GOLDEN / name).read_bytes(), name
        assert_clean(data)
    assert [rows for _, rows in result.written] == [LIVE_ENTRIES, 4, 27, 5, 88]


def test_shape_all_reads_one_snapshot_while_an_interview_goes_on(
    fixed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live.db"
    path.write_bytes(fixed_db.read_bytes())
    interviewer = open_database(path)
    session_id = interviewer.execute(
        "SELECT id FROM sessions WHERE mode = 'interview' ORDER BY started_at LIMIT 1"
    ).fetchone()[0]
    stage_id = interviewer.execute("SELECT id FROM stages ORDER BY position LIMIT 1").fetchone()[0]
    real_write_csv = csv_export.write_csv

    def write_then_capture(stream, table, *args, **kwargs):
        rows = real_write_csv(stream, table, *args, **kwargs)
        # Between two files an interviewer commits a line.
        add_entry(interviewer, session_id, stage_id, "note", f"said meanwhile {rows}")
        return rows

    monkeypatch.setattr(csv_export, "write_csv", write_then_capture)
    reader = open_database(path, read_only=True)
    try:
        export(reader, ExportOptions(shape="all", out=str(tmp_path / "all")))
    finally:
        reader.close()
        interviewer.close()
    files = {
        name: (tmp_path / "all" / name).read_bytes() for name in ("entries.csv", "sessions.csv")
    }
    assert files["entries.csv"] == (GOLDEN / "entries.csv").read_bytes()
    assert files["sessions.csv"] == (GOLDEN / "sessions.csv").read_bytes()
    with open_database(path, read_only=True) as after:
        assert (
            after.execute(
                "SELECT count(*) FROM entries WHERE text LIKE 'said meanwhile%'"
            ).fetchone()[0]
            == 5
        )


def test_the_same_database_exports_the_same_bytes(db, tmp_path: Path) -> None:
    for options in ({}, {"format": "json"}, {"format": "md"}, {"anonymize": True}):
        first = run(db, tmp_path, "a", force=True, **options)
        assert first == run(db, tmp_path, "b", force=True, **options)


# --- CSV: RFC 4180 ----------------------------------------------------------------


def test_entries_csv_is_rfc_4180(db, tmp_path: Path) -> None:
    data = run(db, tmp_path)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    rows = rows_of(data)
    assert rows[0] == ENTRY_HEADER
    assert len(rows) == LIVE_ENTRIES + 1
    assert {len(row) for row in rows} == {len(ENTRY_HEADER)}
    # Line ends are CRLF; the line break inside the quote is kept, quoted.
    records = data.split(b"\r\n")
    assert all(b"\r" not in record for record in records)
    quote = next(row for row in rows if row[8] == "quote")
    assert quote[13] == (
        'He said: "call me on +44 20 7946 0958 or mail jo@example.com"\nthen hung up.'
    )
    assert b'"He said: ""call me on' in data
    # Minimal quoting: plain cells are not quoted.
    assert b",find a cheap one,price," in data
    tagged = next(row for row in rows if row[13] == "called them")
    assert tagged[14] == "phone;support"
    assert (tagged[9], tagged[10], tagged[11]) == ("Phone", "-2", "6")


def test_excel_adds_a_bom_and_delimiters_change_nothing_else(db, tmp_path: Path) -> None:
    plain = rows_of(run(db, tmp_path, "plain"))
    excel = run(db, tmp_path, "excel", excel=True)
    assert excel.startswith(b"\xef\xbb\xbf")
    assert rows_of(excel[3:]) == plain
    semicolon = run(db, tmp_path, "semicolon", delimiter=";")
    assert semicolon.splitlines()[0].decode() == ";".join(ENTRY_HEADER)
    assert rows_of(semicolon, ";") == plain
    tab = run(db, tmp_path, "tab", delimiter="tab")
    assert tab.splitlines()[0].decode() == "\t".join(ENTRY_HEADER)
    assert rows_of(tab, "\t") == plain
    # A delimiter inside a cell is quoted.
    assert b'"compared on the site; twice"' in semicolon


def test_excel_bom_opens_with_utf_8_sig(db, tmp_path: Path) -> None:
    data = run(db, tmp_path, excel=True)
    with (tmp_path / "out").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == ENTRY_HEADER
    assert data.count(b"\xef\xbb\xbf") == 1


# --- the formula rule -----------------------------------------------------------------

OWASP = [
    "=1+2",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+2",
    "\r=1+2",
    " =1+2",
    '=1+2";=1+2',
    "=1+2'\" ;,=1+2",
    HYPERLINK,
    "=cmd|' /C calc'!A0",
    "  @foo",
    "-",
    "-2+3",
    "\uff1d1+2",
]
NUMBERS = ["-1", "-0.5", "-1,5", "-2e3", "0", "12", "3.25", " -1 ", "-.5"]


@pytest.mark.parametrize("value", OWASP)
def test_owasp_cells_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", OWASP)
def test_owasp_cells_read_back_exactly_with_the_quote(value: str) -> None:
    stream = io.StringIO(newline="")
    table = CsvTable("t.csv", (Column("a", "text", ""), Column("b", "text", "")), [[value, "x"]])
    write_csv(stream, table)
    rows = list(csv.reader(io.StringIO(stream.getvalue(), newline="")))
    # clean_text turns a lone CR into a line break; then every line that would run
    # gets its quote (a cell of one line: the cell), and nothing else changes.
    written = rows[1][0]
    assert rows == [["a", "b"], [neutralise(clean_text(value)), "x"]]
    assert not any(needs_neutralising(line) for line in written.split("\n"))
    assert written == "'" + value or "\n" in written


@pytest.mark.parametrize("value", NUMBERS)
def test_plain_numbers_are_kept(value: str) -> None:
    assert is_plain_number(value)
    assert neutralise(value) == value


def test_a_plus_sign_is_always_neutralised() -> None:
    # Documented decision: journey writes no number with a +, and "+49 30..." is text.
    assert neutralise("+2") == "'+2"
    assert neutralise("+0.5") == "'+0.5"


@pytest.mark.parametrize("value", ["plain", "", "1+2", "a=b", "e-mail", "'quoted", "2026-03-02"])
def test_harmless_cells_are_left_alone(value: str) -> None:
    assert neutralise(value) == value


def test_raw_turns_the_rule_off_but_not_the_cleaning() -> None:
    assert safe_cell(HYPERLINK, raw=True) == HYPERLINK
    assert safe_cell("=1\x1b[2J", raw=True) == "=1[2J"
    assert safe_cell("=1\x1b[2J") == "'=1[2J"


def test_typed_formulas_come_out_neutralised(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path))
    texts = {row[13] for row in rows[1:]}
    assert "'" + HYPERLINK in texts
    assert "'@SUM(A1)" in texts
    assert "'+2 more staff" in texts
    assert "-1" in texts  # a typed negative number stays a number
    emotions = {row[10] for row in rows[1:]}
    assert {"-2", "-1", "0", "1", "2", ""} == emotions
    raw = rows_of(run(db, tmp_path, "raw", raw=True))
    assert HYPERLINK in {row[13] for row in raw[1:]}


def test_every_cell_of_every_shape_is_neutralised(tmp_path: Path, fixed_db: Path) -> None:
    with open_database(fixed_db, read_only=True) as database:
        export(database, ExportOptions(shape="all", out=str(tmp_path)))
    for path in tmp_path.iterdir():
        for row in rows_of(path.read_bytes())[1:]:
            for cell in row:
                stripped = cell.lstrip()
                if stripped[:1] in ("=", "+", "-", "@") and not is_plain_number(cell):
                    pytest.fail(f"{path.name}: {cell!r} would run as a formula")


# --- control characters ------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"raw": True},
        {"include_deleted": True, "delimiter": "tab"},
        {"format": "json"},
        {"format": "md"},
        {"format": "mermaid"},
        {"shape": "map"},
    ],
)
def test_no_control_character_reaches_a_file(db, tmp_path: Path, options: dict) -> None:
    data = run(db, tmp_path, **options)
    assert_clean(data, csv_file=options.get("format", "csv") == "csv")


def test_the_control_text_is_exported_cleaned(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path))
    assert clean_text(CONTROL_TEXT) in {row[13] for row in rows}
    assert clean_text(CONTROL_TEXT) == "bell esc[31m red bidi\nnext\nline"


# --- shapes -----------------------------------------------------------------------


def test_sessions_shape(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, shape="sessions"))
    header, body = rows[0], rows[1:]
    assert header[:14] == [
        "study",
        "session_id",
        "participant_code",
        "segment",
        "interviewer",
        "mode",
        "started_at",
        "ended_at",
        "status",
        "last_stage_position",
        "last_stage_reached",
        "dropped_at_stage",
        "drop_reason",
        "entries",
    ]
    assert header[14:] == [
        f"{what}_{n}" for n in (1, 2, 3) for what in ("outcome", "entries", "emotion", "rated")
    ]
    by_code = {row[2]: dict(zip(header, row, strict=True)) for row in body}
    assert list(by_code) == ["P01", "P02", "P03", "W1"]
    p03 = by_code["P03"]
    assert (p03["last_stage_reached"], p03["dropped_at_stage"]) == ("Decision", "Decision")
    assert (p03["drop_reason"], p03["outcome_2"], p03["entries_2"]) == (
        "Payment failed",
        "skipped",
        "0",
    )
    assert (p03["entries"], p03["entries_1"], p03["emotion_1"]) == ("5", "2", "-1.00")
    assert by_code["P01"]["status"] == "finished" and by_code["P01"]["dropped_at_stage"] == ""
    assert sum(int(row["entries"]) for row in by_code.values()) == LIVE_ENTRIES


def test_map_shape_has_a_row_per_stage_and_lane(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, shape="map"))
    header, body = rows[0], rows[1:]
    assert len(body) == 3 * len(LANES)
    cells = {(row[2], row[3]): dict(zip(header, row, strict=True)) for row in body}
    touch = cells[("Awareness", "touchpoint")]
    assert (touch["entries"], touch["sessions"], touch["thin"]) == ("4", "3", "false")
    assert (touch["mean_emotion"], touch["rated"]) == ("0.00", "4")
    pain = cells[("Awareness", "pain")]
    assert pain["top_1"] == "'" + HYPERLINK and pain["top_1_entries"] == "1"
    # The same words typed twice, one of them tagged: one item, the tag a facet.
    goal = cells[("Awareness", "goal")]
    assert (goal["top_1"], goal["top_1_entries"], goal["tags"]) == (
        "Find a cheap one",
        "2",
        "price (1)",
    )
    # The workshop's opportunity is its own layer: no customer item, one sticky, 3 votes.
    opportunity = cells[("Awareness", "opportunity")]
    assert (opportunity["entries"], opportunity["top_1"]) == ("0", "")
    assert (opportunity["workshop_items"], opportunity["workshop_votes"]) == ("1", "3")
    assert cells[("Decision", "goal")]["entries"] == "0"


def test_touchpoints_shape(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, shape="touchpoints"))
    header = rows[0]
    found = {(row[1], row[3]): dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(found) == [
        ("Web", "Awareness"),
        ("Web", "Consideration"),
        ("Phone", "Awareness"),
        ("Store", "Consideration"),
        ("Store", "Decision"),
    ]
    store = found[("Store", "Consideration")]
    assert (store["went_on"], store["did_not"], store["went_on_share"]) == ("0", "1", "0.00")
    last = found[("Store", "Decision")]
    assert (last["went_on"], last["did_not"], last["went_on_share"]) == ("", "", "")


def test_codebook_describes_every_column_of_every_file(tmp_path: Path, fixed_db: Path) -> None:
    with open_database(fixed_db, read_only=True) as database:
        export(database, ExportOptions(shape="all", out=str(tmp_path)))
    book = rows_of((tmp_path / "codebook.csv").read_bytes())
    assert book[0] == ["file", "name", "type", "meaning", "allowed_values"]
    described: dict[str, list[str]] = {}
    for file_name, name, kind, meaning, _ in book[1:]:
        described.setdefault(file_name, []).append(name)
        assert kind and meaning
    for path in tmp_path.iterdir():
        assert described[path.name] == rows_of(path.read_bytes())[0], path.name
    lane = next(row for row in book if row[:2] == ["entries.csv", "lane"])
    assert lane[4] == "; ".join(LANES)


# --- filters ----------------------------------------------------------------------


def test_segment_filter(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, segment="new"))
    assert {row[2] for row in rows[1:]} == {"P01", "P02"}
    assert rows_of(run(db, tmp_path, "s", segment="NEW"))[1:] == rows[1:]


def test_since_filter(db, tmp_path: Path) -> None:
    everything = rows_of(run(db, tmp_path, "a", since="2026-03-02"))
    assert len(everything) == LIVE_ENTRIES + 1
    later = rows_of(run(db, tmp_path, "b", since="2026-03-02T09:00:28"))
    assert {row[2] for row in later[1:]} == {"P03", "W1"}
    none = rows_of(run(db, tmp_path, "c", since="2026-03-03"))
    assert none == [ENTRY_HEADER]


def test_lanes_filter(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, lanes="need, GOAL"))
    assert {row[8] for row in rows[1:]} == {"goal", "need"}
    assert len(rows) == 4
    sessions = rows_of(run(db, tmp_path, "s", shape="sessions", lanes="goal"))
    assert [row[13] for row in sessions[1:]] == ["1", "1", "0", "0"]


def test_include_deleted_adds_the_deleted_entry_and_a_column(db, tmp_path: Path) -> None:
    rows = rows_of(run(db, tmp_path, include_deleted=True))
    assert rows[0] == [*ENTRY_HEADER, "deleted_at"]
    assert len(rows) == LIVE_ENTRIES + 2
    deleted = [row for row in rows[1:] if row[-1]]
    assert [row[13] for row in deleted] == ["typed by mistake"]
    assert all(len(row) == len(ENTRY_HEADER) + 1 for row in rows)


def test_parse_lanes_and_since() -> None:
    assert parse_lanes(None) is None
    assert parse_lanes("pain,goal,pain") == ("goal", "pain")
    for bad in ("", " , ", "goal,feelings"):
        with pytest.raises(BadExportOption):
            parse_lanes(bad)
    assert parse_moment("2026-03-02", "--since") == "2026-03-02"
    assert parse_moment("2026-03-02T10:00", "--since") == "2026-03-02T10:00:00.000+00:00"
    assert parse_moment("2026-03-02T12:00+02:00", "--since") == "2026-03-02T10:00:00.000+00:00"
    assert parse_moment(" ", "--since") is None
    for bad in ("yesterday", "2026-13-01", "02/03/2026"):
        with pytest.raises(InvalidValue, match="--since"):
            parse_moment(bad, "--since")


# --- anonymize ---------------------------------------------------------------------


def test_anonymize_masks_contacts_and_removes_interviewers(db, tmp_path: Path) -> None:
    data = run(db, tmp_path, anonymize=True, linkage=str(tmp_path / "linkage.csv"))
    rows = rows_of(data)
    assert "interviewer" not in rows[0]
    assert rows[0] == [c for c in ENTRY_HEADER if c != "interviewer"]
    text = data.decode()
    for secret in ("ana", "ben", "kim", "jo@example.com", "7946", "P01", "W1"):
        assert secret not in text
    assert "call me on [phone] or mail [email]" in text
    codes = {row[2] for row in rows[1:]}
    assert len(codes) == 4 and all(re.fullmatch(r"anon-[0-9a-f]{12}", c) for c in codes)
    # Stable across runs; the linkage table maps codes to them.
    assert rows_of(run(db, tmp_path, "again", anonymize=True)) == rows
    linkage = rows_of((tmp_path / "linkage.csv").read_bytes())
    assert linkage[0] == ["study", "participant_code", "pseudonym"]
    assert {row[1] for row in linkage[1:]} == {"P01", "P02", "P03", "W1"}
    assert {row[2] for row in linkage[1:]} == codes
    assert stat.S_IMODE((tmp_path / "linkage.csv").stat().st_mode) == 0o600


def test_anonymized_json_has_no_people(db, tmp_path: Path) -> None:
    data = run(db, tmp_path, format="json", anonymize=True)
    payload = json.loads(data)
    study = payload["studies"][0]
    assert payload["anonymized"] is True
    assert all(s["interviewer"] is None for s in study["sessions"])
    assert all(e["author"] is None for e in study["entries"])
    assert all(p["personal_name"] is None for p in study["participants"])
    assert study["edits"] == []
    for secret in (b"Jo Doe", b"jo@example.com", b'"ana"', b'"kim"', b"7946"):
        assert secret not in data


def test_pseudonyms_and_masks() -> None:
    assert pseudonym("x") == pseudonym("x") != pseudonym("y")
    assert mask_contacts("mail a.b+c@example.co.uk, call 030 1234 5678") == (
        "mail [email], call [phone]"
    )
    assert mask_contacts("+1 (555) 123-4567 or 0049 30 123456") == "[phone] or [phone]"
    for kept in ("on 2026-03-02 at 10:30", "3 days", "costs 1,299.00", "v1.2.3", "a@b"):
        assert mask_contacts(kept) == kept


# --- JSON -----------------------------------------------------------------------------


def test_json_structure(db, tmp_path: Path) -> None:
    payload = json.loads(run(db, tmp_path, format="json"))
    assert (payload["format"], payload["version"]) == ("journey-export", 1)
    (study,) = payload["studies"]
    assert study["name"] == STUDY
    assert [len(study[k]) for k in ("stages", "channels", "prompts", "tags")] == [3, 3, 3, 4]
    assert [len(study[k]) for k in ("participants", "sessions", "progress")] == [4, 4, 10]
    assert len(study["entries"]) == LIVE_ENTRIES
    assert len(study["edits"]) == 1  # the vote; the deleted entry's edit left out with it
    ids = {s["id"] for s in study["stages"]}
    assert all(e["stage_id"] in ids for e in study["entries"])
    sessions = {s["id"] for s in study["sessions"]}
    assert all(e["session_id"] in sessions for e in study["entries"])
    entry = next(e for e in study["entries"] if e["text"] == "called them")
    assert entry["tags"] == ["phone", "support"] and entry["emotion"] == -2
    assert next(e for e in study["entries"] if e["lane"] == "pain")["text"] == HYPERLINK
    deleted = json.loads(run(db, tmp_path, "d", format="json", include_deleted=True))
    assert len(deleted["studies"][0]["entries"]) == LIVE_ENTRIES + 1
    assert len(deleted["studies"][0]["edits"]) == 2


def test_json_covers_every_study(tmp_path: Path, fixed_db: Path) -> None:
    two = tmp_path / "two.db"
    two.write_bytes(fixed_db.read_bytes())
    with open_database(two) as database:
        add_demo_sessions(database, 2, seed=3)
    with open_database(two, read_only=True) as database:
        payload = json.loads(run(database, tmp_path, format="json"))
        rows = rows_of(run(database, tmp_path, "e"))
    assert [s["name"] for s in payload["studies"]] == [STUDY, "Demo study"]
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), key=str.lower)


# --- JSON: the workshop (themes, links, votes) ---------------------------------------------


@pytest.fixture(scope="module")
def workshop_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workshop(tmp_path_factory.mktemp("workshop") / "workshop.db")


@pytest.fixture
def workshop(workshop_path: Path):
    database = open_database(workshop_path, read_only=True)
    yield database
    database.close()


def workshop_json(database, tmp_path: Path, **options) -> dict:
    data = run(database, tmp_path, "w.json", format="json", force=True, **options)
    (study,) = json.loads(data)["studies"]
    assert_references(study)
    return study


def assert_references(study: dict) -> None:
    """Every workshop reference points at an object of the study in the file."""
    themes = {t["id"] for t in study["themes"]}
    lanes = {e["id"]: e["lane"] for e in study["entries"]}
    sessions = {s["id"] for s in study["sessions"]}
    assert all(e["theme_id"] in themes for e in study["entries"] if e["theme_id"])
    for found in study["entry_links"]:
        assert lanes[found["opportunity_id"]] == "opportunity"
        assert lanes[found["pain_id"]] == "pain"
    for vote in study["votes"]:
        assert vote["entry_id"] in lanes and vote["session_id"] in sessions


def test_golden_workshop_json(workshop, tmp_path: Path) -> None:
    assert_golden("export-workshop.json", run(workshop, tmp_path, format="json"))


def test_json_holds_the_workshop(workshop, tmp_path: Path) -> None:
    study = workshop_json(workshop, tmp_path)
    (theme,) = study["themes"]  # the ungrouped one is left out
    assert (theme["title"], theme["author"], theme["deleted_at"]) == (THEME_TITLE, "kim", None)
    text = {e["id"]: e["text"] for e in study["entries"]}
    grouped = [text[e["id"]] for e in study["entries"] if e["theme_id"] == theme["id"]]
    assert grouped == [HYPERLINK, "too many ads"]
    assert [
        (text[x["opportunity_id"]], text[x["pain_id"]], x["author"]) for x in study["entry_links"]
    ] == [
        ("say who we are", "too many ads", "kim"),
        ("say who we are", "prices differ", "kim"),
    ]
    kim, lee = (s["id"] for s in study["sessions"] if s["mode"] == "workshop")
    assert [(text[v["entry_id"]], v["session_id"], v["votes"]) for v in study["votes"]] == [
        ("too many ads", lee, 1),
        ("say who we are", kim, 1),
        ("say who we are", lee, 2),
    ]
    totals = {e["text"]: e["votes"] for e in study["entries"]}
    assert (totals["say who we are"], totals["too many ads"]) == (6, 1)  # 3 set before voting
    deleted = workshop_json(workshop, tmp_path, include_deleted=True)
    assert [(t["title"], t["deleted_at"] is not None) for t in deleted["themes"]] == [
        (THEME_TITLE, False),
        ("Search", True),
    ]


def test_anonymized_json_has_no_workshop_authors(workshop, tmp_path: Path) -> None:
    data = run(workshop, tmp_path, format="json", anonymize=True)
    (study,) = json.loads(data)["studies"]
    assert_references(study)
    assert [t["title"] for t in study["themes"]] == ["Ads everywhere (ask [email])"]
    assert all(t["author"] is None for t in study["themes"])
    assert all(x["author"] is None for x in study["entry_links"])
    assert len(study["entry_links"]) == 2 and len(study["votes"]) == 3
    for secret in (b'"kim"', b'"lee"', b"kim@example.com"):
        assert secret not in data


def test_json_workshop_follows_the_filters(workshop, tmp_path: Path) -> None:
    # W1 and the second workshop have no participant: a segment leaves them out, with
    # their opportunity (so its links) and their votes; themes stay complete.
    new = workshop_json(workshop, tmp_path, segment="new")
    assert len(new["themes"]) == 1 and new["entry_links"] == [] and new["votes"] == []
    assert [e["text"] for e in new["entries"] if e["theme_id"]] == [HYPERLINK]
    # Only pains: no opportunity, so no link; the pain's vote stays.
    pains = workshop_json(workshop, tmp_path, lanes="pain")
    assert pains["entry_links"] == []
    assert [v["votes"] for v in pains["votes"]] == [1]


# --- Markdown and Mermaid ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        ("| a | b |", "\\| a \\| b \\|"),
        ("# heading", "\\# heading"),
        ("`code`", "\\`code\\`"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("*a* _b_ [c](d) ~e~ &amp;", "\\*a\\* \\_b\\_ \\[c\\](d) \\~e\\~ \\&amp;"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("> quoted", "\\> quoted"),
        ("two\nlines\x1b", "two lines"),
    ],
)
def test_markdown_escapes_people_s_text(text: str, shown: str) -> None:
    assert md_text(text) == shown


def test_markdown_report(db, tmp_path: Path) -> None:
    report = run(db, tmp_path, format="md").decode()
    assert report.startswith(f"# Journey map: {STUDY}\n")
    for heading in ("## 1. Awareness", "## 2. Consideration", "## 3. Decision"):
        assert heading in report
    assert "| Web *(thin)* | 2 | 2 | +1.50 | 2 | 0 | 0 |" in report
    # The workshop's "shipping cost" drop is no customer's: only P02's reason.
    assert "Why they left: too expensive (1)." in report
    assert "- say who we are (workshop only: 1 sticky, 3 votes)" in report
    assert "\\| pipes \\|" in report and "<b>" not in report
    assert "- \\# not a heading (1 entry)" in report
    assert all(
        re.match(r"(# Journey|## \d\.|## Emotion|### [A-Z])", line)
        for line in report.splitlines()
        if line.startswith("#")
    )


def test_emotion_curve() -> None:
    assert curve(None) == "`-2 ····┼···· +2`"
    assert curve(-2) == "`-2 ●···┼···· +2`"
    assert curve(0) == "`-2 ····●···· +2`"
    assert curve(2) == "`-2 ····┼···● +2`"
    assert curve(0.6) == "`-2 ····┼●··· +2`"


def test_mermaid_diagram(db, tmp_path: Path) -> None:
    diagram = run(db, tmp_path, format="mermaid").decode()
    lines = diagram.splitlines()
    assert lines[:3] == ["journey", f"    title {STUDY}", "    section Awareness"]
    assert "        Web (2 mentions): 5: Customer" in lines
    assert "        Phone (2 mentions): 2: Customer" in lines
    for line in lines[1:]:
        body = line.strip()
        if body.startswith(("title ", "section ")):
            assert not re.search(r"[#:;%]", body), line
        elif not body.startswith("%%"):
            name, value, actor = body.split(":")
            assert not re.search(r"[#;%]", name) and 1 <= int(value) <= 5 and actor.strip()


@pytest.mark.parametrize(
    ("mean", "expected"),
    [(None, 3), (-2, 1), (-1.6, 1), (-1.5, 2), (-0.5, 3), (0, 3), (0.49, 3), (1.5, 5), (9, 5)],
)
def test_mermaid_score(mean, expected: int) -> None:
    assert score(mean) == expected


def test_mermaid_names_cannot_break_the_syntax() -> None:
    assert mermaid_text("Web: site; #1 %%{init}%%\nnext") == "Web site 1 init next"
    assert mermaid_text(":#;") == "?"


# --- files: private, atomic, never replaced without --force -------------------------------


def test_new_files_are_private(db, tmp_path: Path) -> None:
    run(db, tmp_path)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o600
    export(db, ExportOptions(shape="all", out=str(tmp_path / "")))
    for name in ("entries.csv", "codebook.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_an_existing_file_is_not_replaced_without_force(db, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me")
    with pytest.raises(OutputExists, match="--force"):
        export(db, ExportOptions(out=str(target)))
    assert target.read_text() == "keep me"
    export(db, ExportOptions(out=str(target), force=True))
    assert target.read_bytes() == (GOLDEN / "entries.csv").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_shape_all_refuses_before_writing_anything(db, tmp_path: Path) -> None:
    (tmp_path / "map.csv").write_text("keep me")
    with pytest.raises(OutputExists, match="map.csv: already exists"):
        export(db, ExportOptions(shape="all", out=str(tmp_path)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.csv"]
    assert (tmp_path / "map.csv").read_text() == "keep me"
    export(db, ExportOptions(shape="all", out=str(tmp_path), force=True))
    assert len(list(tmp_path.iterdir())) == 5


def test_an_error_leaves_no_half_file_and_no_temporary_file(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_rows.iter_entry_rows

    def failing(*args, **kwargs):
        for number, row in enumerate(real(*args, **kwargs)):
            if number == 5:
                raise OSError(28, "No space left on device")
            yield row

    monkeypatch.setattr(export_rows, "iter_entry_rows", failing)
    target = tmp_path / "entries.csv"
    with pytest.raises(Exception, match="No space left"):
        export(db, ExportOptions(out=str(target)))
    assert list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(Exception, match="No space left"):
        export(db, ExportOptions(out=str(target), force=True))
    assert list(tmp_path.iterdir()) == [target] and target.read_text() == "old"
    folder = tmp_path / "all"
    folder.mkdir()
    with pytest.raises(Exception, match="No space left"):
        export(db, ExportOptions(shape="all", out=str(folder)))
    assert list(folder.iterdir()) == []


def test_shape_all_makes_a_missing_folder_in_an_existing_one(db, tmp_path: Path) -> None:
    out = tmp_path / "results"
    export(db, ExportOptions(shape="all", out=f"{out}/"))
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert sorted(p.name for p in out.iterdir()) == [f"{key}.csv" for key in sorted(ALL_FILES)]
    assert (out / "entries.csv").read_bytes() == (GOLDEN / "entries.csv").read_bytes()
    shared = tmp_path / "shared"
    linkage = shared / "linkage.csv"  # may go into the folder being made, too
    export(
        db,
        ExportOptions(
            shape="all", out=str(shared), group=True, anonymize=True, linkage=str(linkage)
        ),
    )
    assert stat.S_IMODE(shared.stat().st_mode) == 0o770
    assert len(list(shared.iterdir())) == 6
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o660 for p in shared.iterdir())


def test_shape_all_refuses_a_folder_whose_parent_is_missing(db, tmp_path: Path) -> None:
    with pytest.raises(BadExportOption, match="missing: no such folder"):
        prepare_export(db, ExportOptions(shape="all", out=str(tmp_path / "missing" / "results")))
    (tmp_path / "file").write_text("keep")
    with pytest.raises(BadExportOption, match="file: is not a folder"):
        export(db, ExportOptions(shape="all", out=str(tmp_path / "file")))
    with pytest.raises(BadExportOption, match="file: is not a folder"):
        export(db, ExportOptions(shape="all", out=str(tmp_path / "file" / "results")))
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
    # Checking makes nothing: only running the export does.
    prepare_export(db, ExportOptions(shape="all", out=str(tmp_path / "later")))
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_a_failed_export_removes_the_folder_it_made(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_rows.iter_entry_rows

    def failing(*args, **kwargs):
        for number, row in enumerate(real(*args, **kwargs)):
            if number == 5:
                raise OSError(28, "No space left on device")
            yield row

    with monkeypatch.context() as patch:
        patch.setattr(export_rows, "iter_entry_rows", failing)
        with pytest.raises(OutputFailed, match="No space left"):
            export(db, ExportOptions(shape="all", out=str(tmp_path / "results")))
    assert list(tmp_path.iterdir()) == []
    # A failure while giving the files their names (a hard link without --force, a
    # rename with it), after some files are in place: they go with the folder.
    calls = [0]

    def third_fails(real):
        def step(source, target, **kwargs):
            calls[0] += 1
            if calls[0] == 3:
                raise OSError(5, "Input/output error")
            real(source, target, **kwargs)

        return step

    with monkeypatch.context() as patch:
        patch.setattr(os, "link", third_fails(os.link))
        patch.setattr(os, "replace", third_fails(os.replace))
        with pytest.raises(OutputFailed, match="Input/output error"):
            export(db, ExportOptions(shape="all", out=str(tmp_path / "results")))
    assert calls[0] == 3
    assert list(tmp_path.iterdir()) == []
    # An interrupt is a failure too.
    with monkeypatch.context() as patch:
        patch.setattr(export_rows, "iter_entry_rows", _interrupted(real))
        with pytest.raises(KeyboardInterrupt):
            export(db, ExportOptions(shape="all", out=str(tmp_path / "results")))
    assert list(tmp_path.iterdir()) == []


def _interrupted(real):
    def rows(*args, **kwargs):
        yield from itertools.islice(real(*args, **kwargs), 3)
        raise KeyboardInterrupt

    return rows


def test_the_database_itself_is_never_a_target(db, fixed_db: Path) -> None:
    with pytest.raises(BadExportOption, match="database itself"):
        prepare_export(db, ExportOptions(out=str(fixed_db), force=True), database_path=fixed_db)


# --- options and studies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "xml"}, "--format: 'xml' is not one of csv, xlsx, json, md, mermaid"),
        ({"shape": "wide"}, "--shape: 'wide' is not one of"),
        ({"format": "json", "shape": "map"}, "--shape is for --format csv"),
        ({"format": "md", "excel": True}, "--excel is for --format csv"),
        ({"format": "mermaid", "delimiter": ";"}, "--delimiter is for --format csv"),
        ({"delimiter": "|"}, "--delimiter: '|' is not one of"),
        ({"linkage": "l.csv"}, "--linkage needs --anonymize"),
        ({"lanes": "goal,mood"}, "unknown lane 'mood'"),
        ({"since": "soon"}, "--since: 'soon' is not a date"),
        ({"shape": "all"}, "--shape all writes five files"),
        ({"study": "Nope"}, "no study named 'Nope'"),
    ],
)
def test_bad_options(db, options: dict, message: str) -> None:
    with pytest.raises((InvalidValue, StudyNotFound), match=re.escape(message)):
        prepare_export(db, ExportOptions(**options))


def test_per_study_outputs_need_a_study_when_there_are_several(
    tmp_path: Path, fixed_db: Path
) -> None:
    two = tmp_path / "two.db"
    two.write_bytes(fixed_db.read_bytes())
    with open_database(two) as database:
        add_demo_sessions(database, 1, seed=3)
    with open_database(two, read_only=True) as database:
        for options in ({"shape": "map"}, {"shape": "touchpoints"}, {"format": "md"}):
            with pytest.raises(StudyNotChosen, match="'Checkout study', 'Demo study'"):
                prepare_export(database, ExportOptions(**options))
        job = prepare_export(database, ExportOptions(shape="map", study="checkout STUDY"))
        assert [s.name for s in job.scope.studies] == [STUDY]
        assert prepare_export(database, ExportOptions(shape="sessions")).scope.study_ids


def test_progress_is_reported_for_files(db, tmp_path: Path) -> None:
    job = prepare_export(db, ExportOptions(shape="all", out=str(tmp_path)))
    assert job.rows == LIVE_ENTRIES + 4
    seen: list[int] = []
    job.run(seen.append)
    assert sum(seen) == LIVE_ENTRIES + 4


# --- constant memory ---------------------------------------------------------------------------


def test_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    with open_database(path, create=True) as database:
        add_demo_sessions(database, 150, seed=2)
    with open_database(path, read_only=True) as database:
        rows = export_rows.count_entry_rows(database, [s.id for s in _studies(database)])
        assert rows > 9_000
        # A first export fills the interpreter's free lists (it keeps up to 2,000 spare
        # tuples of each small size, which a row of 20 columns is): a constant cost that
        # tracing would otherwise count as if it grew with the rows.
        export(database, ExportOptions(out=str(tmp_path / "warm-up.csv")))
        tracemalloc.start()
        try:
            export(database, ExportOptions(out=str(tmp_path / "big.csv")))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    size = (tmp_path / "big.csv").stat().st_size
    assert size > 1_500_000
    assert peak < size / 4, (peak, size)  # a list of the rows would be several times the file


def _studies(database):
    from journey.storage.studies import list_studies

    return list_studies(database)
