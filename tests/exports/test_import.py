"""`journey import`: our entries CSV and JSON export back in, survey CSVs through a mapping.

Every error is checked for its row and column and for leaving the database as it
was (its bytes, or its row counts).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.journey_map import build_map
from journey.capture.study import new_study
from journey.exports.formula import neutralise
from journey.exports.readers.csv_read import (
    ImportFailed,
    ImportProblems,
    decode,
    parse_csv,
    unneutralise,
)
from journey.exports.readers.importer import import_file
from journey.exports.readers.survey_mapping import MappingError, Scale, parse_mapping
from journey.storage import open_database
from journey.storage.entries import add_entry
from journey.storage.sessions import add_participant, start_session
from journey.storage.studies import find_study, stages
from journey.storage.workshop import session_votes
from journey.tui.cli import app
from tests.export_study import STUDY, THEME_TITLE, build_workshop
from tests.paths import DATA, REPO

SURVEY = DATA / "survey_1to5.csv"
MAPPING = DATA / "survey_mapping.toml"
HEADER = [
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
    "created_at",
    "updated_at",
]
S1 = "11111111-1111-4111-8111-111111111111"
S2 = "22222222-2222-4222-8222-222222222222"
TABLES = ("studies", "stages", "channels", "participants", "sessions", "entries", "tags")


def entry_row(**values: str) -> list[str]:
    base = {
        "study": "Checkout study",
        "session_id": S1,
        "participant_code": "P01",
        "segment": "first-time buyer",
        "interviewer": "ana",
        "mode": "interview",
        "stage_position": "1",
        "stage": "Awareness",
        "lane": "goal",
        "channel": "",
        "emotion": "",
        "effort": "",
        "votes": "0",
        "text": "find a good deal",
        "tags": "",
        "created_at": "2026-09-01T09:00:00.000+00:00",
        "updated_at": "2026-09-01T09:00:00.000+00:00",
    }
    base.update(values)
    return [base[name] for name in HEADER]


SAMPLE_ROWS = [
    entry_row(),
    entry_row(
        lane="touchpoint",
        channel="website",
        emotion="-1",
        effort="6",
        text="asked me to register twice",
        tags="checkout;Mobile",
        created_at="2026-09-01T09:01:00.000+00:00",
        updated_at="2026-09-01T09:05:00.000+00:00",
    ),
    entry_row(
        stage_position="3",
        stage="Decision",
        lane="pain",
        emotion="-2",
        text="shipping cost only at the end,\nso I left",
        created_at="2026-09-01T09:02:00.000+00:00",
        updated_at="2026-09-01T09:02:00.000+00:00",
    ),
    entry_row(
        session_id=S2,
        participant_code="P02",
        segment="returning customer",
        interviewer="ben",
        lane="quote",
        text='"I just wanted to pay and go."',
        created_at="2026-09-02T10:00:00.000+00:00",
        updated_at="2026-09-02T10:00:00.000+00:00",
    ),
]


def csv_bytes(
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ",",
    newline: str = "\r\n",
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def state(path: Path) -> tuple[bytes, bytes]:
    """The database file and its WAL, byte for byte (a read-only open may leave an
    empty WAL behind, which is no change)."""
    wal = Path(f"{path}-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def invoke(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "import", *map(str, args)])


def error_lines(result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert all(line.startswith("journey: ") for line in lines), lines
    return [line.removeprefix("journey: ") for line in lines]


# --- our entries CSV ------------------------------------------------------------------


def test_entries_csv_into_an_empty_database(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    result = invoke(runner, db_path, path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "Imported 2 sessions (4 entries) from entries.csv into 'Checkout study' "
        "(a new study, five-stage)"
    )
    assert "tags added: checkout, Mobile" in result.stdout
    # The stage names fit the five-stage template: the study gets all of it.
    with open_database(db_path, read_only=True) as db:
        study = find_study(db, "Checkout study")
        assert study is not None and study.template == "five-stage"
        assert [s.name for s in stages(db, study.id)][:3] == [
            "Awareness",
            "Consideration",
            "Decision",
        ]
    assert counts(db_path)["channels"] == 14  # the template's, "website" matched Website
    assert query(
        db_path,
        "SELECT e.lane, c.name, e.emotion, e.effort, e.text FROM entries e "
        "LEFT JOIN channels c ON c.id = e.channel_id ORDER BY e.created_at",
    ) == [
        ("goal", None, None, None, "find a good deal"),
        ("touchpoint", "Website", -1, 6, "asked me to register twice"),
        ("pain", None, -2, None, "shipping cost only at the end,\nso I left"),
        ("quote", None, None, None, '"I just wanted to pay and go."'),
    ]
    assert query(
        db_path,
        "SELECT s.id, p.code, p.segment, s.interviewer, s.status, s.started_at, s.updated_at "
        "FROM sessions s JOIN participants p ON p.id = s.participant_id ORDER BY s.started_at",
    ) == [
        (
            S1,
            "P01",
            "first-time buyer",
            "ana",
            "finished",
            "2026-09-01T09:00:00.000+00:00",
            "2026-09-01T09:05:00.000+00:00",
        ),
        (
            S2,
            "P02",
            "returning customer",
            "ben",
            "finished",
            "2026-09-02T10:00:00.000+00:00",
            "2026-09-02T10:00:00.000+00:00",
        ),
    ]
    # Every stage with an entry is reached.
    assert query(
        db_path,
        "SELECT st.name, sp.outcome FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id "
        "WHERE sp.session_id = ? ORDER BY st.position",
        (S1,),
    ) == [("Awareness", "reached"), ("Decision", "reached")]
    assert sorted(query(db_path, "SELECT name FROM tags")) == [("Mobile",), ("checkout",)]


def test_importing_the_same_file_twice_adds_nothing(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    assert invoke(runner, db_path, path).exit_code == 0
    before = counts(db_path)
    result = invoke(runner, db_path, path)
    assert result.exit_code == 0, result.output
    assert "Imported 0 sessions (0 entries)" in result.stdout
    assert "skipped 2 sessions already in the database (4 entries)" in result.stdout
    assert counts(db_path) == before


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_delimiters_line_ends_and_bom(
    db_path: Path, tmp_path: Path, delimiter: str, newline: str, bom: bool
) -> None:
    path = write(
        tmp_path,
        "entries.csv",
        csv_bytes(SAMPLE_ROWS, delimiter=delimiter, newline=newline, bom=bom),
    )
    with open_database(db_path) as db:
        report = import_file(db, path)
    assert report.delimiter == delimiter
    assert (report.sessions, report.entries) == (2, 4)
    assert query(db_path, "SELECT name FROM studies") == [("Checkout study",)]
    # The quoted line break survives, as a plain \n.
    assert query(db_path, "SELECT text FROM entries WHERE lane = 'pain'") == [
        ("shipping cost only at the end,\nso I left",)
    ]


def test_quoted_crlf_inside_a_cell_becomes_a_newline(db_path: Path, tmp_path: Path) -> None:
    rows = [entry_row(text="first line\r\nsecond line\r\nthird")]
    path = write(tmp_path, "entries.csv", csv_bytes(rows, newline="\n"))
    with open_database(db_path) as db:
        import_file(db, path)
    assert query(db_path, "SELECT text FROM entries") == [("first line\nsecond line\nthird",)]


def test_latin_1_needs_encoding(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    rows = [
        entry_row(),
        entry_row(text="caf\u00e9 cr\u00e8me, tr\u00e8s cher", lane="pain"),
    ]
    path = write(tmp_path, "latin.csv", csv_bytes(rows, encoding="latin-1"))
    before = state(db_path)
    lines = error_lines(invoke(runner, db_path, path))
    assert len(lines) == 1
    assert lines[0].startswith("latin.csv: row 3: bytes e9 ")
    assert "not valid UTF-8" in lines[0] and "--encoding" in lines[0]
    assert state(db_path) == before

    result = invoke(runner, db_path, path, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert query(db_path, "SELECT text FROM entries WHERE lane = 'pain'") == [
        ("caf\u00e9 cr\u00e8me, tr\u00e8s cher",)
    ]


def test_undecodable_row_is_counted_in_records_not_lines(tmp_path: Path) -> None:
    # Row 2 spans two lines (a quoted line break); the bad byte is in row 3, line 4.
    raw = b'study,text\r\nA,"one\r\ntwo"\r\nB,caf\xe9\r\n'
    with pytest.raises(ImportFailed, match=r"^x\.csv: row 3: bytes e9 are not valid UTF-8"):
        decode(raw, "x.csv")


def test_unknown_encoding_is_one_line(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    lines = error_lines(invoke(runner, db_path, path, "--encoding", "klingon-8"))
    assert lines == ["unknown encoding 'klingon-8' (for example utf-8, cp1252, latin-1, utf-16)"]


def test_utf16_with_bom_is_recognised(db_path: Path, tmp_path: Path) -> None:
    rows = [entry_row(text="\u00e9t\u00e9 \u2014 summer")]
    path = write(tmp_path, "excel.csv", csv_bytes(rows, delimiter="\t", encoding="utf-16"))
    with open_database(db_path) as db:
        report = import_file(db, path)
    assert report.entries == 1
    assert query(db_path, "SELECT text FROM entries") == [("\u00e9t\u00e9 \u2014 summer",)]


FORMULAS = ["=1+2", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", " =1+2", '=1+2";=1+2']


@pytest.mark.parametrize("value", FORMULAS)
def test_neutralised_cells_are_restored(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize("value", ["'hello", "'", "-1", "'-1", "plain", "'x = 1", "'  "])
def test_other_quotes_are_kept(value: str) -> None:
    assert unneutralise(value) == value


def test_a_typed_quote_before_a_formula_is_ambiguous() -> None:
    # The exporter writes a stored `'=x` as it is (it does not start with a
    # trigger), and the import cannot tell it from a neutralised `=x`.
    assert neutralise("'=x") == "'=x"
    assert unneutralise("'=x") == "=x"


def test_formula_cells_read_back_exactly(db_path: Path, tmp_path: Path) -> None:
    texts = ["=1+2", "-1+1", "@SUM(A1)", "+1", "'quoted by the speaker", "-1"]
    rows = [
        entry_row(
            text=neutralise(text),
            channel=neutralise("=Evil channel") if i == 0 else "",
            tags=neutralise("+tag"),
            created_at=f"2026-09-01T09:0{i}:00.000+00:00",
            updated_at=f"2026-09-01T09:0{i}:00.000+00:00",
        )
        for i, text in enumerate(texts)
    ]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db:
        import_file(db, path)
    assert [r[0] for r in query(db_path, "SELECT text FROM entries ORDER BY created_at")] == texts
    assert query(db_path, "SELECT name FROM tags") == [("+tag",)]
    assert ("=Evil channel",) in query(db_path, "SELECT name FROM channels")


def test_control_characters_are_removed(db_path: Path, tmp_path: Path) -> None:
    rows = [entry_row(text="red \x1b[31malert\x1b[0m \x07done\x9b", participant_code="P\x0001")]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db:
        import_file(db, path)
    assert query(db_path, "SELECT text FROM entries") == [("red [31malert[0m done",)]
    assert query(db_path, "SELECT code FROM participants") == [("P01",)]


def test_errors_name_row_and_column_and_nothing_is_written(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    rows = [
        entry_row(),  # row 2: fine
        entry_row(lane="wish"),  # row 3
        entry_row(emotion="5"),  # row 4
        entry_row(created_at="01/09/2026"),  # row 5
        entry_row(text="x" * 10_001),  # row 6
        entry_row(text="   "),  # row 7
        entry_row(stage="Checkout"),  # row 8: not a stage of the existing study
        entry_row(effort="e4", votes="-3"),  # row 9
        entry_row(session_id="not-a-uuid"),  # row 10
        entry_row(interviewer="ben"),  # row 11: same session, another interviewer
    ]
    path = write(tmp_path, "bad.csv", csv_bytes(rows))
    before = state(study_db)
    lines = error_lines(invoke(runner, study_db, path))
    assert lines == [
        "bad.csv: row 3, column \"lane\": 'wish' is not one of goal, need, expectation, "
        "touchpoint, pain, delight, quote, opportunity, note",
        'bad.csv: row 4, column "emotion": 5 is outside -2..+2',
        "bad.csv: row 5, column \"created_at\": '01/09/2026' is not an ISO 8601 time such as "
        "2026-09-01T09:30:00+00:00",
        'bad.csv: row 6, column "text": the entry is 10,001 characters long; the limit is '
        "10,000: split it into several entries",
        'bad.csv: row 7, column "text": the entry is empty',
        "bad.csv: row 8, column \"stage\": study 'Checkout study' has no stage 'Checkout' "
        "(its stages: Awareness, Consideration, Decision, Retention, Advocacy)",
        "bad.csv: row 9, column \"effort\": 'e4' is not a whole number (1..7)",
        "bad.csv: row 9, column \"votes\": '-3' is not a number of votes",
        "bad.csv: row 10, column \"session_id\": 'not-a-uuid' is not a session id (a UUID)",
        "bad.csv: row 11, column \"interviewer\": 'ben' differs from 'ana' in row 2 of the "
        "same session",
        "10 problems; nothing was imported",
    ]
    assert state(study_db) == before


def test_many_problems_are_cut_after_twenty(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    rows = [entry_row(emotion="9") for _ in range(25)]
    path = write(tmp_path, "bad.csv", csv_bytes(rows))
    lines = error_lines(invoke(runner, db_path, path))
    assert len(lines) == 22
    assert lines[0] == 'bad.csv: row 2, column "emotion": 9 is outside -2..+2'
    assert lines[19] == 'bad.csv: row 21, column "emotion": 9 is outside -2..+2'
    assert lines[20:] == ["and 5 more", "25 problems; nothing was imported"]
    assert counts(db_path)["entries"] == 0


def test_extra_cells_in_a_row(db_path: Path, tmp_path: Path) -> None:
    data = csv_bytes([entry_row()]) + b"Checkout study," + b"x," * 17 + b"surprise\r\n"
    path = write(tmp_path, "wide.csv", data)
    with open_database(db_path) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, path)
    assert str(caught.value.problems[0]) == (
        "wide.csv: row 3: 19 cells, but the header has 17 columns "
        "(a delimiter or quote out of place?)"
    )


def test_dry_run_writes_nothing(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    before = state(db_path)
    result = invoke(runner, db_path, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "Would import 2 sessions (4 entries) from entries.csv into 'Checkout study' "
        "(a new study, five-stage)"
    )
    assert result.stdout.splitlines()[-1] == "Dry run: nothing was written"
    assert state(db_path) == before
    assert counts(db_path)["studies"] == 0


def test_dry_run_still_reports_problems(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", csv_bytes([entry_row(lane="wish")]))
    lines = error_lines(invoke(runner, db_path, path, "--dry-run"))
    assert lines[-1] == "1 problem; nothing was imported"


def test_existing_study_channels_match_and_new_ones_are_added(
    study_db: Path, tmp_path: Path
) -> None:
    rows = [
        entry_row(lane="touchpoint", channel="LIVE CHAT", text="quick answer"),
        entry_row(lane="touchpoint", channel="Carrier pigeon", text="slow but charming"),
        entry_row(lane="touchpoint", channel="carrier PIGEON", text="again"),
    ]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(study_db) as db:
        report = import_file(db, path)
    assert report.studies[0].channels == ["Carrier pigeon"]
    assert not report.studies[0].created
    assert query(
        study_db,
        "SELECT c.name FROM entries e JOIN channels c ON c.id = e.channel_id ORDER BY e.rowid",
    ) == [("Live chat",), ("Carrier pigeon",), ("Carrier pigeon",)]


def test_existing_participant_is_reused(study_db: Path, tmp_path: Path) -> None:
    with open_database(study_db) as db:
        study = find_study(db, "Checkout study")
        assert study is not None
        add_participant(db, study.id, "P01", segment="small business")
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    with open_database(study_db) as db:
        report = import_file(db, path)
    assert report.studies[0].participants == 1  # only P02 is new
    assert sorted(query(study_db, "SELECT code, segment FROM participants")) == [
        ("P01", "small business"),
        ("P02", "returning customer"),
    ]


def test_custom_stages_make_a_study_of_their_own(db_path: Path, tmp_path: Path) -> None:
    rows = [
        entry_row(study="Onboarding", stage_position="2", stage="First value"),
        entry_row(study="Onboarding", stage_position="1", stage="Sign-up"),
        entry_row(study="Onboarding", stage_position="", stage="Habit"),
    ]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db:
        report = import_file(db, path)
        study = find_study(db, "Onboarding")
        assert study is not None and study.template == "imported"
        assert [(s.position, s.name) for s in stages(db, study.id)] == [
            (1, "Sign-up"),
            (2, "First value"),
            (3, "Habit"),
        ]
    assert report.studies[0].created


def test_stage_positions_must_agree(db_path: Path, tmp_path: Path) -> None:
    rows = [
        entry_row(stage_position="1", stage="Awareness"),
        entry_row(stage_position="2", stage="Awareness"),
    ]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, path)
    assert [str(p) for p in caught.value.problems] == [
        "entries.csv: row 3, column \"stage_position\": stage 'Awareness' is at position 1 in row 2"
    ]


def test_several_studies_in_one_file(db_path: Path, tmp_path: Path) -> None:
    rows = [entry_row(), entry_row(study="Second study", session_id=S2)]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db:
        report = import_file(db, path)
    assert [s.study for s in report.studies] == ["Checkout study", "Second study"]
    with open_database(db_path) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, path, study="Elsewhere")
    assert "holds several studies" in str(caught.value)


def test_study_option_renames_a_one_study_file(db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    with open_database(db_path) as db:
        import_file(db, path, study="Field study")
    assert query(db_path, "SELECT name FROM studies") == [("Field study",)]


def test_rows_without_a_session_id_get_one_per_participant(db_path: Path, tmp_path: Path) -> None:
    rows = [
        entry_row(session_id=""),
        entry_row(session_id="", lane="need"),
        entry_row(session_id="", participant_code="P02"),
    ]
    path = write(tmp_path, "entries.csv", csv_bytes(rows))
    with open_database(db_path) as db:
        report = import_file(db, path)
    assert (report.sessions, report.entries) == (2, 3)


def test_unknown_columns_are_ignored_and_named(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    header = [*HEADER, "analyst note"]
    path = write(tmp_path, "entries.csv", csv_bytes([[*entry_row(), "check"]], header=header))
    result = invoke(runner, db_path, path)
    assert result.exit_code == 0, result.output
    assert '  columns ignored: "analyst note"' in result.stdout


# --- files that cannot be read --------------------------------------------------------


def test_not_our_csv_asks_for_a_mapping(runner: CliRunner, db_path: Path) -> None:
    lines = error_lines(invoke(runner, db_path, SURVEY))
    assert lines == [
        "survey_1to5.csv: not a journey entries CSV (no column stage, lane, text, study); "
        "a survey export needs --mapping MAPPING.toml"
    ]


def test_other_export_shapes_are_named(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "map.csv", "study,stage_position,stage,lane,n,emotion_mean\r\n")
    lines = error_lines(invoke(runner, db_path, path))
    assert lines == [
        "map.csv: this is the map CSV of journey export; only the entries CSV (--shape "
        "entries) and the JSON export can be imported"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "{path}: no such file"),
        (b"", "missing.csv: the file is empty"),
        (b"\r\n\r\n", "missing.csv: row 1 is empty; the first row must be the header"),
        (
            b'study,stage,lane,text\r\nA,Awareness,goal,"unclosed\r\n',
            "missing.csv: row 2: not valid CSV (unexpected end of data)",
        ),
        (
            ",".join(HEADER).encode() + b"\r\n",
            "missing.csv: the file has a header but no rows to import",
        ),
    ],
)
def test_unreadable_files_are_one_line(
    runner: CliRunner, db_path: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "missing.csv"
    if content is not None:
        path.write_bytes(content)
    before = state(db_path)
    assert error_lines(invoke(runner, db_path, path)) == [message.format(path=path)]
    assert state(db_path) == before


def test_a_folder_is_not_a_file(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert error_lines(invoke(runner, db_path, folder)) == [
        f"{folder}: is a folder, not a file to import"
    ]


def test_missing_database_is_not_created(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    db = tmp_path / "nothing.db"
    lines = error_lines(invoke(runner, db, path))
    assert len(lines) == 1 and "no such database" in lines[0]
    assert not db.exists()


def test_empty_study_option(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "entries.csv", csv_bytes(SAMPLE_ROWS))
    assert error_lines(invoke(runner, db_path, path, "--study", "  ")) == ["--study needs a name"]


# --- round trips through the exporter --------------------------------------------------


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def field_db(tmp_path: Path, runner: CliRunner) -> Path:
    """Demo interviews plus a hand-made one with a formula, a quote and a line break."""
    path = tmp_path / "field.db"
    run(runner, "--db", path, "demo", "--sessions", "12")
    with open_database(path) as db:
        study = find_study(db, "Demo study")
        assert study is not None
        first = stages(db, study.id)[0]
        participant = add_participant(db, study.id, "X01", segment="small business")
        session = start_session(db, study.id, participant_id=participant.id, interviewer="eve")
        for text in ('=HYPERLINK("http://x","y")', "-1", "line one\nline two", "'quoted'"):
            add_entry(db, session.id, first.id, "quote", text, tags=["odd", "+plus"])
    return path


def test_entries_csv_round_trip(runner: CliRunner, field_db: Path, tmp_path: Path) -> None:
    """Export entries CSV, import into an empty database, export again: the same bytes.

    Session ids, participant codes and every timestamp are in the CSV and kept, so
    nothing differs (entry ids are not in the CSV and are new, but not shown)."""
    first = tmp_path / "first.csv"
    second = tmp_path / "second.csv"
    empty = tmp_path / "empty.db"
    run(runner, "--db", field_db, "export", "--format", "csv", "--out", first)
    assert "'=HYPERLINK" in first.read_text(encoding="utf-8")
    run(runner, "--db", empty, "init")
    run(runner, "--db", empty, "import", first)
    run(runner, "--db", empty, "export", "--format", "csv", "--out", second)
    assert second.read_bytes() == first.read_bytes()


def test_json_round_trip(runner: CliRunner, field_db: Path, tmp_path: Path) -> None:
    """JSON keeps every id: exported again from the new database it is the same file."""
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    empty = tmp_path / "empty.db"
    run(runner, "--db", field_db, "export", "--format", "json", "--out", first)
    run(runner, "--db", empty, "init")
    out = run(runner, "--db", empty, "import", first)
    assert out.splitlines()[0].startswith("Imported first.json (JSON export): ")
    run(runner, "--db", empty, "export", "--format", "json", "--out", second)
    assert second.read_bytes() == first.read_bytes()
    again = run(runner, "--db", empty, "import", first)
    assert again.splitlines()[0] == "Imported first.json (JSON export): 0 rows added, 0 conflicts"


@pytest.fixture
def workshop_db(tmp_path: Path) -> Path:
    """A study with a theme, an ungrouped theme, opportunity-pain links and votes from
    two workshop sessions (tests/export_study.py)."""
    return build_workshop(tmp_path / "workshop.db")


def workshop_map(path: Path):
    with open_database(path, read_only=True) as db:
        study = find_study(db, STUDY)
        assert study is not None
        return build_map(db, study, top=None)


def test_json_round_trip_keeps_the_workshop(
    runner: CliRunner, workshop_db: Path, tmp_path: Path
) -> None:
    """Themes, links and per-session votes come back: the same file, the same map."""
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    empty = tmp_path / "empty.db"
    run(runner, "--db", workshop_db, "export", "--format", "json", "--out", first)
    run(runner, "--db", empty, "init")
    run(runner, "--db", empty, "import", first)
    run(runner, "--db", empty, "export", "--format", "json", "--out", second)
    assert second.read_bytes() == first.read_bytes()
    assert query(empty, "SELECT title FROM themes") == [(THEME_TITLE,)]
    assert query(empty, "SELECT count(*) FROM entry_links") == [(2,)]
    assert query(empty, "SELECT sum(votes), count(*) FROM votes") == [(4, 3)]

    journey_map = workshop_map(empty)
    original = workshop_map(workshop_db)
    # The summaries were recounted as the rows arrived (the fixture's note holds control
    # characters written past sanitising, which the export cleans: left out here).
    assert (journey_map.stages, journey_map.channel_cells, journey_map.links) == (
        original.stages,
        original.channel_cells,
        original.links,
    )
    assert {k: c for k, c in journey_map.cells.items() if k[1] != "note"} == {
        k: c for k, c in original.cells.items() if k[1] != "note"
    }
    items = {
        (cell.stage.name, lane, item.text): item
        for (_, lane), cell in journey_map.cells.items()
        for item in cell.items
    }
    theme = items[("Awareness", "pain", THEME_TITLE)]
    # P03's "=HYPERLINK" pain and the workshop's sticky: one of each layer.
    assert (theme.entries, theme.workshop_entries, theme.votes) == (1, 1, 1)
    assert theme.theme_id is not None
    opportunity = items[("Awareness", "opportunity", "say who we are")]
    assert opportunity.votes == 6
    # "too many ads" is in the theme now: the link shows the item as the map does.
    assert journey_map.links[opportunity.entry_id] == (THEME_TITLE, "prices differ")
    with open_database(empty, read_only=True) as db:
        second_session = query(empty, "SELECT id FROM sessions WHERE interviewer = 'lee'")[0][0]
        assert sorted(session_votes(db, second_session).values()) == [1, 2]
    again = run(runner, "--db", empty, "import", first)
    assert again.splitlines()[0] == "Imported first.json (JSON export): 0 rows added, 0 conflicts"


@pytest.mark.parametrize(
    "options",
    [
        ("--anonymize",),
        ("--include-deleted",),
        ("--segment", "new"),
        ("--lanes", "pain"),
        ("--lanes", "opportunity,note"),
    ],
)
def test_every_narrowed_workshop_export_imports(
    runner: CliRunner, workshop_db: Path, tmp_path: Path, options: tuple[str, ...]
) -> None:
    """Links and votes only point at what the file holds, whatever the filter."""
    path = tmp_path / "narrow.json"
    run(runner, "--db", workshop_db, "export", "--format", "json", "--out", path, *options)
    empty = tmp_path / "empty.db"
    run(runner, "--db", empty, "init")
    run(runner, "--db", empty, "import", path)
    again = tmp_path / "again.json"
    run(runner, "--db", empty, "export", "--format", "json", "--out", again, *options)
    (before,) = json.loads(path.read_text())["studies"]
    (after,) = json.loads(again.read_text())["studies"]
    for key in ("themes", "entries", "entry_links", "votes"):
        assert after[key] == before[key], key


def test_a_file_without_the_workshop_still_imports(
    runner: CliRunner, workshop_db: Path, tmp_path: Path
) -> None:
    """A version 1 file from before themes, links and votes: no workshop data, and
    the themes of entries already here are left alone."""
    data = json_export(tmp_path, runner, workshop_db)
    study = data["studies"][0]
    for key in ("themes", "entry_links", "votes"):
        del study[key]
    for entry in study["entries"]:
        del entry["theme_id"]
    old = write(tmp_path, "old.json", json.dumps(data))
    empty = tmp_path / "empty.db"
    run(runner, "--db", empty, "init")
    run(runner, "--db", empty, "import", old)
    assert query(empty, "SELECT count(*) FROM entries WHERE theme_id IS NOT NULL") == [(0,)]
    for table in ("themes", "entry_links", "votes"):
        assert query(empty, f"SELECT count(*) FROM {table}") == [(0,)], table
    # Into the workshop's own database, with a newer change to a grouped entry.
    grouped = next(e for e in study["entries"] if e["text"] == "too many ads")
    grouped["text"] = "far too many ads"
    grouped["updated_at"] = "2026-03-03T09:00:00.000+00:00"
    changed = write(tmp_path, "changed.json", json.dumps(data))
    out = run(runner, "--db", workshop_db, "import", changed)
    assert f"conflict in entries {grouped['id']}: text differ; theirs won" in out
    assert query(
        workshop_db,
        "SELECT e.text, t.title FROM entries e JOIN themes t ON t.id = e.theme_id WHERE e.id = ?",
        (grouped["id"],),
    ) == [("far too many ads", THEME_TITLE)]


def test_json_workshop_problems_have_paths(
    runner: CliRunner, workshop_db: Path, db_path: Path, tmp_path: Path
) -> None:
    data = json_export(tmp_path, runner, workshop_db)
    study = data["studies"][0]
    lanes = {e["id"]: e["lane"] for e in study["entries"]}
    pain = next(i for i, lane in lanes.items() if lane == "pain")
    study["entry_links"][0]["opportunity_id"] = pain
    study["votes"][0]["session_id"] = "00000000-0000-4000-8000-000000000000"
    study["votes"][1]["votes"] = -1
    study["votes"].append(dict(study["votes"][2]))
    study["themes"][0]["title"] = ""
    grouped = next(i for i, e in enumerate(study["entries"]) if e["theme_id"])
    study["entries"][grouped]["theme_id"] = "not a uuid"
    path = write(tmp_path, "bad.json", json.dumps(data))
    before = state(db_path)
    lines = error_lines(invoke(runner, db_path, path))
    assert lines == [
        "bad.json: studies[0].themes[0].title: empty",
        f"bad.json: studies[0].entries[{grouped}].theme_id: 'not a uuid' is not an id (a UUID)",
        f"bad.json: studies[0].entry_links[0].opportunity_id: {pain} is not an opportunity "
        "(its lane is pain)",
        "bad.json: studies[0].votes[0].session_id: 00000000-0000-4000-8000-000000000000 "
        "refers to nothing of this study in the file",
        "bad.json: studies[0].votes[1].votes: -1 is outside 0 or more",
        "bad.json: studies[0].votes[3]: the same entry and session appear twice",
        "6 problems; nothing was imported",
    ]
    assert state(db_path) == before


def test_json_dry_run_and_study_option(runner: CliRunner, field_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    run(runner, "--db", field_db, "export", "--format", "json", "--out", path)
    target = tmp_path / "target.db"
    run(runner, "--db", target, "init")
    before = state(target)
    out = run(runner, "--db", target, "import", path, "--dry-run")
    assert out.splitlines()[0].startswith("Would import x.json (JSON export): ")
    assert state(target) == before
    run(runner, "--db", target, "import", path, "--study", "Renamed")
    assert query(target, "SELECT name FROM studies") == [("Renamed",)]


def json_export(tmp_path: Path, runner: CliRunner, field_db: Path) -> dict:
    path = tmp_path / "base.json"
    run(runner, "--db", field_db, "export", "--format", "json", "--out", path)
    return json.loads(path.read_text(encoding="utf-8"))


def test_json_problems_have_paths(
    runner: CliRunner, field_db: Path, db_path: Path, tmp_path: Path
) -> None:
    data = json_export(tmp_path, runner, field_db)
    study = data["studies"][0]
    study["entries"][3]["emotion"] = 5
    study["entries"][4]["stage_id"] = "00000000-0000-4000-8000-000000000000"
    study["entries"][5]["lane"] = "wish"
    study["sessions"][0]["mode"] = "chat"
    path = write(tmp_path, "bad.json", json.dumps(data))
    before = state(db_path)
    lines = error_lines(invoke(runner, db_path, path))
    assert lines == [
        "bad.json: studies[0].sessions[0].mode: 'chat' is not one of interview, workshop, survey",
        "bad.json: studies[0].entries[3].emotion: 5 is outside -2..2",
        "bad.json: studies[0].entries[4].stage_id: 00000000-0000-4000-8000-000000000000 "
        "refers to nothing of this study in the file",
        "bad.json: studies[0].entries[5].lane: 'wish' is not one of goal, need, expectation, "
        "touchpoint, pain, delight, quote, opportunity, note",
        "4 problems; nothing was imported",
    ]
    assert state(db_path) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "journey-export", ', "bad.json: not valid JSON (line 1, column 30:"),
        ('{"format": "other"}', 'bad.json: not a journey JSON export (no "format": '),
        (
            '{"format": "journey-export", "version": 2, "studies": []}',
            "bad.json: written by a newer journey (export version 2, this one reads 1)",
        ),
        (
            '{"format": "journey-export", "version": 1, "studies": []}',
            "bad.json: the export holds no study",
        ),
    ],
)
def test_bad_json_is_one_line(
    runner: CliRunner, db_path: Path, tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "bad.json", text)
    lines = error_lines(invoke(runner, db_path, path))
    assert len(lines) == 1 and lines[0].startswith(message), lines


def test_json_takes_no_mapping(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "x.json", '{"format": "journey-export"}')
    assert error_lines(invoke(runner, db_path, path, "--mapping", MAPPING)) == [
        "x.json: a JSON export takes no --mapping (that is for CSV)"
    ]


# --- survey CSVs through a mapping ---------------------------------------------------


def survey_rows(tmp_path: Path, **changes: str) -> Path:
    """survey_1to5.csv with cells changed: {"R_1006:Q2": "9"} style keys via kwargs."""
    rows = list(csv.reader(io.StringIO(SURVEY.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for key, value in changes.items():
        row_number, column = key.split("__")
        index = next(i for i, h in enumerate(header) if h.startswith(column.replace("_", " ")))
        rows[int(row_number.removeprefix("row")) - 1][index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return write(tmp_path, "survey.csv", out.getvalue())


def test_survey_into_an_existing_study(runner: CliRunner, study_db: Path) -> None:
    result = invoke(runner, study_db, SURVEY, "--mapping", MAPPING)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Imported 5 sessions (18 entries) from survey_1to5.csv into 'Checkout study'",
        "  new participants: 5",
        "  channels added: TikTok",
        "  tags added: checkout, survey",
        "  skipped 1 respondent without answers (row 6)",
    ]
    # 1..5 onto -2..+2: 4 -> +1, 5 -> +2, 3 -> 0, 1 -> -2, 2 -> -1.
    assert query(
        study_db,
        "SELECT p.code, c.name, e.emotion, e.text FROM entries e "
        "JOIN sessions s ON s.id = e.session_id JOIN participants p ON p.id = s.participant_id "
        "JOIN stages st ON st.id = e.stage_id LEFT JOIN channels c ON c.id = e.channel_id "
        "WHERE st.name = 'Awareness' ORDER BY p.code",
    ) == [
        ("S01", "Search", 1, "Q2 How did that first contact feel? (1-5): 4"),
        ("S02", "Referral", 2, "Q2 How did that first contact feel? (1-5): 5"),
        ("S03", "TikTok", 0, "Q2 How did that first contact feel? (1-5): 3"),
        ("S04", "Ads (PPC)", -2, "Q2 How did that first contact feel? (1-5): 1"),
        ("S06", "Email", -1, "Q2 How did that first contact feel? (1-5): 2"),
    ]
    assert query(
        study_db,
        "SELECT p.code, e.emotion, e.effort, e.text, e.created_at FROM entries e "
        "JOIN sessions s ON s.id = e.session_id JOIN participants p ON p.id = s.participant_id "
        "JOIN stages st ON st.id = e.stage_id WHERE st.name = 'Decision' ORDER BY p.code",
    ) == [
        (
            "S01",
            -1,
            6,
            "Shipping cost only at the end, so I nearly left",
            "2026-05-03T09:14:00.000+00:00",
        ),
        ("S02", 2, 1, "One click, done", "2026-05-03T10:02:00.000+00:00"),
        (
            "S03",
            -2,
            7,
            "It asked me to register twice.\nThen the payment failed.",
            "2026-05-04T17:45:00.000+00:00",
        ),
        ("S04", 0, 4, "Checkout", "2026-05-05T08:30:00.000+00:00"),
        ("S06", 1, 3, "Fine, but slow", "2026-05-06T19:21:00.000+00:00"),
    ]
    assert query(
        study_db,
        "SELECT DISTINCT s.mode, s.interviewer, s.status FROM sessions s",
    ) == [("survey", "online survey", "finished")]
    assert sorted(query(study_db, "SELECT code, segment FROM participants"))[2] == (
        "S03",
        "small business",
    )


def test_survey_creates_the_study_from_the_template(db_path: Path) -> None:
    with open_database(db_path) as db:
        report = import_file(db, SURVEY, mapping=MAPPING)
    assert report.studies[0].created and report.studies[0].template == "five-stage"
    assert counts(db_path)["stages"] == 5


def test_survey_twice_adds_nothing(study_db: Path) -> None:
    with open_database(study_db) as db:
        import_file(db, SURVEY, mapping=MAPPING)
    before = counts(study_db)
    with open_database(study_db) as db:
        report = import_file(db, SURVEY, mapping=MAPPING)
    assert report.studies[0].skipped_sessions == 5 and report.sessions == 0
    assert counts(study_db) == before


def test_survey_value_outside_the_scale(runner: CliRunner, study_db: Path, tmp_path: Path) -> None:
    path = survey_rows(
        tmp_path, row7__Q2="9", row3__Q4="great", row5__Q6="0", row4__Submitted="yesterday"
    )
    before = state(study_db)
    lines = error_lines(invoke(runner, study_db, path, "--mapping", MAPPING))
    assert lines == [
        "survey.csv: row 3, column \"Q4 How was the checkout? (1-5)\": 'great' is not a "
        "number on the scale 1..5",
        "survey.csv: row 4, column \"Submitted at\": 'yesterday' is not the format %d/%m/%Y %H:%M",
        'survey.csv: row 5, column "Q6 How much effort was the checkout? (1-7)": 0 is '
        "outside the scale 1..7",
        'survey.csv: row 7, column "Q2 How did that first contact feel? (1-5)": 9 is '
        "outside the scale 1..5",
        "4 problems; nothing was imported",
    ]
    assert state(study_db) == before


def test_survey_missing_columns_and_stages(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    mapping = MAPPING.read_text(encoding="utf-8")
    mapping = mapping.replace('"Q5 Tell us about the checkout"', '"Q5 Tell us more"')
    mapping = mapping.replace('stage = "Advocacy"', 'stage = "Loyalty"')
    path = write(tmp_path, "mapping.toml", mapping)
    lines = error_lines(invoke(runner, study_db, SURVEY, "--mapping", path))
    assert lines[0].startswith(
        'survey_1to5.csv: no column "Q5 Tell us more" (named by entries[3].text_column in '
        'mapping.toml; columns: "Response ID", '
    )
    assert lines[1] == (
        "mapping.toml: entries[4].stage: study 'Checkout study' has no stage 'Loyalty' (its "
        "stages: Awareness, Consideration, Decision, Retention, Advocacy)"
    )
    assert lines[2] == "2 problems; nothing was imported"


def test_survey_study_must_exist_without_a_template(
    runner: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    mapping = MAPPING.read_text(encoding="utf-8").replace('template = "five-stage"', "")
    path = write(tmp_path, "mapping.toml", mapping)
    lines = error_lines(invoke(runner, db_path, SURVEY, "--mapping", path))
    assert lines == [
        "no study named 'Checkout study' (studies: none yet); create it with `journey init "
        '--study`, or add template = "five-stage" to mapping.toml'
    ]


def test_survey_study_option_wins(study_db: Path) -> None:
    with open_database(study_db) as db:
        new_study(db, "Other study")
        report = import_file(db, SURVEY, mapping=MAPPING, study="Other study")
    assert report.studies[0].study == "Other study"


def test_survey_duplicate_respondent(study_db: Path, tmp_path: Path) -> None:
    path = survey_rows(tmp_path, row3__Response="R_1001")
    with open_database(study_db) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, path, mapping=MAPPING)
    assert str(caught.value.problems[0]) == (
        "survey.csv: row 3, column \"Response ID\": respondent 'R_1001' is also in row 2"
    )


def test_survey_without_codes_gets_generated_ones(study_db: Path, tmp_path: Path) -> None:
    mapping = MAPPING.read_text(encoding="utf-8").replace('code = "Participant"\n', "")
    path = write(tmp_path, "mapping.toml", mapping)
    with open_database(study_db) as db:
        study = find_study(db, "Checkout study")
        assert study is not None
        add_participant(db, study.id, "R07")
        import_file(db, SURVEY, mapping=path)
    assert sorted(query(study_db, "SELECT code FROM participants")) == [
        ("R07",),
        ("R08",),
        ("R09",),
        ("R10",),
        ("R11",),
        ("R12",),
    ]


def test_survey_semicolons_labels_and_decimal_commas(study_db: Path, tmp_path: Path) -> None:
    survey = "id;Stage 1 feeling;Comment\r\na;Very good;fine\r\nb;2,5;meh\r\nc;0;awful\r\n"
    mapping = """
