"""Reading one cell of a CSV row: the rules the entries CSV and survey CSV readers share.

A cell the exporter neutralised (`'=1+2`) is read back as it was typed; names and codes
are cleaned as typed ones are and held to `MAX_LINE_LENGTH` characters; entry texts are
cleaned and held to their own limit; whole numbers and numbers (with a decimal point or
comma) are read strictly. Every problem goes into the import's `Problems` with its row
and column; nothing here raises for a bad cell.
"""

from __future__ import annotations

import re
from functools import lru_cache

from journey.capture.row_rules import canonical_time
from journey.capture.sanitize import MAX_LINE_LENGTH, EntryTooLong, clean_line, entry_text
from journey.exports.readers.csv_read import CsvTable, Problems, unneutralise
from journey.storage.errors import InvalidValue

# Names, codes and ids repeat on every row of a session: clean each distinct one once.
clean_cached = lru_cache(maxsize=4096)(clean_line)


def cell(cells: list[str], index: int | None) -> str:
    """The cell at `index` ("" past the row's end or for no column), un-neutralised."""
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    return unneutralise(value) if value[:1] == "'" or "\n'" in value else value


def check_width(table: CsvTable, number: int, cells: list[str], problems: Problems) -> None:
    """A row with filled cells beyond the header's columns is a problem."""
    extra = cells[len(table.header) :]
    if any(c.strip() for c in extra):
        problems.add(
            table.source,
            f"{len(cells)} cells, but the header has {len(table.header)} columns "
            "(a delimiter or quote out of place?)",
            number,
        )


def integer(value: str) -> int | None:
    value = value.strip()
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if re.fullmatch(r"[+-]?\d+\.0*", value):
        return int(float(value))
    return None


def number(value: str) -> float | None:
    value = value.strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        return None
    return float(value)


def line(
    value: str,
    source: str,
    row: int,
    column: str,
    problems: Problems,
    *,
    limit: int = MAX_LINE_LENGTH,
) -> str:
    """A one-line field (a code, a name, a segment), cleaned; too long is a problem."""
    cleaned = clean_cached(value)
    if len(cleaned) > limit:
        problems.add(source, f"{len(cleaned):,} characters; at most {limit} fit here", row, column)
    return cleaned


def text_of(value: str, source: str, row: int, column: str, problems: Problems) -> str:
    """An entry's text, cleaned as typed text is; "" (and a problem) when it cannot be."""
    try:
        return entry_text(value)
    except (EntryTooLong, InvalidValue) as error:
        problems.add(source, str(error), row, column)
    return ""


def bounded(
    value: str,
    allowed: range,
    shown: str,
    source: str,
    row: int,
    column: str,
    problems: Problems,
) -> int | None:
    """A whole number within `allowed` (shown as `shown` in messages), None when empty."""
    value = value.strip()
    if not value:
        return None
    parsed = integer(value)
    if parsed is None:
        problems.add(source, f"{value!r} is not a whole number ({shown})", row, column)
        return None
    if parsed not in allowed:
        problems.add(source, f"{value} is outside {shown}", row, column)
        return None
    return parsed


def iso_time(value: str, source: str, row: int, column: str, problems: Problems) -> str | None:
    """An ISO 8601 time as journey stores it (no zone: UTC), None when empty."""
    if not value.strip():
        return None
    try:
        return canonical_time(value)
    except ValueError:
        problems.add(
            source,
            f"{value.strip()!r} is not an ISO 8601 time such as 2026-09-01T09:30:00+00:00",
            row,
            column,
        )
        return None
