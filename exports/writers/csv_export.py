"""CSV export: the entries, sessions, map and touchpoints shapes, the codebook and the
linkage table, written to RFC 4180.

- CRLF line ends, minimal quoting (cells with the delimiter, a quote or a line
  break are quoted, quotes doubled), embedded line breaks kept inside quotes;
- UTF-8, with a byte-order mark when `bom` (`--excel`, which Excel needs to read
  UTF-8); `,`, `;` or tab as the delimiter;
- every text cell passes through `capture.sanitize.clean_text` (no control
  character reaches the file; line breaks become `\\n`) and then, unless `raw`,
  the formula rule of `exports.formula`, line by line;
- decimals (the codebook's `decimal` columns) with a point, or with a comma when
  `decimal_comma` (`--decimal-comma`, for spreadsheets set to a language that writes
  them so; the delimiter is then `;` or tab, never `,`).

Rows stream from `storage.export_rows` cursors: memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import itemgetter
from typing import TextIO

from journey.capture.figures import decimal_text
from journey.capture.journey_map import JourneyMap, build_map
from journey.capture.sanitize import clean_text
from journey.exports.export_scope import ExportScope
from journey.exports.formula import SUSPECT_FIRST, neutralise
from journey.exports.writers import codebook
from journey.exports.writers.codebook import CodebookContext, Column
from journey.storage import export_rows, studies
from journey.storage.models import LANES

BOM = "\ufeff"
PROGRESS_EVERY = 5_000
BATCH = 100  # rows tested and written at once: a few C calls each, memory still flat
Progress = Callable[[int], None]  # called with the rows written since the last call


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str = ","
    bom: bool = False
    raw: bool = False  # True: no formula neutralising (control characters still go)
    decimal_comma: bool = False  # decimals as 0,50 (the delimiter is ; or tab)


@dataclass(frozen=True)
class CsvTable:
    """One CSV file: its name in a `--shape all` folder, its columns and its rows."""

    file_name: str
    columns: tuple[Column, ...]
    rows: Iterable[Sequence]


def safe_cell(value: str, raw: bool = False) -> str:
    """A text cell as written: control characters removed, formula neutralised."""
    if value.isprintable() and (raw or not value or value[0] not in SUSPECT_FIRST):
        return value
    value = clean_text(value)
    return value if raw else neutralise(value)


def write_csv(
    stream: TextIO,
    table: CsvTable,
    style: CsvStyle = CsvStyle(),
    progress: Progress | None = None,
) -> int:
    """Write the header and every row; returns the number of rows (header aside)."""
    if style.bom:
        stream.write(BOM)
    writer = csv.writer(
        stream, delimiter=style.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow(codebook.names(table.columns))
    rows = iter(table.rows)
    try:
        return _write_rows(writer, rows, table.columns, style, progress)
    finally:
        close_rows(rows)


def _write_rows(
    writer, rows: Iterator[Sequence], columns, style: CsvStyle, progress: Progress | None
) -> int:
    """The rows in batches: a batch none of whose cells needs a thing done (`_plain`) is
    written as it is, at once; any other row cell by cell through `safe_cell`."""
    raw, writerow = style.raw, writer.writerow
    decimals = _decimal_columns(columns) if style.decimal_comma else ()
    plain = _plain_test(columns)
    written = reported = 0
    while batch := list(islice(rows, BATCH)):
        if not decimals and plain(batch):
            writer.writerows(batch)
        else:
            for row in batch:
                if not decimals and plain((row,)):
                    writerow(row)
                    continue
                cells = [safe_cell(cell, raw) if cell.__class__ is str else cell for cell in row]
                for index in decimals:
                    if cells[index].__class__ is str:
                        cells[index] = cells[index].replace(".", ",")
                writerow(cells)
        written += len(batch)
        if progress is not None and written - reported >= PROGRESS_EVERY:
            progress(written - reported)
            reported = written
    if progress is not None:
        progress(written - reported)
    return written


# A cell (after \x00) starting with a character that the formula rule looks at (after a
# line break too: a line break is not printable, so `isprintable` already catches it).
_SUSPECT_START = re.compile("\x00[" + re.escape("".join(sorted(SUSPECT_FIRST))) + "]")
_NUMBER_TYPES = (codebook.INTEGER, codebook.DECIMAL, codebook.BOOLEAN)


def _plain_test(columns: Sequence[Column]) -> Callable[[Sequence[Sequence]], bool]:
    """A test of rows at once, in a few C calls over all their cells: the text cells
    (every column but numbers) are printable and start with no character the formula
    rule looks at, and the number columns hold no text. `safe_cell` would change none of
    the cells of such rows, so they are written as they are."""
    texts = [i for i, column in enumerate(columns) if column.type not in _NUMBER_TYPES]
    numbers = [i for i, column in enumerate(columns) if column.type in _NUMBER_TYPES]
    text_cells, number_cells = _getter(texts), _getter(numbers)
    suspect = _SUSPECT_START.search

    def plain(rows: Sequence[Sequence]) -> bool:
        cells = tuple(filter(None, chain.from_iterable(map(text_cells, rows))))
        try:
            joined = "".join(cells)
        except TypeError:  # a number where text was expected: the long way
            return False
        return (
            joined.isprintable()
            and suspect("\x00" + "\x00".join(cells)) is None  # a literal first: fast
            and str not in set(map(type, chain.from_iterable(map(number_cells, rows))))
        )

    return plain


def _getter(indexes: Sequence[int]) -> Callable[[Sequence], tuple]:
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return itemgetter(*indexes)


def _decimal_columns(columns: Sequence[Column]) -> tuple[int, ...]:
    return tuple(i for i, column in enumerate(columns) if column.type == codebook.DECIMAL)


def close_rows(rows: Iterator) -> None:
    """End a row generator's query now, not when the (perhaps closed) connection is gone."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def boolean(value: bool) -> str:
    return "true" if value else "false"


