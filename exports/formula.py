"""Formula neutralising: no exported CSV cell runs as a formula in a spreadsheet.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with `=`, `+`,
`-` or `@` (and some of them still do after leading spaces, a tab or a carriage
return), so a participant's answer such as `=HYPERLINK("http://x","y")` could
act when the file is opened (OWASP "CSV injection").

The rule, applied to every cell of every CSV that journey writes unless `--raw`
is given:

1. A cell that starts with a tab or a carriage return is neutralised.
2. Otherwise, a cell whose first character that is not whitespace is one of
   `=`, `+`, `-`, `@` (or their full-width forms `＝ ＋ － ＠`) is neutralised,
3. except when the whole cell, without surrounding spaces, is a plain number
   that is not signed with `+`: `-1`, `-0.5`, `-1,5`, `-2e3` stay as they are,
   so negative emotions and means read as numbers. A leading `+` is always
   neutralised (`+1` becomes `'+1`): no number journey writes has one, and a
   typed `+49 30 1234` is text.

The rule applies to every line of a cell, not only to its start: a spreadsheet
that reads a file with other options than it was written with (another
delimiter, or line breaks inside quotes not understood) starts a new cell at
each line of `first line\n=HYPERLINK(...)`, so a line that would run is
neutralised as a cell would be.

Neutralising prefixes the cell (or the line) with one single quote `'`, which
spreadsheets show as text and which tools reading the CSV as data (pandas, R)
keep: the original is the cell without that quote at the start of each line
that needs one (`unneutralise`). Nothing else in the cell changes. Quoting
(for `"`, the delimiter and line breaks) is the csv module's, after
neutralising.

What no guard inside a CSV can fix: a file opened with another *delimiter* than
it was written with splits cells in the middle (`a;=1+1` written with `,` is two
cells, `a` and `=1+1`, for a spreadsheet that splits at `;`). Open the CSV with
its delimiter named, or export XLSX (`--format xlsx`), whose text cells are
always text.
"""

from __future__ import annotations

import re

QUOTE = "'"
TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# Cells starting with none of these (a trigger or any whitespace, the highest of which
# is U+3000) are never neutralised: the fast path.
SUSPECT_FIRST = TRIGGERS | frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_plain_number(value: str) -> bool:
    """Whether `value` (spaces aside) is a number with no `+` sign: `-1`, `2.5`, `-1e3`."""
    return _PLAIN_NUMBER.fullmatch(value.strip(" ")) is not None


def needs_neutralising(value: str) -> bool:
    if not value or value[0] not in SUSPECT_FIRST:
        return False
    if value[0] in "\t\r":
        return True
    rest = value.lstrip()
    return bool(rest) and rest[0] in TRIGGERS and not is_plain_number(value)


def neutralise(value: str) -> str:
    """`value` with `'` before it, and before each of its lines, that a spreadsheet
    would run as a formula."""
    if "\n" not in value:
        return QUOTE + value if needs_neutralising(value) else value
    return "\n".join(
        QUOTE + line if needs_neutralising(line) else line for line in value.split("\n")
    )


def unneutralise(value: str) -> str:
    """Undo `neutralise`: `'=1+2` is `=1+2`, `'hello` stays, line by line."""
    if "\n" not in value:
        return value[1:] if value.startswith(QUOTE) and needs_neutralising(value[1:]) else value
    return "\n".join(unneutralise(line) for line in value.split("\n"))
