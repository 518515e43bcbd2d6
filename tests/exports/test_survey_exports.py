"""Survey tools' CSVs as they really are: a Qualtrics export (three header rows, previews,
partial responses, coded choices, times without a zone) and Google Forms (checkboxes
joined by ", ", "Other" typed into the cell, `GMT+2` timestamps), through the mapping
keys header_row, skip_rows, [[filter]], timezone, choices, separator and other_column.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.exports.readers.csv_read import ImportFailed, ImportProblems
from journey.exports.readers.importer import import_file
from journey.exports.readers.survey_entries import survey_time
from journey.exports.readers.survey_mapping import MappingError, parse_mapping
from journey.storage import open_database
from journey.tui.cli import app
from tests.paths import DATA, REPO

QUALTRICS = DATA / "qualtrics_checkout.csv"
QUALTRICS_MAPPING = DATA / "qualtrics_mapping.toml"
FORMS = DATA / "google_forms_checkout.csv"
FORMS_MAPPING = DATA / "google_forms_mapping.toml"
SHEETS = DATA / "google_sheets_checkout.csv"

ENTRIES = """
    SELECT s.started_at, st.name, e.lane, c.name, e.text, e.emotion
    FROM entries e JOIN sessions s ON s.id = e.session_id
    JOIN stages st ON st.id = e.stage_id LEFT JOIN channels c ON c.id = e.channel_id
    ORDER BY s.started_at, st.position, e.lane, c.name
