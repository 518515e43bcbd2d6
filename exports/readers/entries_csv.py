"""Reading journey's own `entries` CSV (`journey export --shape entries`) for `journey import`.

The columns are those of the export: study, session_id, participant_code, segment,
interviewer, mode, stage_position, stage, lane, channel, emotion, effort, votes, text,
tags, created_at, updated_at; `stage`, `lane`, `text` and, without `--study`, `study`
are required, the others optional, unknown ones ignored and named in the report.

- Rows are grouped into sessions by `session_id` (a UUID); rows without one go
  into one new session per study, participant, interviewer and mode. A session
  already in the database is skipped with its rows, so importing a file twice
  adds nothing (entries of an existing session are never added to it; combine
  databases with `journey merge`).
- The study is the `study` cell (or `--study NAME` for a file of one study).
  A study the database lacks is created: from the built-in template whose
  stages match the file's stage names and positions (with its channels and
  interview guide), otherwise with just the file's stages at their positions.
  Stages of an existing study are matched by name (any case); channels by name
  (any case; unknown ones are added to the study); participants by code
  (created with their segment when new); tags by name (`;` between them).
- Entries get new ids; their timestamps are kept (ISO 8601; without a zone,
  UTC; an empty `created_at` is the time of the import). A session's start,
  end and last activity are its first and last entry, its status finished, and
  every stage with an entry is recorded as reached (drop-outs and skipped
  stages are not in the entries CSV; the JSON export keeps them).
- A `'` that the exporter put before a formula-like cell is removed again
  (`'=1+2` is read as `=1+2`, `'hello` stays as it is); text is sanitised as
  typed text is (control characters out, at most 10,000 characters).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from sqlite_utils import Database

from journey.capture.sanitize import clean_line
from journey.capture.template import BUILT_IN, load_template
from journey.exports.readers.cells import bounded, cell, check_width, integer, iso_time, line
from journey.exports.readers.cells import text_of as entry_text
from journey.exports.readers.csv_read import CsvTable, ImportFailed, Problems
from journey.exports.writers.codebook import CodebookContext, entry_columns, names
from journey.storage.connection import new_id, now
from journey.storage.importing import (
    ImportedEntry,
    ImportedSession,
    NewStudy,
    StudyImport,
    study_layout,
)
from journey.storage.models import EFFORT_RANGE, EMOTION_RANGE, LANES, MODES, StageSpec

# The exporter's own `entries` columns, from its codebook, so the two never drift apart.
ENTRY_COLUMNS = tuple(names(entry_columns(CodebookContext())))
# Columns the exporter may add (`participant_id` is ignored: participants match by code).
EXTRA_ENTRY_COLUMNS = ("participant_id", "deleted_at")
TAG_SEPARATOR = ";"
# Headers that tell the other CSV shapes of `journey export` from the entries one.
_OTHER_SHAPES = {
    "sessions": {"session_id", "status", "last_stage"},
    "map": {"stage", "lane", "n", "emotion_mean"},
    "touchpoints": {"channel", "stage", "mentions"},
}
_SESSION_VALUES = ("participant_code", "segment", "interviewer", "mode")


@dataclass
class _SessionRows:
    study: str
    first_row: int
    values: dict[str, str]  # participant_code, segment, interviewer, mode
    session: ImportedSession


@dataclass
class _Read:
    """What the rows read so far add up to."""

    table: CsvTable
    study_override: str | None
    col: dict[str, int | None]
    problems: Problems = field(default_factory=Problems)
    sessions: dict[str, _SessionRows] = field(default_factory=dict)
    anonymous: dict[tuple[str, ...], str] = field(default_factory=dict)
    # study name (case-folded) -> stage name (case-folded) -> (name, position, first row)
    stages: dict[str, dict[str, tuple[str, int | None, int]]] = field(default_factory=dict)
    study_names: dict[str, str] = field(default_factory=dict)
    file_studies: dict[str, str] = field(default_factory=dict)
    stage_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    stamp: str = field(default_factory=now)

    @property
    def source(self) -> str:
        return self.table.source


@dataclass
class _Row:
    number: int
    study: str
    values: dict[str, str]
    stage: str
    position: int | None
    session_id: str | None
    entry: ImportedEntry


def entries_import(
    db: Database, table: CsvTable, study_override: str | None
) -> tuple[list[StudyImport], list[str]]:
    """The studies a journey entries CSV imports into, and the columns it ignores.
    Raises ImportProblems with every problem of the file."""
    _check_header(table, study_override)
    index = table.column_index()
    read = _Read(table, study_override, {n: index.get(n) for n in (*ENTRY_COLUMNS, "deleted_at")})
    for number, cells in table.rows():
        check_width(table, number, cells, read.problems)
        row = _read_row(read, number, cells)
        if row is not None:
            _note_stage(read, row)
            _add_to_session(read, row)
    if study_override is not None and len(read.file_studies) > 1:
        listed = ", ".join(repr(n) for n in read.file_studies.values())
        read.problems.add(
            read.source,
            f"holds several studies ({listed}); "
            "--study takes a file of one study (import it without --study)",
        )
    imports = _study_imports(db, read)
    read.problems.raise_if_any()
    if not table.count:
        raise ImportFailed(f"{read.source}: the file has a header but no rows to import")
    return imports, _ignored(table)


def _check_header(table: CsvTable, study_override: str | None) -> None:
    index = table.column_index()
    required = ["stage", "lane", "text"] + ([] if study_override else ["study"])
    missing = [name for name in required if name not in index]
    if not missing:
        return
    headers = set(index)
    for shape, marks in _OTHER_SHAPES.items():
        if marks <= headers:
            raise ImportFailed(
                f"{table.source}: this is the {shape} CSV of journey export; only the entries "
                "CSV (--shape entries) and the JSON export can be imported"
            )
    raise ImportFailed(
        f"{table.source}: not a journey entries CSV (no column {', '.join(missing)}); "
        "a survey export needs --mapping MAPPING.toml"
    )


def _ignored(table: CsvTable) -> list[str]:
    known = set(ENTRY_COLUMNS) | set(EXTRA_ENTRY_COLUMNS)
    return [h for h in table.header if h and h.casefold() not in known]


def _read_row(read: _Read, number: int, cells: list[str]) -> _Row | None:
    """One row checked; None when it has a problem (recorded) or names no study."""
    source, problems = read.source, read.problems

    def get(name: str) -> str:
        return cell(cells, read.col[name])

    errors_before = len(problems.items)
    in_file = line(get("study"), source, number, "study", problems)
    if in_file:
        read.file_studies.setdefault(in_file.casefold(), in_file)
    study = read.study_override or in_file
    if not study:
        problems.add(source, "empty; every row needs its study", number, "study")
        return None
    read.study_names.setdefault(study.casefold(), study)
    values = {name: line(get(name), source, number, name, problems) for name in _SESSION_VALUES[:3]}
    values["mode"] = clean_line(get("mode")).lower() or "interview"
    if values["mode"] not in MODES:
        message = f"{values['mode']!r} is not one of {', '.join(MODES)}"
        problems.add(source, message, number, "mode")
    stage = line(get("stage"), source, number, "stage", problems)
    if not stage:
        problems.add(source, "empty; every entry needs its stage", number, "stage")
    position = _position(get("stage_position"), source, number, problems)
    entry = _entry(get, stage, source, number, problems, read.stamp)
    session_id = _session_id(get("session_id"), source, number, problems)
    if len(problems.items) > errors_before:
        return None
    return _Row(number, study, values, stage, position, session_id, entry)


def _position(value: str, source: str, number: int, problems: Problems) -> int | None:
    value = value.strip()
    position = integer(value) if value else None
    if value and (position is None or position < 1):
        problems.add(source, f"{value!r} is not a stage position", number, "stage_position")
        return None
    return position


def _entry(get, stage: str, source: str, number: int, problems: Problems, stamp: str):
    lane = clean_line(get("lane")).lower()
    if lane not in LANES:
        message = f"{lane!r} is not one of {', '.join(LANES)}" if lane else "empty"
        problems.add(source, message, number, "lane")
    channel = line(get("channel"), source, number, "channel", problems) or None
    if lane == "touchpoint" and channel is None:
        problems.add(source, "empty; a touchpoint needs its channel", number, "channel")
    emotion = bounded(get("emotion"), EMOTION_RANGE, "-2..+2", source, number, "emotion", problems)
    effort = bounded(get("effort"), EFFORT_RANGE, "1..7", source, number, "effort", problems)
    votes_text = get("votes").strip()
    votes = integer(votes_text) if votes_text else 0
    if votes is None or votes < 0:
        problems.add(source, f"{votes_text!r} is not a number of votes", number, "votes")
        votes = 0
    text = entry_text(get("text"), source, number, "text", problems)
    unique: dict[str, str] = {}  # the first spelling of each tag, any case
    for part in get("tags").split(TAG_SEPARATOR):
        if tag := line(part, source, number, "tags", problems):
            unique.setdefault(tag.casefold(), tag)
    created = iso_time(get("created_at"), source, number, "created_at", problems) or stamp
    updated = iso_time(get("updated_at"), source, number, "updated_at", problems) or created
    return ImportedEntry(
        stage=stage,
        lane=lane,
        text=text,
        created_at=created,
        updated_at=updated,
        channel=channel,
        emotion=emotion,
        effort=effort,
        votes=votes,
        tags=tuple(unique.values()),
        deleted_at=iso_time(get("deleted_at"), source, number, "deleted_at", problems),
    )


def _note_stage(read: _Read, row: _Row) -> None:
    """Remember the stage's name and position; a position that differs is a problem."""
    if not row.stage:
        return
    study, stage, position = row.study.casefold(), row.stage.casefold(), row.position
    read.stage_rows[(study, stage)] = read.stage_rows.get((study, stage), 0) + 1
    known = read.stages.setdefault(study, {})
    seen = known.get(stage)
    if seen is None:
        known[stage] = (row.stage, position, row.number)
    elif position is not None and seen[1] is not None and seen[1] != position:
        read.problems.add(
            read.source,
            f"stage {row.stage!r} is at position {seen[1]} in row {seen[2]}",
            row.number,
            "stage_position",
        )
    elif seen[1] is None and position is not None:
        known[stage] = (seen[0], position, seen[2])


