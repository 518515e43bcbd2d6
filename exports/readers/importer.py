"""`journey import`: our own entries CSV and JSON export, and survey CSVs through a mapping.

What a file is:

- `.json` (or text starting with `{`): journey's JSON export (`"format":
  "journey-export"`), read by `exports/json_import.py` and merged like a
  database (ids kept; see `exports/merge.py`).
- a CSV with `--mapping MAPPING.toml`: a survey export, one row per respondent
  (the mapping format is described in `exports/survey_mapping.py`).
- any other CSV: journey's `entries` CSV (the columns of `journey export
  --shape entries`: study, session_id, participant_code, segment, interviewer,
  mode, stage_position, stage, lane, channel, emotion, effort, votes, text,
  tags, created_at, updated_at; `stage`, `lane`, `text` and, without
  `--study`, `study` are required, the others optional, unknown ones ignored
  and named in the report).

Rules of the entries CSV import:

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

Everything is validated before anything is written; every problem is reported
with its row and column and then nothing is imported. The import itself is one
transaction (`storage/importing.py`). `dry_run` validates and reports what
would be imported without writing.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlite_utils import Database

from journey.capture.row_rules import canonical_time
from journey.capture.sanitize import EntryTooLong, clean_line, entry_text
from journey.capture.template import BUILT_IN, load_template
from journey.exports.readers.csv_read import (
    CsvTable,
    ImportFailed,
    Problems,
    decode,
    parse_csv,
    read_bytes,
    unneutralise,
)
from journey.exports.readers.report import ImportReport
from journey.exports.readers.survey_mapping import (
    EFFORT_SCALE,
    EMOTION_SCALE,
    EntryMapping,
    Scale,
    SurveyMapping,
    load_mapping,
)
from journey.exports.writers.codebook import CodebookContext, entry_columns, names
from journey.storage.connection import new_id, now
from journey.storage.errors import InvalidValue, StudyNotFound
from journey.storage.importing import (
    ImportedEntry,
    ImportedSession,
    NewStudy,
    StudyImport,
    import_studies,
    study_layout,
)
from journey.storage.models import EFFORT_RANGE, EMOTION_RANGE, LANES, MODES, StageSpec
from journey.storage.studies import list_studies, resolve_study

# The exporter's own `entries` columns, from its codebook, so the two never drift apart.
ENTRY_COLUMNS = tuple(names(entry_columns(CodebookContext())))
# Columns the exporter may add (`participant_id` is ignored: participants match by code).
EXTRA_ENTRY_COLUMNS = ("participant_id", "deleted_at")
TAG_SEPARATOR = ";"
MAX_LINE = 200  # one-line fields: codes, names, segments
SURVEY_NAMESPACE = uuid.UUID("6f1c35e2-5b8e-4f7e-9d0a-6a2f4c1e8b37")
# Headers that tell the other CSV shapes of `journey export` from the entries one.
_OTHER_SHAPES = {
    "sessions": {"session_id", "status", "last_stage"},
    "map": {"stage", "lane", "n", "emotion_mean"},
    "touchpoints": {"channel", "stage", "mentions"},
}


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
    table = parse_csv(text, source, survey.delimiter if survey else None)
    if survey is not None:
        survey_import, empty = _survey_import(db, table, survey, study_name)
        imports = [survey_import]
        kind = "survey CSV"
        ignored: list[str] = []
    else:
        imports, ignored = _entries_import(db, table, study_name)
        kind = "entries CSV"
        empty = []
    results = import_studies(db, imports, dry_run=dry_run)
    return ImportReport(
        source,
        kind,
        dry_run,
        results,
        rows=table.count,
        ignored_columns=ignored,
        delimiter=table.delimiter,
        empty_rows=empty,
    )


# --- cells ------------------------------------------------------------------------


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    return unneutralise(value) if value[:1] == "'" else value


# Names, codes and ids repeat on every row of a session: clean each distinct one once.
_clean_line = lru_cache(maxsize=4096)(clean_line)


def _check_width(table: CsvTable, number: int, cells: list[str], problems: Problems) -> None:
    extra = cells[len(table.header) :]
    if any(c.strip() for c in extra):
        problems.add(
            table.source,
            f"{len(cells)} cells, but the header has {len(table.header)} columns "
            "(a delimiter or quote out of place?)",
            number,
        )


def _integer(value: str) -> int | None:
    value = value.strip()
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if re.fullmatch(r"[+-]?\d+\.0*", value):
        return int(float(value))
    return None


def _number(value: str) -> float | None:
    value = value.strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        return None
    return float(value)


def _line(
    value: str, source: str, number: int, column: str, problems: Problems, *, limit: int = MAX_LINE
) -> str:
    cleaned = _clean_line(value)
    if len(cleaned) > limit:
        problems.add(
            source, f"{len(cleaned):,} characters; at most {limit} fit here", number, column
        )
    return cleaned


def _entry_text(value: str, source: str, number: int, column: str, problems: Problems) -> str:
    try:
        return entry_text(value)
    except EntryTooLong as error:
        problems.add(source, str(error), number, column)
    except InvalidValue as error:
        problems.add(source, str(error), number, column)
    return ""


# --- our entries CSV ------------------------------------------------------------------


@dataclass
class _SessionRows:
    study: str
    first_row: int
    values: dict[str, str]  # participant_code, segment, interviewer, mode
    session: ImportedSession


def _entries_import(
    db: Database, table: CsvTable, study_override: str | None
) -> tuple[list[StudyImport], list[str]]:
    source = table.source
    index = table.column_index()
    required = ["stage", "lane", "text"] + ([] if study_override else ["study"])
    missing = [name for name in required if name not in index]
    if missing:
        headers = set(index)
        for shape, marks in _OTHER_SHAPES.items():
            if marks <= headers:
                raise ImportFailed(
                    f"{source}: this is the {shape} CSV of journey export; only the entries "
                    "CSV (--shape entries) and the JSON export can be imported"
                )
        raise ImportFailed(
            f"{source}: not a journey entries CSV (no column {', '.join(missing)}); "
            "a survey export needs --mapping MAPPING.toml"
        )
    known = set(ENTRY_COLUMNS) | set(EXTRA_ENTRY_COLUMNS)
    ignored = [h for h in table.header if h and h.casefold() not in known]
    col = {name: index.get(name) for name in (*ENTRY_COLUMNS, "deleted_at")}
    problems = Problems()
    sessions: dict[str, _SessionRows] = {}
    anonymous: dict[tuple[str, ...], str] = {}
    # study name (case-folded) -> stage name (case-folded) -> (name, position, first row)
    stages: dict[str, dict[str, tuple[str, int | None, int]]] = {}
    study_names: dict[str, str] = {}
    file_studies: dict[str, str] = {}
    stage_rows: dict[tuple[str, str], int] = {}
    stamp = now()

    for number, cells in table.rows():
        _check_width(table, number, cells, problems)

        def get(name: str, cells: list[str] = cells) -> str:
            return _cell(cells, col[name])

        errors_before = len(problems.items)
        in_file = _line(get("study"), source, number, "study", problems)
        if in_file:
            file_studies.setdefault(in_file.casefold(), in_file)
        study = study_override or in_file
        if not study:
            problems.add(source, "empty; every row needs its study", number, "study")
            continue
        study_names.setdefault(study.casefold(), study)
        values = {
            "participant_code": _line(
                get("participant_code"), source, number, "participant_code", problems
            ),
            "segment": _line(get("segment"), source, number, "segment", problems),
            "interviewer": _line(get("interviewer"), source, number, "interviewer", problems),
            "mode": clean_line(get("mode")).lower() or "interview",
        }
        if values["mode"] not in MODES:
            problems.add(
                source,
                f"{values['mode']!r} is not one of {', '.join(MODES)}",
                number,
                "mode",
            )
        stage = _line(get("stage"), source, number, "stage", problems)
        if not stage:
            problems.add(source, "empty; every entry needs its stage", number, "stage")
        position_text = get("stage_position").strip()
        position = _integer(position_text) if position_text else None
        if position_text and (position is None or position < 1):
            problems.add(
                source, f"{position_text!r} is not a stage position", number, "stage_position"
            )
            position = None
        lane = clean_line(get("lane")).lower()
        if lane not in LANES:
            problems.add(
                source,
                f"{lane!r} is not one of {', '.join(LANES)}" if lane else "empty",
                number,
                "lane",
            )
        channel = _line(get("channel"), source, number, "channel", problems) or None
        if lane == "touchpoint" and channel is None:
            problems.add(source, "empty; a touchpoint needs its channel", number, "channel")
        emotion = _bounded(
            get("emotion"), EMOTION_RANGE, "-2..+2", source, number, "emotion", problems
        )
        effort = _bounded(get("effort"), EFFORT_RANGE, "1..7", source, number, "effort", problems)
        votes_text = get("votes").strip()
        votes = _integer(votes_text) if votes_text else 0
        if votes is None or votes < 0:
            problems.add(source, f"{votes_text!r} is not a number of votes", number, "votes")
            votes = 0
        text = _entry_text(get("text"), source, number, "text", problems)
        unique: dict[str, str] = {}  # the first spelling of each tag, any case
        for part in get("tags").split(TAG_SEPARATOR):
            if tag := _line(part, source, number, "tags", problems):
                unique.setdefault(tag.casefold(), tag)
        tags = tuple(unique.values())
        created = _time(get("created_at"), source, number, "created_at", problems) or stamp
        updated = _time(get("updated_at"), source, number, "updated_at", problems) or created
        deleted = _time(get("deleted_at"), source, number, "deleted_at", problems)
        session_id = _session_id(get("session_id"), source, number, problems)
        if len(problems.items) > errors_before:
            continue

        if stage:
            counted = (study.casefold(), stage.casefold())
            stage_rows[counted] = stage_rows.get(counted, 0) + 1
            known_stages = stages.setdefault(study.casefold(), {})
            seen = known_stages.get(stage.casefold())
            if seen is None:
                known_stages[stage.casefold()] = (stage, position, number)
            elif position is not None and seen[1] is not None and seen[1] != position:
                problems.add(
                    source,
                    f"stage {stage!r} is at position {seen[1]} in row {seen[2]}",
                    number,
                    "stage_position",
                )
            elif seen[1] is None and position is not None:
                known_stages[stage.casefold()] = (seen[0], position, seen[2])

        if session_id is None:
            key = (
                study.casefold(),
                *(values[k] for k in ("participant_code", "interviewer", "mode")),
            )
            session_id = anonymous.setdefault(key, new_id())
        group = sessions.get(session_id)
        if group is None:
            group = _SessionRows(
                study,
                number,
                values,
                ImportedSession(
                    id=session_id,
                    mode=values["mode"],
                    participant_code=values["participant_code"] or None,
                    segment=values["segment"] or None,
                    interviewer=values["interviewer"] or None,
                ),
            )
            sessions[session_id] = group
        else:
            if group.study.casefold() != study.casefold():
                problems.add(
                    source,
                    f"session {session_id} belongs to study {group.study!r} in row "
                    f"{group.first_row}",
                    number,
                    "study",
                )
            for name, value in values.items():
                if value != group.values[name]:
                    problems.add(
                        source,
                        f"{value!r} differs from {group.values[name]!r} in row "
                        f"{group.first_row} of the same session",
                        number,
                        name,
                    )
        group.session.entries.append(
            ImportedEntry(
                stage=stage,
                lane=lane,
                text=text,
                created_at=created,
                updated_at=updated,
                channel=channel,
                emotion=emotion,
                effort=effort,
                votes=votes,
                tags=tags,
                deleted_at=deleted,
            )
        )

    if study_override is not None and len(file_studies) > 1:
        problems.add(
            source,
            f"holds several studies ({', '.join(repr(n) for n in file_studies.values())}); "
            "--study takes a file of one study (import it without --study)",
        )
    imports: list[StudyImport] = []
    for folded, name in study_names.items():
        layout = study_layout(db, name)
        file_stages = stages.get(folded, {})
        new_study = None
        if layout is None:
            new_study = _new_study_from(file_stages, source, problems)
        else:
            have = {stage_name.casefold() for _, stage_name in layout.stages}
            listed = ", ".join(stage_name for _, stage_name in layout.stages)
            for stage_name, _, first in file_stages.values():
                if stage_name.casefold() not in have:
                    more = stage_rows[(folded, stage_name.casefold())] - 1
                    problems.add(
                        source,
                        f"study {layout.name!r} has no stage {stage_name!r} (its stages: "
                        f"{listed})" + (f"; {more} more rows name it" if more else ""),
                        first,
                        "stage",
                    )
        imports.append(
            StudyImport(
                name,
                new_study,
                [g.session for g in sessions.values() if g.study.casefold() == folded],
            )
        )
    problems.raise_if_any()
    if not table.count:
        raise ImportFailed(f"{source}: the file has a header but no rows to import")
    return imports, ignored


def _bounded(
    value: str,
    allowed: range,
    shown: str,
    source: str,
    number: int,
    column: str,
    problems: Problems,
) -> int | None:
    value = value.strip()
    if not value:
        return None
    parsed = _integer(value)
    if parsed is None:
        problems.add(source, f"{value!r} is not a whole number ({shown})", number, column)
        return None
    if parsed not in allowed:
        problems.add(source, f"{value} is outside {shown}", number, column)
        return None
    return parsed


def _time(value: str, source: str, number: int, column: str, problems: Problems) -> str | None:
    if not value.strip():
        return None
    try:
        return canonical_time(value)
    except ValueError:
        problems.add(
            source,
            f"{value.strip()!r} is not an ISO 8601 time such as 2026-09-01T09:30:00+00:00",
            number,
            column,
        )
        return None


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
        names = [s.name.casefold() for s in template.stages]
        if all(
            position <= len(names) and names[position - 1] == name.casefold()
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


# --- survey CSVs --------------------------------------------------------------------------


def _survey_import(
    db: Database, table: CsvTable, mapping: SurveyMapping, study_override: str | None
) -> tuple[StudyImport, list[int]]:
    source = table.source
    name = study_override or mapping.study
    if name is None:
        if not list_studies(db) and mapping.template:
            raise StudyNotFound(
                f"name the study to create with --study NAME or study = ... in {mapping.source}"
            )
        name = resolve_study(db, None).name
    layout = study_layout(db, name)
    new_study = None
    if layout is None:
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
        stage_names = [s.name for s in template.stages]
    else:
        name = layout.name
        stage_names = [stage_name for _, stage_name in layout.stages]

    problems = Problems()
    index = table.column_index()
    counts: dict[str, int] = {}
    for header in table.header:
        counts[header.casefold()] = counts.get(header.casefold(), 0) + 1
    duplicated = {h for h, n in counts.items() if n > 1 and h}
    headers = [f'"{h}"' for h in table.header if h]
    listed = ", ".join(headers[:12]) + (
        f" and {len(headers) - 12} more" if len(headers) > 12 else ""
    )

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

    respondent_cols = {key: column(key, title) for key, title in mapping.respondent.columns()}
    entry_cols = [
        {key: column(f"{entry.where}.{key}", title) for key, title in entry.columns()}
        for entry in mapping.entries
    ]
    folded_stages = {s.casefold(): s for s in stage_names}
    for entry in mapping.entries:
        if entry.stage.casefold() not in folded_stages:
            problems.add(
                mapping.source,
                f"{entry.where}.stage: study {name!r} has no stage {entry.stage!r} "
                f"(its stages: {', '.join(stage_names)})",
            )
    problems.raise_if_any()

    stamp = now()
    empty: list[int] = []  # rows of respondents who answered nothing the mapping reads
    keys: dict[str, int] = {}
    sessions: list[ImportedSession] = []
    codes: list[tuple[ImportedSession, int]] = []  # sessions still needing a code
    id_col = respondent_cols.get("respondent.id")
    code_col = respondent_cols.get("respondent.code")
    segment_col = respondent_cols.get("respondent.segment")
    date_col = respondent_cols.get("respondent.date")

    def head(index: int | None) -> str:
        return table.header[index] if index is not None else ""

    for number, cells in table.rows():
        _check_width(table, number, cells, problems)
        errors_before = len(problems.items)
        code = _line(_cell(cells, code_col), source, number, head(code_col), problems)
        segment = _line(_cell(cells, segment_col), source, number, head(segment_col), problems)
        when = stamp
        if date_col is not None:
            raw_date = _cell(cells, date_col).strip()
            if raw_date:
                try:
                    when = canonical_time(raw_date, mapping.respondent.date_format)
                except ValueError:
                    expected = (
                        f"the format {mapping.respondent.date_format}"
                        if mapping.respondent.date_format
                        else "an ISO 8601 time such as 2026-05-01 10:22 (or set "
                        "respondent.date_format)"
                    )
                    problems.add(
                        source,
                        f"{raw_date!r} is not {expected}",
                        number,
                        head(date_col),
                    )
        if id_col is not None:
            key_column = head(id_col)
            key = clean_line(_cell(cells, id_col))
            if not key:
                problems.add(source, "empty; every respondent needs an id", number, key_column)
        elif code_col is not None:
            key_column = head(code_col)
            key = code
            if not key:
                problems.add(source, "empty; every respondent needs a code", number, key_column)
        else:
            key_column = None
            digest = hashlib.sha256("\x1f".join(cells).encode("utf-8")).hexdigest()
            occurrence = sum(1 for k in keys if k.startswith(f"row:{digest}"))
            key = f"row:{digest}:{occurrence}"
        if key and key in keys and key_column is not None:
            problems.add(
                source, f"respondent {key!r} is also in row {keys[key]}", number, key_column
            )
        keys.setdefault(key, number)

        entries: list[ImportedEntry] = []
        for entry, cols in zip(mapping.entries, entry_cols, strict=True):
            made = _survey_entry(entry, cols, cells, table, number, folded_stages, when, problems)
            if made is not None:
                entries.append(made)
        if len(problems.items) > errors_before:
            continue
        if not entries:
            empty.append(number)
            continue
        session = ImportedSession(
            id=str(uuid.uuid5(SURVEY_NAMESPACE, f"{name.casefold()}\x1f{key}")),
            mode=mapping.mode,
            participant_code=code or None,
            segment=segment or None,
            interviewer=mapping.interviewer,
            entries=entries,
        )
        sessions.append(session)
        if not code:
            codes.append((session, number))
    problems.raise_if_any()
    if not table.count:
        raise ImportFailed(f"{source}: the file has a header but no rows to import")
    for session, _row in codes:
        # Given inside the import's write transaction: two imports at once never share one.
        session.code_prefix = mapping.respondent.code_prefix
    return StudyImport(name, new_study, sessions), empty


def _survey_entry(
    entry: EntryMapping,
    cols: dict[str, int | None],
    cells: list[str],
    table: CsvTable,
    number: int,
    stages: dict[str, str],
    when: str,
    problems: Problems,
) -> ImportedEntry | None:
    source = table.source
    raw = {key: _cell(cells, index).strip() for key, index in cols.items()}
    if not any(raw.values()):
        return None

    def header(key: str) -> str:
        index = cols.get(key)
        return table.header[index] if index is not None else key

    emotion = effort = None
    if raw.get("emotion_column") and entry.scale is not None:
        emotion = _rating(
            raw["emotion_column"],
            entry,
            entry.scale,
            EMOTION_SCALE,
            source,
            number,
            header("emotion_column"),
            problems,
            labels=True,
        )
    if raw.get("effort_column"):
        effort = _rating(
            raw["effort_column"],
            entry,
            entry.effort_scale,
            EFFORT_SCALE,
            source,
            number,
            header("effort_column"),
            problems,
            labels=False,
        )
    channel = entry.channel
    if raw.get("channel_column"):
        channel = _line(raw["channel_column"], source, number, header("channel_column"), problems)
    elif entry.channel_column:
        # The respondent named no channel: a touchpoint without one counts nowhere.
        return None
    text_value = raw.get("text_column") or entry.text
    text_column = header("text_column") if raw.get("text_column") else None
    if not text_value:
        for key in ("emotion_column", "channel_column", "effort_column"):
            if raw.get(key):
                text_value = f"{header(key)}: {clean_line(raw[key])}"
                text_column = header(key)
                break
    text = _entry_text(text_value or "", source, number, text_column or entry.where, problems)
    if not text:
        return None
    return ImportedEntry(
        stage=stages[entry.stage.casefold()],
        lane=entry.lane,
        text=text,
        created_at=when,
        updated_at=when,
        channel=channel or None,
        emotion=emotion,
        effort=effort,
        tags=entry.tags,
    )


def _rating(
    value: str,
    entry: EntryMapping,
    scale: Scale,
    target: tuple[int, int],
    source: str,
    number: int,
    column: str,
    problems: Problems,
    *,
    labels: bool,
) -> int | None:
    parsed = _number(value)
    if parsed is None and labels:
        parsed = entry.label_value(value)
    if parsed is None:
        words = ", ".join(repr(label) for label, _ in entry.labels) if labels else ""
        problems.add(
            source,
            f"{value!r} is not a number on the scale {scale}"
            + (f" nor one of {words}" if words else ""),
            number,
            column,
        )
        return None
    if not scale.contains(parsed):
        shown = str(int(parsed)) if parsed.is_integer() else str(parsed)
        problems.add(source, f"{shown} is outside the scale {scale}", number, column)
        return None
    return scale.onto(parsed, target)
