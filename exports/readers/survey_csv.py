"""Reading a survey tool's CSV through a mapping for `journey import` (the mapping's
format and rules: `exports/readers/survey_mapping.py`).

Every respondent row that passes the mapping's filters becomes one session of one
participant, with the entries the mapping's `[[entries]]` make of its cells; rows a
filter leaves out are counted (and not checked: a preview may hold anything), rows
without any answer the mapping reads are counted too. A respondent's session id is
derived from the study and the respondent's id (or code, or whole row), so importing
the same file twice adds nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from sqlite_utils import Database

from journey.capture.sanitize import clean_line
from journey.capture.template import load_template
from journey.exports.readers.cells import cell, check_width, line
from journey.exports.readers.csv_read import CsvTable, ImportFailed, Problems
from journey.exports.readers.survey_entries import RowPlace, survey_entries, survey_time
from journey.exports.readers.survey_mapping import RowFilter, SurveyMapping
from journey.storage.connection import now
from journey.storage.errors import StudyNotFound
from journey.storage.importing import (
    ImportedEntry,
    ImportedSession,
    NewStudy,
    StudyImport,
    study_layout,
)
from journey.storage.studies import list_studies, resolve_study

SURVEY_NAMESPACE = uuid.UUID("6f1c35e2-5b8e-4f7e-9d0a-6a2f4c1e8b37")


@dataclass
class SurveyRead:
    """What a survey file imports, and the rows it leaves out."""

    study: StudyImport
    empty_rows: list[int] = field(default_factory=list)  # no answer the mapping reads
    left_out: dict[str, list[int]] = field(default_factory=dict)  # filter -> its rows


@dataclass
class _Columns:
    """The column index of each key of the mapping (None: not mapped or missing)."""

    respondent: dict[str, int | None]
    entries: list[dict[str, int | None]]
    filters: list[int | None]


def survey_import(
    db: Database, table: CsvTable, mapping: SurveyMapping, study_override: str | None
) -> SurveyRead:
    """Raises ImportProblems with every problem, or a one-line error for a study that
    is not there."""
    name, new_study, stage_names = _target_study(db, mapping, study_override)
    problems = Problems()
    columns = _columns(table, mapping, problems)
    folded_stages = {s.casefold(): s for s in stage_names}
    for entry in mapping.entries:
        if entry.stage.casefold() not in folded_stages:
            problems.add(
                mapping.source,
                f"{entry.where}.stage: study {name!r} has no stage {entry.stage!r} "
                f"(its stages: {', '.join(stage_names)})",
            )
    problems.raise_if_any()
    read = SurveyRead(StudyImport(name, new_study, []))
    keys: dict[str, int] = {}
    stamp = now()
    for number, cells in table.rows():
        dropped_by = _left_out_by(mapping.filters, columns.filters, cells)
        if dropped_by is not None:
            read.left_out.setdefault(str(dropped_by), []).append(number)
            continue
        check_width(table, number, cells, problems)
        place = RowPlace(table, number, problems)
        session = _respondent(name, mapping, columns, cells, place, keys, stamp, folded_stages)
        if session is None:
            continue
        if not session.entries:
            read.empty_rows.append(number)
            continue
        read.study.sessions.append(session)
    problems.raise_if_any()
    if not table.count:
        raise ImportFailed(f"{table.source}: the file has a header but no rows to import")
    for session in read.study.sessions:
        if not session.participant_code:
            # Given inside the import's write transaction: two imports at once never share one.
            session.code_prefix = mapping.respondent.code_prefix
    return read


def _target_study(
    db: Database, mapping: SurveyMapping, study_override: str | None
) -> tuple[str, NewStudy | None, list[str]]:
    """The study's name, how to create it (None: it exists) and its stage names."""
    name = study_override or mapping.study
    if name is None:
        if not list_studies(db) and mapping.template:
            raise StudyNotFound(
                f"name the study to create with --study NAME or study = ... in {mapping.source}"
            )
        name = resolve_study(db, None).name
    layout = study_layout(db, name)
    if layout is not None:
        return layout.name, None, [stage_name for _, stage_name in layout.stages]
    if mapping.template is None:
        names = ", ".join(repr(s.name) for s in list_studies(db)) or "none yet"
        raise StudyNotFound(
            f"no study named {name!r} (studies: {names}); create it with `journey init "
            f'--study`, or add template = "five-stage" to {mapping.source}'
        )
    template = load_template(mapping.template_path() or mapping.template)
    new_study = NewStudy(
        template.name,
        template.description,
        tuple(enumerate(template.stages, start=1)),
        template.channels,
    )
    return name, new_study, [s.name for s in template.stages]


