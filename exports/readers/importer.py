"""`journey import`: our own entries CSV and JSON export, and survey CSVs through a mapping.

What a file is:

- `.json` (or text starting with `{`): journey's JSON export (`"format":
  "journey-export"`), read by `exports/readers/json_import.py` and merged like a
  database (ids kept; see `exports/readers/merge.py`).
- a CSV with `--mapping MAPPING.toml`: a survey export, one row per respondent,
  read by `exports/readers/survey_csv.py` (the mapping format is described in
  `exports/readers/survey_mapping.py`).
- any other CSV: journey's `entries` CSV (the columns of `journey export --shape
  entries`), read by `exports/readers/entries_csv.py`.

Everything is validated before anything is written; every problem is reported
with its row and column and then nothing is imported. The import itself is one
transaction (`storage/importing.py`). `dry_run` validates and reports what
would be imported without writing.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from journey.capture.sanitize import clean_line
from journey.exports.readers.csv_read import ImportFailed, decode, parse_csv, read_bytes
from journey.exports.readers.entries_csv import entries_import
from journey.exports.readers.report import ImportReport
from journey.exports.readers.survey_csv import survey_import
from journey.exports.readers.survey_mapping import load_mapping
from journey.storage.errors import InvalidValue
from journey.storage.importing import import_studies


def import_file(
    db: Database,
    path: Path,
    *,
    study: str | None = None,
    mapping: Path | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    participants: str = "refuse",
    accept_deletions: bool = False,
) -> ImportReport:
    """Validate `path` completely, then import it in one transaction (or, dry, not at all).
    `participants`: for a JSON export, what a participant code already here means
    (refuse, rename, same: as `journey merge`), and whether its deletions of rows that
    are live here apply (`accept_deletions`).

    Raises `ImportProblems` listing every problem (nothing written), or a one-line
    `JourneyError` for a file that cannot be read at all.
    """
    source = path.name
    study_name = clean_line(study) if study is not None else None
    if study is not None and not study_name:
        raise InvalidValue("--study needs a name")
    survey = load_mapping(mapping) if mapping is not None else None
    raw = read_bytes(path)
    if encoding is None and survey is not None:
        encoding = survey.encoding
    text = decode(raw, source, encoding)
    del raw
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        if survey is not None:
            raise ImportFailed(f"{source}: a JSON export takes no --mapping (that is for CSV)")
        from journey.exports.readers.json_import import import_json

        return import_json(
            db,
            text,
            source,
            study=study_name,
            dry_run=dry_run,
            participants=participants,
            accept_deletions=accept_deletions,
        )
    if survey is None:
        table = parse_csv(text, source)
        imports, ignored = entries_import(db, table, study_name)
        results = import_studies(db, imports, dry_run=dry_run)
        return ImportReport(
            source,
            "entries CSV",
            dry_run,
            results,
            rows=table.count,
            ignored_columns=ignored,
            delimiter=table.delimiter,
        )
    table = parse_csv(
        text, source, survey.delimiter, header_row=survey.header_row, skip_rows=survey.skip_rows
    )
    read = survey_import(db, table, survey, study_name)
    results = import_studies(db, [read.study], dry_run=dry_run)
    return ImportReport(
        source,
        "survey CSV",
        dry_run,
        results,
        rows=table.count,
        delimiter=table.delimiter,
        empty_rows=read.empty_rows,
        left_out=read.left_out,
    )