def _add_to_session(read: _Read, row: _Row) -> None:
    values, study = row.values, row.study
    session_id = row.session_id
    if session_id is None:
        key = (study.casefold(), *(values[k] for k in ("participant_code", "interviewer", "mode")))
        session_id = read.anonymous.setdefault(key, new_id())
    group = read.sessions.get(session_id)
    if group is None:
        session = ImportedSession(
            id=session_id,
            mode=values["mode"],
            participant_code=values["participant_code"] or None,
            segment=values["segment"] or None,
            interviewer=values["interviewer"] or None,
        )
        group = read.sessions[session_id] = _SessionRows(study, row.number, values, session)
    else:
        if group.study.casefold() != study.casefold():
            read.problems.add(
                read.source,
                f"session {session_id} belongs to study {group.study!r} in row {group.first_row}",
                row.number,
                "study",
            )
        for name, value in values.items():
            if value != group.values[name]:
                read.problems.add(
                    read.source,
                    f"{value!r} differs from {group.values[name]!r} in row "
                    f"{group.first_row} of the same session",
                    row.number,
                    name,
                )
    group.session.entries.append(row.entry)


def _study_imports(db: Database, read: _Read) -> list[StudyImport]:
    imports: list[StudyImport] = []
    for folded, name in read.study_names.items():
        layout = study_layout(db, name)
        file_stages = read.stages.get(folded, {})
        new_study = None
        if layout is None:
            new_study = _new_study_from(file_stages, read.source, read.problems)
        else:
            have = {stage_name.casefold() for _, stage_name in layout.stages}
            listed = ", ".join(stage_name for _, stage_name in layout.stages)
            for stage_name, _, first in file_stages.values():
                if stage_name.casefold() not in have:
                    more = read.stage_rows[(folded, stage_name.casefold())] - 1
                    read.problems.add(
                        read.source,
                        f"study {layout.name!r} has no stage {stage_name!r} (its stages: "
                        f"{listed})" + (f"; {more} more rows name it" if more else ""),
                        first,
                        "stage",
                    )
        sessions = [g.session for g in read.sessions.values() if g.study.casefold() == folded]
        imports.append(StudyImport(name, new_study, sessions))
    return imports