"""


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def mapping_with(tmp_path: Path, base: Path, *changes: tuple[str, str]) -> Path:
    text = base.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return write(tmp_path, "m.toml", text)


def run(runner: CliRunner, db: Path, *args: object):
    return runner.invoke(app, ["--db", str(db), "import", *map(str, args)])


# --- the samples are shaped as the tools write them ---------------------------------


def test_the_qualtrics_sample_is_shaped_as_qualtrics_writes_it() -> None:
    raw = QUALTRICS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("StartDate,EndDate,Status,IPAddress,Progress,")
    assert lines[1].startswith("Start Date,End Date,Response Type,")
    assert lines[2].startswith('"{""ImportId"":""startDate"",""timeZone"":""Europe/Berlin""}"')


def test_the_google_forms_sample_is_shaped_as_google_forms_writes_it() -> None:
    lines = FORMS.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"Timestamp","How did you hear about us?"')
    assert lines[1].startswith('"2026/09/30 2:15:07 PM GMT+2","Instagram, A friend"')


# --- must show: a Qualtrics export with previews and partials ----------------------


def test_a_qualtrics_export_imported_with_its_mapping(runner: CliRunner, db_path: Path) -> None:
    result = run(runner, db_path, QUALTRICS, "--mapping", QUALTRICS_MAPPING)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Imported 3 sessions (11 entries) from qualtrics_checkout.csv into 'Checkout study' "
        "(a new study, five-stage)",
        "  new participants: 3",
        "  channels added: Other",
        "  left out 1 respondent by a filter: Status is '1' (row 4)",
        "  left out 1 respondent by a filter: Finished is not '1' (row 6)",
    ]
    rows = query(db_path, ENTRIES)
    # Times in Europe/Berlin: +2 in September, +1 after the end of summer time.
    assert sorted({r[0] for r in rows}) == [
        "2026-09-30T12:15:07.000+00:00",
        "2026-10-25T11:30:00.000+00:00",
        "2026-12-03T17:45:20.000+00:00",
    ]
    awareness = [(r[0][:10], r[3], r[4]) for r in rows if r[1] == "Awareness"]
    assert awareness == [
        ("2026-09-30", "Other", "a podcast about shoes"),  # 6 = Other, its typed text
        ("2026-09-30", "Search", "Q1: Search"),  # coded 1
        ("2026-10-25", "Referral", "Q1: Referral"),
        ("2026-12-03", "Ads (PPC)", "Q1: Ads (PPC)"),  # "2,4": two choices, two entries
        ("2026-12-03", "Social media", "Q1: Social media"),
    ]
    assert [(r[4], r[5]) for r in rows if r[1] == "Decision"] == [
        ("Shipping cost only at the end, so I nearly left", -1),
        ('Sehr schnell – "1-Click" wie versprochen', 2),
        ("It asked me to register twice.\nThen the payment failed.", -2),
    ]
    # No channel is named after a code, no preview or partial respondent is there.
    names = {r[0] for r in query(db_path, "SELECT name FROM channels")}
    assert not names & {"1", "2", "3", "4", "5", "6", "1,6", "2,4"}
    texts = {r[4] for r in rows}
    assert "test test" not in texts
    assert query(db_path, "SELECT count(*) FROM participants") == [(3,)]


def test_a_qualtrics_export_twice_adds_nothing(db_path: Path) -> None:
    with open_database(db_path) as db:
        import_file(db, QUALTRICS, mapping=QUALTRICS_MAPPING)
        again = import_file(db, QUALTRICS, mapping=QUALTRICS_MAPPING)
    assert again.studies[0].sessions == 0 and again.studies[0].skipped_sessions == 3


def test_google_forms_checkboxes_and_other_answers(runner: CliRunner, db_path: Path) -> None:
    result = run(runner, db_path, FORMS, "--mapping", FORMS_MAPPING)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "  left out 1 respondent by a filter: May we quote your answers? not in 'Yes' (row 4)"
    )
    rows = query(db_path, ENTRIES)
    awareness = [(r[0], r[3], r[4]) for r in rows if r[1] == "Awareness"]
    assert awareness == [
        ("2026-09-30T12:15:07.000+00:00", "Referral", "How did you hear about us?: Referral"),
        (
            "2026-09-30T12:15:07.000+00:00",
            "Social media",
            "How did you hear about us?: Social media",
        ),
        ("2026-09-30T21:03:44.000+00:00", "Other", "my neighbour's blog"),
        # "Blogs, podcasts" holds the separator and is one choice
        ("2026-09-30T21:03:44.000+00:00", "Reviews", "How did you hear about us?: Reviews"),
        ("2026-11-02T08:05:31.000+00:00", "Referral", "How did you hear about us?: Referral"),
    ]
    names = {r[0] for r in query(db_path, "SELECT name FROM channels")}
    assert "Instagram, A friend" not in names and "my neighbour's blog" not in names
    assert [r[4] for r in rows if r[2] == "opportunity"] == [
        "Show the shipping cost earlier",
        "The coupon field ate my code",
        '=HYPERLINK("http://x","click")',  # stored as typed; exports neutralise it
    ]


def test_the_sheet_export_of_a_form_with_a_timezone(tmp_path: Path, db_path: Path) -> None:
    mapping = mapping_with(
        tmp_path,
        FORMS_MAPPING,
        ('date_format = "%Y/%m/%d %I:%M:%S %p"', 'date_format = "%m/%d/%Y %H:%M:%S"'),
        (
            'interviewer = "Google Forms"',
            'interviewer = "Google Forms"\ntimezone = "Europe/Berlin"',
        ),
    )
    with open_database(db_path) as db:
        import_file(db, SHEETS, mapping=mapping)
    with open_database(db_path) as db:
        import_file(db, FORMS, mapping=FORMS_MAPPING)  # the same times, read from GMT+2
    assert query(db_path, "SELECT DISTINCT started_at FROM sessions ORDER BY 1") == [
        ("2026-09-30T12:15:07.000+00:00",),
        ("2026-09-30T21:03:44.000+00:00",),
        ("2026-11-02T08:05:31.000+00:00",),
    ]


# --- each key on its own ----------------------------------------------------------


SIMPLE = """study = "Checkout study"
[[entries]]
stage = "Awareness"
lane = "goal"
text_column = "goal"
"""


def test_header_row_ignores_rows_above_and_keeps_spreadsheet_row_numbers(
    tmp_path: Path, study_db: Path
) -> None:
    path = write(tmp_path, "s.csv", "Exported 2026-10-01;\r\nid;goal\r\nr1;cheap\r\nr2;\r\n")
    mapping = write(tmp_path, "m.toml", "header_row = 2\n" + SIMPLE)
    with open_database(study_db) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.delimiter == ";"  # sniffed from the header row, not the title above it
    assert report.empty_rows == [4]
    assert query(study_db, "SELECT text FROM entries") == [("cheap",)]


def test_skip_rows_skips_question_texts(tmp_path: Path, study_db: Path) -> None:
    path = write(tmp_path, "s.csv", "goal\r\nWhat was your goal?\r\n{}\r\ncheap\r\nfast\r\n")
    mapping = write(tmp_path, "m.toml", "skip_rows = 2\n" + SIMPLE)
    with open_database(study_db) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.sessions == 2
    assert sorted(query(study_db, "SELECT text FROM entries")) == [("cheap",), ("fast",)]


def test_without_skip_rows_a_qualtrics_file_names_its_rows(db_path: Path, tmp_path: Path) -> None:
    text = QUALTRICS_MAPPING.read_text(encoding="utf-8").replace("skip_rows = 2", "skip_rows = 0")
    before, rest = text.split("[[filter]]", 1)
    mapping = write(tmp_path, "m.toml", before + "[respondent]" + rest.split("[respondent]", 1)[1])
    with open_database(db_path) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, QUALTRICS, mapping=mapping)
    assert str(caught.value.problems[0]).startswith(
        "qualtrics_checkout.csv: row 2, column \"StartDate\": 'Start Date' is not an ISO 8601"
    )
    assert query(db_path, "SELECT count(*) FROM entries") == [(0,)]


def test_a_header_row_past_the_end(tmp_path: Path, study_db: Path) -> None:
    path = write(tmp_path, "s.csv", "goal\r\ncheap\r\n")
    mapping = write(tmp_path, "m.toml", "header_row = 5\n" + SIMPLE)
    with open_database(study_db) as db, pytest.raises(ImportFailed) as caught:
        import_file(db, path, mapping=mapping)
    assert str(caught.value) == "s.csv: the file has no row 5 (header_row)"


@pytest.mark.parametrize(
    ("test", "kept"),
    [
        ('equals = "yes"', ["cheap"]),  # any case
        ('not_equals = "YES"', ["fast", "quick"]),
        ('in = ["no", "maybe"]', ["fast", "quick"]),
        ("in = [1, 2]", []),
    ],
)
def test_filters_keep_and_leave_out_rows(
    tmp_path: Path, study_db: Path, test: str, kept: list[str]
) -> None:
    path = write(tmp_path, "s.csv", "goal,ok\r\ncheap,Yes\r\nfast,no\r\nquick, maybe \r\n")
    mapping = write(tmp_path, "m.toml", SIMPLE + f'[[filter]]\ncolumn = "OK"\n{test}\n')
    with open_database(study_db) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.sessions == len(kept)
    assert sum(len(rows) for rows in report.left_out.values()) == 3 - len(kept)
    assert sorted(r[0] for r in query(study_db, "SELECT text FROM entries")) == kept


def test_a_left_out_row_is_not_checked(tmp_path: Path, study_db: Path) -> None:
    path = write(
        tmp_path, "s.csv", "goal,when,status\r\ncheap,2026-10-01,ok\r\nx,never,preview\r\n"
    )
    mapping = write(
        tmp_path,
        "m.toml",
        SIMPLE.replace("[[entries]]", '[respondent]\ndate = "when"\n[[entries]]')
        + '[[filter]]\ncolumn = "status"\nequals = "ok"\n',
    )
    with open_database(study_db) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.left_out == {"status is not 'ok'": [3]}


def test_a_filter_column_the_file_lacks(tmp_path: Path, study_db: Path) -> None:
    path = write(tmp_path, "s.csv", "goal\r\ncheap\r\n")
    mapping = write(tmp_path, "m.toml", SIMPLE + '[[filter]]\ncolumn = "Finished"\nequals = 1\n')
    with open_database(study_db) as db, pytest.raises(ImportProblems) as caught:
        import_file(db, path, mapping=mapping)
    assert str(caught.value) == (
        's.csv: no column "Finished" (named by filter[1].column in m.toml; columns: "goal")'
    )


@pytest.mark.parametrize(
    ("value", "fmt", "zone", "stored"),
    [
        ("2026-09-30 14:15:07", None, "Europe/Berlin", "2026-09-30T12:15:07.000+00:00"),
        ("2026-01-30 14:15:07", None, "Europe/Berlin", "2026-01-30T13:15:07.000+00:00"),
        ("2026-09-30 14:15:07", None, None, "2026-09-30T14:15:07.000+00:00"),
        ("2026-09-30T14:15:07+05:30", None, "Europe/Berlin", "2026-09-30T08:45:07.000+00:00"),
        (
            "2026/09/30 2:15:07 PM GMT+2",
            "%Y/%m/%d %I:%M:%S %p",
            "America/New_York",
            "2026-09-30T12:15:07.000+00:00",
        ),
        (
            "2026/09/30 2:15:07 PM GMT",
            "%Y/%m/%d %I:%M:%S %p",
            None,
            "2026-09-30T14:15:07.000+00:00",
        ),
        (
            "9/30/2026 14:15:07 UTC-05:30",
            "%m/%d/%Y %H:%M:%S",
            None,
            "2026-09-30T19:45:07.000+00:00",
        ),
        (
            "9/30/2026 14:15:07",
            "%m/%d/%Y %H:%M:%S",
            "America/New_York",
            "2026-09-30T18:15:07.000+00:00",
        ),
    ],
)
def test_survey_times(value: str, fmt: str | None, zone: str | None, stored: str) -> None:
    assert survey_time(value, fmt, zone) == stored


def test_choices_name_coded_channels_and_refuse_unknown_codes(
    tmp_path: Path, study_db: Path
) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        'study = "Checkout study"\n[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\n'
        'channel_column = "where"\nchoices = { "1" = "Search", "2" = "Social media" }\n',
    )
    good = write(tmp_path, "good.csv", "where\r\n1\r\n 2 \r\n")
    bad = write(tmp_path, "bad.csv", "where\r\n1\r\n7\r\n")
    with open_database(study_db) as db:
        with pytest.raises(ImportProblems) as caught:
            import_file(db, bad, mapping=mapping)
        import_file(db, good, mapping=mapping)
    assert str(caught.value) == (
        "bad.csv: row 3, column \"where\": '7' is not one of the choices '1', '2' "
        '(an "Other" answer needs other_column)'
    )
    assert sorted(
        query(
            study_db, "SELECT c.name, e.text FROM entries e JOIN channels c ON c.id = e.channel_id"
        )
    ) == [
        ("Search", "where: Search"),
        ("Social media", "where: Social media"),
    ]


def test_separator_without_choices_splits_into_channels(tmp_path: Path, study_db: Path) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        'study = "Checkout study"\n[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\n'
        'channel_column = "where"\nseparator = ";"\ntext_column = "what"\n',
    )
    path = write(tmp_path, "s.csv", "where,what\r\nSearch;Email; email ;,saw it\r\n")
    with open_database(study_db) as db:
        report = import_file(db, path, mapping=mapping)
    assert report.entries == 2  # Email and email are one channel; the empty part is nothing
    assert sorted(
        query(
            study_db, "SELECT c.name, e.text FROM entries e JOIN channels c ON c.id = e.channel_id"
        )
    ) == [("Email", "saw it"), ("Search", "saw it")]


def test_other_column_in_its_own_column(tmp_path: Path, study_db: Path) -> None:
    mapping = write(
        tmp_path,
        "m.toml",
        'study = "Checkout study"\n[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\n'
        'channel_column = "Q1"\nseparator = ","\nother_column = "Q1_9_TEXT"\n'
        'other_channel = "Something else"\n'
        'choices = { "1" = "Search", "9" = "Something else" }\n',
    )
    path = write(tmp_path, "s.csv", 'Q1,Q1_9_TEXT\r\n"1,9",a radio ad\r\n1,ignored\r\n')
    with open_database(study_db) as db:
        import_file(db, path, mapping=mapping)
    assert sorted(
        query(
            study_db, "SELECT c.name, e.text FROM entries e JOIN channels c ON c.id = e.channel_id"
        )
    ) == [
        ("Search", "Q1: Search"),
        ("Search", "Q1: Search"),
        ("Something else", "a radio ad"),
    ]


# --- errors of each key -----------------------------------------------------------

ENTRY = '[[entries]]\nstage = "Awareness"\nlane = "touchpoint"\nchannel_column = "c"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("header_row = 0\n" + ENTRY, "m.toml: header_row: must be a whole number of 1 or more"),
        ('header_row = "2"\n' + ENTRY, "m.toml: header_row: must be a whole number of 1 or more"),
        ("skip_rows = -1\n" + ENTRY, "m.toml: skip_rows: must be a whole number of 0 or more"),
        ("skip_rows = 1.5\n" + ENTRY, "m.toml: skip_rows: must be a whole number of 0 or more"),
        (
            'timezone = "Berlin"\n[respondent]\ndate = "d"\n' + ENTRY,
            "m.toml: timezone: 'Berlin' is not a time zone name such as Europe/Berlin or "
            "America/New_York",
        ),
        (
            'timezone = "Europe/Berlin"\n' + ENTRY,
            "m.toml: timezone: needs respondent.date (the times it applies to)",
        ),
        ("filter = 3\n" + ENTRY, "m.toml: filter: must be an array of tables ([[filter]])"),
        (
            '[[filter]]\nequals = "x"\n' + ENTRY,
            "m.toml: filter[1].column: every filter needs the column it tests",
        ),
        (
            '[[filter]]\ncolumn = "s"\n' + ENTRY,
            "m.toml: filter[1]: give one of equals, not_equals or in (none given)",
        ),
        (
            '[[filter]]\ncolumn = "s"\nequals = "a"\nin = ["b"]\n' + ENTRY,
            "m.toml: filter[1]: give one of equals, not_equals or in (equals and in given)",
        ),
        (
            '[[filter]]\ncolumn = "s"\nin = []\n' + ENTRY,
            "m.toml: filter[1].in: must be a non-empty list of values",
        ),
        (
            '[[filter]]\ncolumn = "s"\nequals = ["a"]\n' + ENTRY,
            "m.toml: filter[1].equals: must be a string or a number",
        ),
        (
            '[[filter]]\ncolumn = "s"\nlike = "a"\n' + ENTRY,
            "m.toml: filter[1].like: unknown key (allowed: column, equals, in, not_equals)",
        ),
        (
            ENTRY + "choices = [1, 2]\n",
            "m.toml: entries[1].choices: must be a table of answers and channel names, "
            'e.g. { "1" = "Search", "2" = "Social media" }',
        ),
        (
            ENTRY + 'choices = { "1" = 5 }\n',
            "m.toml: entries[1].choices: must be a table of answers and channel names, "
            'e.g. { "1" = "Search", "2" = "Social media" }',
        ),
        (
            ENTRY + 'choices = { "Ads" = "Ads", "ADS" = "Ads" }\n',
            "m.toml: entries[1].choices: 'Ads' and 'ADS' are the same answer (answers are "
            "matched in any case)",
        ),
        (
            ENTRY.replace('channel_column = "c"', 'channel = "Web"\ntext_column = "t"')
            + 'choices = { "1" = "Search" }\n',
            "m.toml: entries[1].choices: given without channel_column (the cell it reads)",
        ),
        (
            ENTRY.replace('channel_column = "c"', 'channel = "Web"\ntext_column = "t"')
            + 'separator = ","\n',
            "m.toml: entries[1].separator: given without channel_column (the cell it reads)",
        ),
        (ENTRY + 'separator = ""\n', "m.toml: entries[1].separator: is empty"),
        (ENTRY + "separator = 1\n", "m.toml: entries[1].separator: must be a string"),
        (
            ENTRY.replace('channel_column = "c"', 'channel = "Web"\ntext_column = "t"')
            + 'other_column = "o"\n',
            "m.toml: entries[1].other_column: given without channel_column (the cell it reads)",
        ),
        (
            ENTRY + 'other_channel = "Misc"\n',
            "m.toml: entries[1].other_channel: given without other_column",
        ),
        (
            ENTRY + 'other_column = "o"\nchoices = { "1" = "Search" }\n',
            "m.toml: entries[1].other_column: no answer in choices stands for the channel "
            "'Other' (the one other_column's text belongs to; name it with other_channel)",
        ),
    ],
)
def test_mapping_key_errors(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.toml")
    assert str(caught.value) == message


def test_a_mapping_error_is_one_line_on_the_command_line(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    mapping = write(tmp_path, "m.toml", "skip_rows = -1\n" + ENTRY)
    result = run(runner, study_db, QUALTRICS, "--mapping", mapping)
    assert result.exit_code == 1
    assert result.stderr == "journey: m.toml: skip_rows: must be a whole number of 0 or more\n"
    assert query(study_db, "SELECT count(*) FROM sessions") == [(0,)]


# --- the README shows these mappings whole ------------------------------------------


@pytest.mark.parametrize(
    ("title", "path"),
    [("**A Qualtrics export**", QUALTRICS_MAPPING), ("**A Google Forms export**", FORMS_MAPPING)],
)
def test_the_readme_shows_the_complete_mappings(title: str, path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(title, 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    assert parse_mapping(block, path.name) == parse_mapping(path.read_text("utf-8"), path.name)