# --- the context the codebook's allowed values come from ---------------------------------


def codebook_context(db, scope: ExportScope) -> CodebookContext:
    stage_names: list[str] = []
    channel_names: list[str] = []
    by_position: dict[int, str] = {}
    stage_count = 0
    for study in scope.studies:
        study_stages = studies.stages(db, study.id)
        stage_count = max(stage_count, len(study_stages))
        stage_names += [s.name for s in study_stages if s.name not in stage_names]
        channel_names += [
            c.name for c in studies.channels(db, study.id) if c.name not in channel_names
        ]
        if len(scope.studies) == 1:
            by_position = {s.position: s.name for s in study_stages}
    return CodebookContext(
        studies=tuple(s.name for s in scope.studies),
        stages=tuple(stage_names),
        channels=tuple(channel_names),
        stage_count=stage_count,
        anonymized=scope.anonymize,
        include_deleted=scope.include_deleted,
        stage_names=by_position,
    )


# --- the shapes --------------------------------------------------------------------------


def entries_table(db, scope: ExportScope, context: CodebookContext) -> CsvTable:
    """One row per entry, in study, session start, session, entry order."""
    rows = export_rows.iter_entry_rows(
        db,
        scope.study_ids,
        scope.where,
        scope.lanes,
        scope.include_deleted,
        csv_shape=not scope.anonymize,  # as the file has them: nothing to do per row
    )
    columns = codebook.entry_columns(context)
    return CsvTable("entries.csv", columns, _anonymized(rows, scope) if scope.anonymize else rows)


def _anonymized(rows: Iterable[tuple], scope: ExportScope) -> Iterator[tuple]:
    """The rows of `export_rows.iter_entry_rows` as the anonymized entries CSV has them:
    pseudonyms, no interviewer, texts masked; deleted_at only if deleted entries are."""
    deleted = scope.include_deleted
    participant, text = scope.participant, scope.text
    for (
        study,
        session_id,
        participant_id,
        code,
        segment,
        _interviewer,
        mode,
        position,
        stage,
        lane,
        channel,
        emotion,
        effort,
        votes,
        entry_text,
        tags,
        theme,
        created_at,
        updated_at,
        deleted_at,
    ) in rows:
        out = (
            study,
            session_id,
            participant(participant_id, code),
            segment,
            mode,
            position,
            stage,
            lane,
            channel,
            emotion,
            effort,
            votes,
            text(entry_text),
            tags,
            theme,
            created_at,
            updated_at,
        )
        yield (*out, deleted_at) if deleted else out


def sessions_table(db, scope: ExportScope, context: CodebookContext) -> CsvTable:
    """One row per session: who, when, how far they got, and per stage position the
    outcome, entries, mean emotion and its n."""
    rows = export_rows.iter_session_rows(db, scope.study_ids, scope.where, scope.lanes)
    return CsvTable(
        "sessions.csv",
        codebook.session_columns(context),
        _session_rows(rows, scope, context.stage_count),
    )