study = "Checkout study"
[respondent]
id = "id"
[[entries]]
stage = "awareness"
lane = "note"
text_column = "Comment"
emotion_column = "Stage 1 feeling"
scale = [0, 10]
labels = { "Very good" = 10 }
"""
    csv_path = write(tmp_path, "s.csv", survey)
    map_path = write(tmp_path, "m.toml", mapping)
    with open_database(study_db) as db:
        report = import_file(db, csv_path, mapping=map_path)
    assert report.delimiter == ";"
    assert sorted(query(study_db, "SELECT text, emotion FROM entries")) == [
        ("awful", -2),
        ("fine", 2),
        ("meh", -1),
    ]
    assert query(study_db, "SELECT DISTINCT code FROM participants ORDER BY code") == [
        ("R01",),
        ("R02",),
        ("R03",),
    ]


@pytest.mark.parametrize(
    ("scale", "target", "values", "expected"),
    [
        ((1, 5), (-2, 2), [1, 2, 3, 4, 5], [-2, -1, 0, 1, 2]),
        ((0, 10), (-2, 2), range(11), [-2, -2, -1, -1, 0, 0, 0, 1, 1, 2, 2]),
        ((5, 1), (-2, 2), [5, 4, 3, 2, 1], [-2, -1, 0, 1, 2]),
        ((1, 9), (-2, 2), [1, 2, 4, 5, 6, 8, 9], [-2, -2, -1, 0, 1, 2, 2]),
        ((1, 5), (1, 7), [1, 2, 3, 4, 5], [1, 3, 4, 6, 7]),
    ],
)
def test_scales_map_linearly(scale, target, values, expected) -> None:
    assert [Scale(*scale).onto(v, target) for v in values] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entries = 3", "m.toml: entries: must be an array of tables ([[entries]])"),
        ("study = 'x'", "m.toml: entries: a mapping needs at least one [[entries]] table"),
        ("colour = 1", "m.toml: colour: unknown key (allowed: delimiter, encoding, entries, "),
        (
            "[[entries]]\nstage = 'A'\nlane = 'wish'\ntext_column = 'x'",
            "m.toml: entries[1].lane: 'wish' is not one of goal, ",
        ),
        (
            "[[entries]]\nstage = 'A'\nlane = 'pain'\nemotion_column = 'x'",
            "m.toml: entries[1].scale: emotion_column needs the scale of its ratings",
        ),
        (
            "[[entries]]\nstage = 'A'\nlane = 'pain'\nemotion_column = 'x'\nscale = [3, 3]",
            "m.toml: entries[1].scale: the two ends of the scale are equal",
        ),
        (
            "[[entries]]\nstage = 'A'\nlane = 'pain'\ntext = 'fixed'",
            "m.toml: entries[1]: names no column",
        ),
        (
            "[[entries]]\nstage = 'A'\nlane = 'pain'\ntext_column = 'x'\nscal = [1, 5]",
            "m.toml: entries[1].scal: unknown key",
        ),
        ("[[entries]\n", "m.toml: not valid TOML"),
        ("mode = 'phone'", "m.toml: mode: 'phone' is not one of interview, workshop, survey"),
    ],
)
def test_mapping_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.toml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_mapping_errors_on_the_command_line(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "m.toml", "[[entries]]\nstage = 'A'\nlane = 'pain'\ntext = 'x'\n")
    lines = error_lines(invoke(runner, study_db, SURVEY, "--mapping", path))
    assert len(lines) == 1 and lines[0].startswith("m.toml: entries[1]: names no column")
    missing = tmp_path / "none.toml"
    assert error_lines(invoke(runner, study_db, SURVEY, "--mapping", missing)) == [
        f"{missing}: no such mapping file"
    ]


def test_parse_csv_keeps_spreadsheet_row_numbers() -> None:
    table = parse_csv('a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n', "t.csv")
    assert list(table.rows()) == [(2, ["1", "x\r\ny"]), (4, ["2", "z"])]


def test_mapping_names_the_encoding_and_a_template_file(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "onboarding.toml").write_text(
        'name = "onboarding"\nchannels = ["App"]\n'
        '[[stages]]\nname = "Sign-up"\n[[stages]]\nname = "First value"\n',
        encoding="utf-8",
    )
    mapping = folder / "m.toml"
    mapping.write_text(
        'study = "Onboarding"\ntemplate = "onboarding.toml"\nencoding = "latin-1"\n'
        '[[entries]]\nstage = "first value"\nlane = "delight"\ntext_column = "Comment"\n',
        encoding="utf-8",
    )
    path = write(tmp_path, "s.csv", "Comment\r\ntr\u00e8s bien\r\n".encode("latin-1"))
    with open_database(db_path) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.studies[0].created and report.studies[0].template == "onboarding"
    assert query(
        db_path, "SELECT st.name, e.text FROM entries e JOIN stages st ON st.id = e.stage_id"
    ) == [("First value", "tr\u00e8s bien")]


def test_the_readme_mapping_example_is_valid() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Importing and merging", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    mapping = parse_mapping(example, "README.md")
    table = parse_csv(SURVEY.read_text(encoding="utf-8"), SURVEY.name)
    headers = {h.casefold() for h in table.header}
    named = [title for entry in mapping.entries for _, title in entry.columns()]
    named += [title for _, title in mapping.respondent.columns()]
    assert all(title.casefold() in headers for title in named)


# -- a touchpoint needs its channel, whatever the way in -----------------------------


def test_a_mapping_with_a_touchpoint_without_a_channel_is_refused(
    study_db: Path, tmp_path: Path
) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        'study = "Checkout study"\n[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\n'
        'emotion_column = "feeling"\nscale = [1, 5]\n',
    )
    csv_path = write(tmp_path, "s.csv", "feeling\r\n4\r\n")
    with open_database(study_db) as db, pytest.raises(MappingError) as caught:
        import_file(db, csv_path, mapping=mapping)
    assert "entries[1]: a touchpoint needs its channel" in str(caught.value)
    assert query(study_db, "SELECT count(*) FROM entries") == [(0,)]


def test_a_respondent_who_named_no_channel_gets_no_touchpoint(
    study_db: Path, tmp_path: Path
) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        'study = "Checkout study"\n[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\n'
        'channel_column = "where"\nemotion_column = "feeling"\nscale = [1, 5]\n'
        '[[entries]]\nstage = "Awareness"\nlane = "goal"\ntext_column = "goal"\n',
    )
    csv_path = write(tmp_path, "s.csv", "where,feeling,goal\r\nSearch,4,a gift\r\n,2,cheap\r\n")
    with open_database(study_db) as db:
        import_file(db, csv_path, mapping=mapping)
    assert sorted(query(study_db, "SELECT lane, text FROM entries")) == [
        ("goal", "a gift"),
        ("goal", "cheap"),
        ("touchpoint", "feeling: 4"),  # the first rating, then the channel, names it
    ]
    assert query(
        study_db, "SELECT count(*) FROM entries WHERE lane = 'touchpoint' AND channel_id IS NULL"
    ) == [(0,)]


def test_an_entries_csv_touchpoint_without_a_channel_is_a_problem(
    study_db: Path, tmp_path: Path
) -> None:
    csv_path = write(
        tmp_path,
        "entries.csv",
        "study,stage,lane,channel,text\r\n"
        "Checkout study,Awareness,touchpoint,Search,found it\r\n"
        "Checkout study,Awareness,touchpoint,,somewhere\r\n",
    )
    with open_database(study_db) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, csv_path)
    assert caught.value.lines() == [
        'entries.csv: row 3, column "channel": empty; a touchpoint needs its channel',
        "1 problem; nothing was imported",
    ]
    assert query(study_db, "SELECT count(*) FROM entries") == [(0,)]