def _columns(table: CsvTable, mapping: SurveyMapping, problems: Problems) -> _Columns:
    index = table.column_index()
    counts: dict[str, int] = {}
    for header in table.header:
        counts[header.casefold()] = counts.get(header.casefold(), 0) + 1
    duplicated = {h for h, n in counts.items() if n > 1 and h}
    headers = [f'"{h}"' for h in table.header if h]
    listed = ", ".join(headers[:12]) + (
        f" and {len(headers) - 12} more" if len(headers) > 12 else ""
    )
    source = table.source

    def column(key: str, title: str) -> int | None:
        folded = title.strip().casefold()
        if folded not in index:
            problems.add(
                source,
                f'no column "{title}" (named by {key} in {mapping.source}; columns: {listed})',
            )
            return None
        if folded in duplicated:
            problems.add(
                source,
                f'two columns are headed "{title}" (named by {key} in {mapping.source}); '
                "rename one",
            )
        return index[folded]

    return _Columns(
        respondent={key: column(key, title) for key, title in mapping.respondent.columns()},
        entries=[
            {key: column(f"{entry.where}.{key}", title) for key, title in entry.columns()}
            for entry in mapping.entries
        ],
        filters=[column(f"{f.where}.column", f.column) for f in mapping.filters],
    )


def _left_out_by(
    filters: tuple[RowFilter, ...], columns: list[int | None], cells: list[str]
) -> RowFilter | None:
    """The first filter that leaves the row out, None when every one keeps it."""
    for row_filter, index in zip(filters, columns, strict=True):
        if not row_filter.keeps(cell(cells, index)):
            return row_filter
    return None


def _respondent(
    study: str,
    mapping: SurveyMapping,
    columns: _Columns,
    cells: list[str],
    place: RowPlace,
    keys: dict[str, int],
    stamp: str,
    stages: dict[str, str],
) -> ImportedSession | None:
    """The session of one respondent row; None when the row has a problem."""
    source, number, problems = place.table.source, place.number, place.problems
    errors_before = len(problems.items)
    cols = columns.respondent
    code_col, segment_col = cols.get("respondent.code"), cols.get("respondent.segment")
    code = line(cell(cells, code_col), source, number, _head(place, code_col), problems)
    segment = line(cell(cells, segment_col), source, number, _head(place, segment_col), problems)
    when = _when(mapping, cells, cols.get("respondent.date"), place) or stamp
    key = _key(cells, cols.get("respondent.id"), code_col, code, place, keys)
    entries: list[ImportedEntry] = []
    for entry, entry_cols in zip(mapping.entries, columns.entries, strict=True):
        entries += survey_entries(entry, entry_cols, cells, place, stages, when)
    if len(problems.items) > errors_before:
        return None
    return ImportedSession(
        id=str(uuid.uuid5(SURVEY_NAMESPACE, f"{study.casefold()}\x1f{key}")),
        mode=mapping.mode,
        participant_code=code or None,
        segment=segment or None,
        interviewer=mapping.interviewer,
        entries=entries,
    )


def _head(place: RowPlace, index: int | None) -> str:
    return place.table.header[index] if index is not None else ""


def _when(
    mapping: SurveyMapping, cells: list[str], date_col: int | None, place: RowPlace
) -> str | None:
    if date_col is None:
        return None
    value = cell(cells, date_col).strip()
    if not value:
        return None
    fmt = mapping.respondent.date_format
    try:
        return survey_time(value, fmt, mapping.timezone)
    except ValueError:
        expected = (
            f"the format {fmt}"
            if fmt
            else "an ISO 8601 time such as 2026-05-01 10:22 (or set respondent.date_format)"
        )
        place.add(f"{value!r} is not {expected}", _head(place, date_col))
        return None


def _key(
    cells: list[str],
    id_col: int | None,
    code_col: int | None,
    code: str,
    place: RowPlace,
    keys: dict[str, int],
) -> str:
    """What identifies the respondent: the id, the code or the whole row."""
    if id_col is not None:
        key_column: str | None = _head(place, id_col)
        key = clean_line(cell(cells, id_col))
        if not key:
            place.add("empty; every respondent needs an id", _head(place, id_col))
    elif code_col is not None:
        key_column, key = _head(place, code_col), code
        if not key:
            place.add("empty; every respondent needs a code", _head(place, code_col))
    else:
        key_column = None
        digest = hashlib.sha256("\x1f".join(cells).encode("utf-8")).hexdigest()
        occurrence = sum(1 for k in keys if k.startswith(f"row:{digest}"))
        key = f"row:{digest}:{occurrence}"
    if key and key in keys and key_column is not None:
        place.add(f"respondent {key!r} is also in row {keys[key]}", key_column)
    keys.setdefault(key, place.number)
    return key