def _session_rows(
    rows: Iterable[export_rows.SessionRow], scope: ExportScope, stage_count: int
) -> Iterator[tuple]:
    for row in rows:
        last, dropped = row.last_reached, row.dropped
        outcomes = {p.position: p.outcome for p in row.progress}
        cells: list = [
            row.study,
            row.session_id,
            scope.participant(row.participant_id, row.participant_code),
            row.segment,
        ]
        if not scope.anonymize:
            cells.append(row.interviewer)
        cells += [
            row.mode,
            row.started_at,
            row.ended_at,
            row.status,
            last.position if last else None,
            last.stage if last else None,
            dropped.stage if dropped else None,
            scope.text(dropped.reason) if dropped else None,
            row.entries,
        ]
        for position in range(1, stage_count + 1):
            figures = row.figures.get(position)
            cells += [
                outcomes.get(position),
                figures.entries if figures else 0,
                decimal_text(figures.emotion_mean) if figures else None,
                figures.emotion_n if figures else 0,
            ]
        yield tuple(cells)


def map_table(
    db, scope: ExportScope, context: CodebookContext, journey_map: JourneyMap | None = None
) -> CsvTable:
    """One row per stage and lane (every lane, or those of --lanes), as the map shows them."""
    journey_map = journey_map or build_map(db, scope.study, scope.where, top=codebook.TOP_ITEMS)
    emotions = export_rows.lane_emotions(db, scope.study.id, scope.where)
    return CsvTable(
        "map.csv", codebook.map_columns(context), _map_rows(journey_map, emotions, scope)
    )


def _map_rows(
    journey_map: JourneyMap,
    emotions: dict[tuple[str, str], export_rows.CellEmotion],
    scope: ExportScope,
) -> Iterator[list]:
    for column in journey_map.stages:
        stage = column.stage
        for lane in scope.lanes or LANES:
            cell = journey_map.cell(stage, lane)
            emotion = emotions.get((stage.id, lane))
            row: list = [
                journey_map.study.name,
                stage.position,
                stage.name,
                lane,
                cell.entries,
                cell.sessions,
                decimal_text(emotion.mean) if emotion else None,
                decimal_text(emotion.spread) if emotion else None,
                emotion.n if emotion else 0,
                boolean(cell.thin),
                column.reached,
                column.dropped,
                column.skipped,
                cell.stickies,
                cell.votes,
                "; ".join(f"{tag} ({count})" for tag, count in cell.tags) or None,
            ]
            said = [item for item in cell.items if not item.workshop_only]
            for rank in range(codebook.TOP_ITEMS):
                if rank < len(said):
                    row += [scope.text(said[rank].text), said[rank].entries]
                else:
                    row += [None, None]
            yield row


def touchpoints_table(
    db, scope: ExportScope, context: CodebookContext, journey_map: JourneyMap | None = None
) -> CsvTable:
    """One row per channel and stage with mentions, channels in study order."""
    journey_map = journey_map or build_map(db, scope.study, scope.where, top=codebook.TOP_ITEMS)
    return CsvTable(
        "touchpoints.csv", codebook.touchpoint_columns(context), _touchpoint_rows(journey_map)
    )


def _touchpoint_rows(journey_map: JourneyMap) -> Iterator[list]:
    for channel in journey_map.channels:
        for column in journey_map.stages:
            cell = journey_map.channel_cell(channel, column.stage)
            if cell is None:
                continue
            yield [
                journey_map.study.name,
                channel.name,
                column.stage.position,
                column.stage.name,
                cell.mentions,
                cell.sessions,
                decimal_text(cell.mean_emotion),
                cell.rated,
                cell.went_on,
                cell.did_not,
                cell.in_progress,
                decimal_text(cell.went_on_share),
                boolean(cell.thin),
            ]


def codebook_table(tables: Sequence[CsvTable]) -> CsvTable:
    return CsvTable(
        "codebook.csv",
        codebook.CODEBOOK_COLUMNS,
        codebook.codebook_rows([(t.file_name, t.columns) for t in tables]),
    )


def linkage_table(db, scope: ExportScope) -> CsvTable:
    """Study, participant code and pseudonym of every participant the export covers."""
    rows = (
        (study, code, scope.participant(participant_id, code))
        for study, participant_id, code in export_rows.participant_codes(
            db, scope.study_ids, scope.where
        )
    )
    return CsvTable("linkage.csv", codebook.LINKAGE_COLUMNS, rows)