def _session_id(value: str, source: str, number: int, problems: Problems) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return _uuid_text(value)
    except ValueError:
        problems.add(source, f"{value[:60]!r} is not a session id (a UUID)", number, "session_id")
        return None


@lru_cache(maxsize=1024)
def _uuid_text(value: str) -> str:
    return str(uuid.UUID(value))


def _new_study_from(
    file_stages: dict[str, tuple[str, int | None, int]], source: str, problems: Problems
) -> NewStudy:
    """A study for the stages of a file: a built-in template's when they fit it."""
    positioned: dict[int, tuple[str, int]] = {}
    for name, position, first in file_stages.values():
        if position is None:
            continue
        if position in positioned and positioned[position][0].casefold() != name.casefold():
            problems.add(
                source,
                f"stage {name!r} has position {position}, as {positioned[position][0]!r} in "
                f"row {positioned[position][1]}",
                first,
                "stage_position",
            )
            continue
        positioned[position] = (name, first)
    next_free = max(positioned, default=0) + 1
    for name, position, first in file_stages.values():
        if position is None:
            positioned[next_free] = (name, first)
            next_free += 1
    for template_name in BUILT_IN:
        template = load_template(template_name)
        stage_names = [s.name.casefold() for s in template.stages]
        if all(
            position <= len(stage_names) and stage_names[position - 1] == name.casefold()
            for position, (name, _) in positioned.items()
        ):
            return NewStudy(
                template.name,
                template.description,
                tuple(enumerate(template.stages, start=1)),
                template.channels,
            )
    return NewStudy(
        "imported",
        f"Imported from {source}",
        tuple((position, StageSpec(name)) for position, (name, _) in sorted(positioned.items())),
    )
