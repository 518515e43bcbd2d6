"""The rules every stored row obeys, for rows that come from outside the app.

What is typed goes through the capture services, which clean and check each value.
Rows from another database (`journey merge`) or a JSON export (`journey import`) arrive
whole, so each is checked here, column by column, before it is stored: text is text,
cleaned as typed text is (`capture.sanitize`), one-line fields at most
MAX_LINE_LENGTH characters and texts at most MAX_ENTRY_LENGTH; whole numbers within
their ranges (emotion -2..+2, effort 1..7, votes 0 or more); lanes, modes, outcomes
and answer types from their lists; ids are UUIDs, written one way (lower case, with
hyphens); times are ISO 8601, written one way (UTC, milliseconds, as `now()` writes
them; a time without an offset is taken as UTC). `journey check` applies the same
rules to the rows of a database (`row_problems`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from journey.capture.sanitize import (
    MAX_ENTRY_LENGTH,
    MAX_LINE_LENGTH,
    clean_line,
    clean_text,
    has_control,
)
from journey.storage.errors import InvalidValue
from journey.storage.merge_tables import database_rows, merge_order
from journey.storage.models import ANSWER_TYPES, LANES, MODES, OUTCOMES, SESSION_STATUSES

MAX_REASON_LENGTH = 1000  # a drop-out reason
MAX_VOTES = 1_000_000
MAX_POSITION = 10_000

# Texts of several lines (entry text, descriptions, drafts, the edit log's values).
_TEXTS = frozenset(
    {
        ("entries", "text"),
        ("drafts", "text"),
        ("edits", "old"),
        ("edits", "new"),
        ("prompts", "text"),
        ("studies", "description"),
        ("stages", "description"),
    }
)
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("entries", "lane"): LANES,
    ("prompts", "lane"): LANES,
    ("sessions", "mode"): MODES,
    ("sessions", "status"): SESSION_STATUSES,
    ("stage_progress", "outcome"): OUTCOMES,
    ("prompts", "answer_type"): ANSWER_TYPES,
}
_INTEGERS: dict[tuple[str, str], tuple[int, int]] = {
    ("entries", "emotion"): (-2, 2),
    ("entries", "effort"): (1, 7),
    ("entries", "votes"): (0, MAX_VOTES),
    ("votes", "votes"): (0, MAX_VOTES),
    ("stages", "position"): (1, MAX_POSITION),
    ("prompts", "position"): (1, MAX_POSITION),
    ("studies", "consent_required"): (0, 1),
    ("studies", "demo"): (0, 1),
}
# The edit log's values are what the field held: a text, or a number (an emotion).
_NUMBER_OR_TEXT = frozenset({("edits", "old"), ("edits", "new")})
# Recomputed from the row's own content wherever it is stored (storage.merging).
_DERIVED = frozenset({("entries", "item_key")})
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def canonical_id(value: str) -> str:
    """An id as journey writes it: a UUID in lower case with hyphens."""
    return str(uuid.UUID(value))


def canonical_time(value: str, fmt: str | None = None) -> str:
    """A time as journey writes it: ISO 8601 in UTC with milliseconds; read as ISO 8601,
    or by the strptime format `fmt`; without an offset, UTC. ValueError if not a time."""
    value = value.strip()
    if fmt is None and _STORED_TIME.fullmatch(value):
        return value  # already as journey writes it
    moment = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def checked_row(table: str, row: dict) -> dict:
    """`row` of `table` as it may be stored, or InvalidValue naming the table, the row
    and the column of the first value that breaks a rule."""
    checked = {}
    for column, value in row.items():
        cleaned, problem = _value(table, column, value)
        if problem is not None:
            raise InvalidValue(f"{table}: {_row_name(row)}: {column} {problem}")
        checked[column] = cleaned
    return checked


def row_problems(table: str, row: dict) -> list[str]:
    """What breaks the rules in a stored row: each column's problem, and text that holds
    control characters (which `checked_row` would have removed)."""
    problems = []
    for column, value in row.items():
        cleaned, problem = _value(table, column, value)
        if problem is not None:
            problems.append(f"{column} {problem}")
        elif not isinstance(value, str) or cleaned == value:
            continue
        elif has_control(value):
            problems.append(f"{column} holds control characters")
        elif column == "id" or column.endswith(("_id", "_at")) or column == "at":
            problems.append(f"{column} is not written as journey writes it")
    return problems


def _row_name(row: dict) -> str:
    if isinstance(row.get("id"), str):
        return f"row {row['id'][:40]!r}"
    keys = [f"{c}={v!r}" for c, v in row.items() if c.endswith("_id") and isinstance(v, str)]
    return "row " + (", ".join(keys)[:120] or "without an id")


def _value(table: str, column: str, value: object) -> tuple[object, str | None]:
    """The value as stored, and what is wrong with it (None when nothing)."""
    place = (table, column)
    if value is None or place in _DERIVED:
        return value, None
    if isinstance(value, bytes | bytearray | memoryview):
        return value, "is binary data, not text or a number"
    if column == "id" or column.endswith("_id"):
        return _id(value)
    if column == "at" or column.endswith("_at"):
        return _time(value)
    if place in _INTEGERS:
        return _integer(value, *_INTEGERS[place])
    if place in _NUMBER_OR_TEXT and isinstance(value, int | float) and not isinstance(value, bool):
        return value, None
    if not isinstance(value, str):
        return value, f"is {type(value).__name__}, not text"
    if place in _TEXTS:
        return _sized(clean_text(value).strip(), MAX_ENTRY_LENGTH)
    line = clean_line(value)
    if place in _CHOICES:
        allowed = _CHOICES[place]
        if line not in allowed:
            return line, f"{line[:40]!r} is not one of {', '.join(allowed)}"
        return line, None
    limit = MAX_REASON_LENGTH if place == ("stage_progress", "reason") else MAX_LINE_LENGTH
    return _sized(line, limit)


def _sized(text: str, limit: int) -> tuple[str, str | None]:
    if len(text) > limit:
        return text, f"is {len(text):,} characters long; the limit is {limit:,}"
    return text, None


def _id(value: object) -> tuple[object, str | None]:
    if not isinstance(value, str):
        return value, f"is {type(value).__name__}, not an id"
    try:
        return canonical_id(value), None
    except ValueError:
        return value, f"{value[:40]!r} is not an id (a UUID)"


def _time(value: object) -> tuple[object, str | None]:
    if not isinstance(value, str):
        return value, f"is {type(value).__name__}, not a time"
    try:
        return canonical_time(value), None
    except (ValueError, OverflowError):
        return value, f"{value[:40]!r} is not an ISO 8601 time"


def _integer(value: object, low: int, high: int) -> tuple[object, str | None]:
    if not isinstance(value, int) or isinstance(value, bool):
        return value, f"{str(value)[:40]!r} is not a whole number"
    if not low <= value <= high:
        shown = str(value) if abs(value) < 10**12 else f"{str(value)[:12]}…"
        return value, f"{shown} is outside {low}..{high:,}"
    return value, None


@dataclass(frozen=True)
class RuleBreach:
    """Rows of a table that break one rule: how many, and the first of them."""

    table: str
    problem: str
    rows: int
    first: str

    def describe(self) -> str:
        rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        return f"{self.table}: {rows}: {self.problem} (the first: {self.first})"


def audit(db: Database) -> list[RuleBreach]:
    """Every rule a row of `db` breaks, table by table (for `journey check`)."""
    tables, _ = merge_order(db)
    rows = database_rows(db)
    found: dict[tuple[str, str], RuleBreach] = {}
    for table in tables:
        for row in rows(table.name):
            for problem in row_problems(table.name, row):
                key = (table.name, problem)
                seen = found.get(key)
                found[key] = (
                    RuleBreach(table.name, problem, 1, _row_name(row))
                    if seen is None
                    else RuleBreach(table.name, problem, seen.rows + 1, seen.first)
                )
    return list(found.values())
