"""XLSX export: the entries, sessions, map and touchpoints shapes and the codebook as the
sheets of one workbook, for Excel and LibreOffice users.

- xlsxwriter in its constant-memory mode: rows stream from the same `storage.export_rows`
  cursors as the CSV's, one at a time, so memory stays flat whatever the size;
- each sheet's header row is frozen and has a filter; column widths follow the header
  and the first rows' contents (at most `MAX_WIDTH` characters);
- cells by the codebook's column type: integers and decimals are numbers (decimals shown
  with two places), timestamps are dates (UTC, as the codebook says), empty cells stay
  empty; booleans are the words `true` and `false`, as in the CSV (a spreadsheet's own
  booleans are formulas, `=TRUE()`, once LibreOffice saves the file);
- every text cell (text, ids, and anything that is not what its type says) is written
  with `write_string` after `capture.sanitize.clean_text`: it is a string in the file,
  so no text can ever be a formula, whatever it starts with, and nothing needs the
  CSV's `'` guard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

import xlsxwriter

from journey.capture.sanitize import clean_text
from journey.exports.writers import codebook
from journey.exports.writers.csv_export import PROGRESS_EVERY, CsvTable, close_rows

Progress = Callable[[int], None]
MAX_WIDTH = 60
WIDTH_ROWS = 200  # rows whose contents set the column widths
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def sheet_name(table: CsvTable) -> str:
    return table.file_name.removesuffix(".csv")


def codebook_table(tables: Sequence[CsvTable]) -> CsvTable:
    """The codebook of a workbook: its `file` column names the sheets."""
    sheets = [(sheet_name(t), t.columns) for t in tables]
    return CsvTable(
        "codebook", codebook.CODEBOOK_COLUMNS, codebook.codebook_rows(sheets, own_name="codebook")
    )


def write_xlsx(
    stream: BinaryIO,
    tables: Sequence[CsvTable],
    *,
    tmpdir: str | None = None,
    progress: dict[str, Progress] | None = None,
) -> list[int]:
    """Write one sheet per table into `stream`; returns the rows of each (header aside).
    `progress` maps a sheet name to the callback that counts its rows."""
    workbook = xlsxwriter.Workbook(
        stream,
        {
            "constant_memory": True,
            "tmpdir": tmpdir,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = {
        codebook.DECIMAL: workbook.add_format({"num_format": "0.00"}),
        codebook.TIMESTAMP: workbook.add_format({"num_format": DATE_FORMAT}),
        "header": workbook.add_format({"bold": True}),
    }
    written = []
    try:
        for table in tables:
            name = sheet_name(table)
            count = (progress or {}).get(name)
            written.append(_sheet(workbook, name, table, formats, count))
    finally:
        workbook.close()
    return written


def _sheet(workbook, name: str, table: CsvTable, formats: dict, progress: Progress | None) -> int:
    sheet = workbook.add_worksheet(name)
    columns = table.columns
    widths = [len(column.name) for column in columns]
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.name, formats["header"])
    sheet.freeze_panes(1, 0)
    writers = [_writer(column.type, formats) for column in columns]
    number = 0
    rows = iter(table.rows)
    try:
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                shown = writers[index](sheet, number, index, value)
                if number <= WIDTH_ROWS and shown > widths[index]:
                    widths[index] = shown
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
    finally:
        close_rows(rows)
    if progress is not None:
        progress(number % PROGRESS_EVERY)
    sheet.autofilter(0, 0, max(number, 1), max(len(columns) - 1, 0))
    for index, width in enumerate(widths):
        sheet.set_column(index, index, min(width, MAX_WIDTH) + 2)
    return number


# --- one writer per column type: each writes a cell and returns how wide it shows ---


def _writer(kind: str, formats: dict) -> Callable[[Any, int, int, Any], int]:
    if kind == codebook.INTEGER:
        return _number_writer(None, integer=True)
    if kind == codebook.DECIMAL:
        return _number_writer(formats[codebook.DECIMAL], integer=False)
    if kind == codebook.TIMESTAMP:
        return _timestamp_writer(formats[codebook.TIMESTAMP])
    return _text


def _text(sheet, row: int, column: int, value: Any) -> int:
    text = clean_text(str(value))
    sheet.write_string(row, column, text)
    return max((len(line) for line in text.split("\n")), default=0)


def _number_writer(cell_format, *, integer: bool):
    def write(sheet, row: int, column: int, value: Any) -> int:
        number = _as_number(value, integer)
        if number is None:
            return _text(sheet, row, column, value)
        sheet.write_number(row, column, number, cell_format)
        return len(f"{number:.2f}" if cell_format is not None else str(number))

    return write


def _as_number(value: Any, integer: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return int(value) if integer else float(value)
    except (TypeError, ValueError):
        return None


def _timestamp_writer(cell_format):
    def write(sheet, row: int, column: int, value: Any) -> int:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return _text(sheet, row, column, value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        sheet.write_datetime(row, column, moment, cell_format)
        return len(DATE_FORMAT)

    return write
