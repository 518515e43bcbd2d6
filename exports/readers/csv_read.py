"""Reading files that people and other tools wrote: encodings, BOMs, delimiters, problems.

- Encoding: UTF-8 by default, with or without a byte-order mark; a UTF-16 file
  (Excel's "Unicode text") is recognised by its BOM; anything else is named
  with `--encoding` (e.g. `cp1252`, `latin-1`). Bytes that do not decode are
  an error naming the row, never replaced silently.
- Delimiter: `,`, `;` or tab, sniffed from the header row (the one that occurs
  most outside quotes; `,` on a tie), unless given.
- Line ends CRLF, LF or CR; quoted cells may hold line breaks.
- Rows are numbered as a spreadsheet shows them: the header is row 1, the first
  answer row 2. Blank rows count but are skipped. A survey mapping may name another
  header row (rows above it are ignored) and rows after it that hold no answers
  (`header_row`, `skip_rows`); the numbers stay those of the spreadsheet.
- A cell that journey's exporter neutralised against formula injection (a `'`
  before a cell, or a line of it, that a spreadsheet would run, see
  `exports/formula.py`) is restored by `unneutralise`; a `'` before anything else
  is kept as it is.

Problems found while validating are collected as `Problem`s (file, row, column,
message) and raised together as one `ImportProblems`, so that a person sees
every problem of a file at once; the import writes nothing then.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from journey.exports.formula import unneutralise as unneutralise  # the readers' one
from journey.storage.errors import InputTooLarge, JourneyError, NotARegularFile
from journey.storage.files import read_input

DELIMITERS = (",", ";", "\t")
# The largest file `journey import` reads (it holds the whole file, decoded and parsed,
# in memory before writing anything, so that an import is all or nothing).
MAX_IMPORT_BYTES = 200_000_000
MAX_LISTED = 20  # problems printed before "and N more"
_FIELD_LIMIT = 1 << 24  # csv's default 128 KiB would fail before our own length check


class ImportFailed(JourneyError):
    """The file cannot be read at all (missing, undecodable, not CSV or JSON)."""


@dataclass(frozen=True)
class Problem:
    source: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f": row {self.row}"
        if self.column is not None:
            where += f', column "{self.column}"' if self.row is not None else f': "{self.column}"'
        return f"{where}: {self.message}"


class ImportProblems(JourneyError):
    """Validation found problems; nothing was written. `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        summary = f"{count} problem{'s' if count != 1 else ''}, nothing was imported"
        super().__init__(str(problems[0]) if count == 1 else f"{summary}; the first: {problems[0]}")

    def lines(self, limit: int = MAX_LISTED) -> list[str]:
        """The problems as lines, at most `limit` of them, then "and N more"."""
        shown = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"and {len(self.problems) - limit} more")
        count = len(self.problems)
        shown.append(f"{count} problem{'s' if count != 1 else ''}; nothing was imported")
        return shown


@dataclass
class Problems:
    """Collects the problems of one import."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self, source: str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.items.append(Problem(source, message, row, column))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise them all, those of the whole file first, then in row order."""
        if self.items:
            raise ImportProblems(sorted(self.items, key=lambda p: (p.row is not None, p.row or 0)))


@dataclass
class CsvTable:
    """A CSV file's header; its rows are parsed again each time `rows()` is iterated,
    so a large file is never held as millions of cell strings at once."""

    source: str  # the file name, as messages show it
    header: list[str]
    delimiter: str
    text: str = field(repr=False)
    count: int = 0  # non-blank rows, known once `rows()` has run to the end
    first_row: int = 2  # the first row after the header that can hold answers

    def column_index(self) -> dict[str, int]:
        """Header name (stripped, case-folded) to index; the first of duplicates wins."""
        index: dict[str, int] = {}
        for position, name in enumerate(self.header):
            index.setdefault(name.strip().casefold(), position)
        return index

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank row after the header (row 1)."""
        count = 0
        for number, cells in _records(self._reader(), self.source):
            if number >= self.first_row and any(c.strip() for c in cells):
                count += 1
                yield number, cells
        self.count = count

    def _reader(self):
        return csv.reader(_lines(self.text), delimiter=self.delimiter, strict=True)


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, one at a time (io.StringIO would first copy
    the whole text into a buffer four times its size)."""
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # old Mac line ends
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The whole file to import: a regular file of at most `limit` bytes (default
    `MAX_IMPORT_BYTES`); a FIFO, a device or an endless file is refused before anything
    is read into memory."""
    limit = MAX_IMPORT_BYTES if limit is None else limit
    try:
        return read_input(path, limit=limit, what="a file to import")
    except FileNotFoundError as error:
        raise ImportFailed(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise ImportFailed(f"{path}: is a folder, not a file to import") from error
    except OSError as error:
        raise ImportFailed(f"{path}: {_unreadable(error)}") from error
    except NotARegularFile as error:
        raise ImportFailed(str(error)) from None
    except InputTooLarge as error:
        raise ImportFailed(f"{error}; split it into smaller files") from None


def _unreadable(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long for a file"
    return f"cannot read the file ({error.strerror})"


def check_encoding(encoding: str | None) -> str | None:
    """The codec's canonical name, or a one-line error for an unknown one."""
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding)
    except LookupError as error:
        raise ImportFailed(
            f"unknown encoding {encoding!r} (for example utf-8, cp1252, latin-1, utf-16)"
        ) from error
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib...: no text codec
        raise ImportFailed(
            f"{encoding!r} is not a text encoding (for example utf-8, cp1252, latin-1, utf-16)"
        )
    return info.name


def decode(raw: bytes, source: str, encoding: str | None = None) -> str:
    """The text of a file: UTF-8 (BOM or not) or UTF-16 with a BOM unless `encoding` says.

    Undecodable bytes are an error naming the row they are in.
    """
    name = check_encoding(encoding)
    if name is None:
        bom16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        name = "utf-16" if bom16 else "utf-8"
    codec = "utf-8-sig" if name == "utf-8" else name
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        row = _row_at(raw[: error.start], codec)
        bad = raw[error.start : min(error.end, error.start + 4)].hex(" ")
        hint = (
            "give the file's encoding with --encoding (for example --encoding cp1252 "
            "or --encoding latin-1)"
            if encoding is None
            else f"is it really {encoding}? give the right one with --encoding"
        )
        raise ImportFailed(
            f"{source}: row {row}: bytes {bad} are not valid {name.upper()}; {hint}"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _row_at(prefix: bytes, codec: str) -> int:
    """The spreadsheet row in which the text that follows `prefix` begins."""
    text = prefix.decode(codec, errors="replace")
    try:
        records = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return text.count("\n") + 1
    at_boundary = text == "" or text.endswith(("\n", "\r"))
    return records + 1 if at_boundary else max(records, 1)


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header row: whichever of `,` `;` tab occurs most outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def parse_csv(
    text: str,
    source: str,
    delimiter: str | None = None,
    *,
    header_row: int = 1,
    skip_rows: int = 0,
) -> CsvTable:
    """The header of CSV text (row `header_row`); `rows()` then reads the rows after it
    but for the first `skip_rows`."""
    if delimiter is None:
        delimiter = sniff_delimiter(_from_line(text, header_row))
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    table = CsvTable(source, [], delimiter, text, first_row=header_row + skip_rows + 1)
    for number, cells in _records(table._reader(), source):
        if number < header_row:
            continue
        if not any(c.strip() for c in cells):
            first = "the first row" if header_row == 1 else f"row {header_row} (header_row)"
            raise ImportFailed(f"{source}: row {number} is empty; {first} must be the header")
        table.header = [c.strip() for c in cells]
        return table
    if header_row > 1:
        raise ImportFailed(f"{source}: the file has no row {header_row} (header_row)")
    raise ImportFailed(f"{source}: the file is empty")


def _from_line(text: str, line: int) -> str:
    """`text` from its line `line` on (1: all of it), for sniffing the header's delimiter."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    return text[start:]


def _records(reader, source: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFailed(f"{source}: row {number}: not valid CSV ({error})") from None
        yield number, cells


def describe_delimiter(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)
