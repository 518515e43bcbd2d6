"""The checks of one value of journey's JSON export, and the fields they make.

A `Field` names a key of an object and how its value is checked; an `ArraySpec` lists the
fields of the objects of one array. The reader (json_import.py) reads every array of a
study through its spec, so each check is written once, here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journey.capture.sanitize import MAX_ENTRY_LENGTH, MAX_LINE_LENGTH, clean_line, clean_text
from journey.exports.readers.csv_read import Problems

Known = dict[str, set[str]]  # ids of this study's objects read so far, by array


class ValueChecks:
    """Checks of single values; each problem is recorded with its path in the file
    (`studies[0].entries[12].emotion`) and the value read is then None."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems()
        self.seen_ids: set[str] = set()

    def problem(self, where: str, message: str) -> None:
        self.problems.add(self.source, f"{where}: {message}")

    def id(self, record: dict, key: str, where: str, *, refs: set[str] | None = None) -> str | None:
        value = record.get(key)
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", "missing (an id, a UUID)")
            return None
        try:
            uuid.UUID(value)
        except ValueError:
            self.problem(f"{where}.{key}", f"{value[:60]!r} is not an id (a UUID)")
            return None
        if refs is not None and value not in refs:
            self.problem(f"{where}.{key}", f"{value} refers to nothing of this study in the file")
            return None
        return value

    def new_id(self, record: dict, where: str) -> str | None:
        value = self.id(record, "id", where)
        if value is not None:
            if value in self.seen_ids:
                self.problem(f"{where}.id", f"{value} appears twice in the file")
                return None
            self.seen_ids.add(value)
        return value

    def ref(
        self, record: dict, key: str, where: str, refs: set[str], *, required: bool = True
    ) -> str | None:
        """The id of an object of this study in the file; null only where allowed."""
        if record.get(key) is None and not required:
            return None
        return self.id(record, key, where, refs=refs)

    def text(
        self,
        record: dict,
        key: str,
        where: str,
        *,
        line: bool = True,
        required: bool = True,
        limit: int = MAX_LINE_LENGTH,
    ) -> str | None:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "missing")
            return None
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", "must be a string")
            return None
        cleaned = clean_line(value) if line else clean_text(value).strip()
        if required and not cleaned:
            self.problem(f"{where}.{key}", "empty")
            return None
        if len(cleaned) > limit:
            self.problem(f"{where}.{key}", f"{len(cleaned):,} characters; the limit is {limit:,}")
            return None
        return cleaned

    def time(self, record: dict, key: str, where: str, *, required: bool = True) -> str | None:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "missing (a time)")
            return None
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", "must be a time as a string")
            return None
        try:
            datetime.fromisoformat(value)
        except ValueError:
            self.problem(f"{where}.{key}", f"{value[:40]!r} is not an ISO 8601 time")
            return None
        return value

    def integer(
        self,
        record: dict,
        key: str,
        where: str,
        low: int | None,
        high: int | None,
        *,
        required: bool = True,
    ) -> Any:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "missing (a number)")
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(f"{where}.{key}", f"{value!r} is not a whole number")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            shown = f"{low}..{high}" if high is not None else f"{low} or more"
            self.problem(f"{where}.{key}", f"{value} is outside {shown}")
            return None
        return value

    def choice(self, record: dict, key: str, where: str, allowed: tuple[str, ...]) -> Any:
        value = record.get(key)
        if value not in allowed:
            self.problem(f"{where}.{key}", f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return value

    def scalar(self, record: dict, key: str, where: str) -> Any:
        """A string, a number or null (an edit's old and new values)."""
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            self.problem(f"{where}.{key}", "must be a string, a number or null")
        return clean_text(value) if isinstance(value, str) else value

    def array(self, record: dict, key: str, where: str) -> Iterator[tuple[str, dict]]:
        """The objects of a list, each let go once read (so the parsed file shrinks as
        its rows are made)."""
        value = record.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{where}.{key}", "must be a list")
            return
        for index, item in enumerate(value):
            value[index] = None
            if isinstance(item, dict):
                yield f"{where}.{key}[{index}]", item
            else:
                self.problem(f"{where}.{key}[{index}]", "must be an object")


Read = Callable[[ValueChecks, dict, str, Known], Any]


@dataclass(frozen=True)
class Field:
    """One key of an object: the column it fills and how its value is checked."""

    key: str
    read: Read


def line(key: str, *, required: bool = True, limit: int = MAX_LINE_LENGTH) -> Field:
    """One line of text (a name, a code, an author)."""
    return Field(
        key, lambda r, item, at, known: r.text(item, key, at, required=required, limit=limit)
    )


def long_text(key: str, *, required: bool = True, default: str | None = None) -> Field:
    """Text of several lines (an entry, a description)."""

    def read(r: ValueChecks, item: dict, at: str, known: Known) -> Any:
        value = r.text(item, key, at, line=False, required=required, limit=MAX_ENTRY_LENGTH)
        return value or default if default is not None else value

    return Field(key, read)


def time(key: str, *, required: bool = True) -> Field:
    return Field(key, lambda r, item, at, known: r.time(item, key, at, required=required))


def whole(
    key: str,
    low: int | None,
    high: int | None = None,
    *,
    required: bool = True,
    default: int | None = None,
) -> Field:
    def read(r: ValueChecks, item: dict, at: str, known: Known) -> Any:
        value = r.integer(item, key, at, low, high, required=required)
        return default if value is None and default is not None else value

    return Field(key, read)


def one_of(key: str, allowed: tuple[str, ...]) -> Field:
    return Field(key, lambda r, item, at, known: r.choice(item, key, at, allowed))


def ref(key: str, target: str, *, required: bool = True) -> Field:
    """The id of an object of this study read earlier from the array `target`."""
    return Field(
        key, lambda r, item, at, known: r.ref(item, key, at, known[target], required=required)
    )


def scalar(key: str) -> Field:
    return Field(key, lambda r, item, at, known: r.scalar(item, key, at))


@dataclass(frozen=True)
class ArraySpec:
    """The objects of one array of a study: the table they become, their fields, and
    whether each has its own id and belongs to the study (a `study_id` column), or
    is keyed by a pair of references that may appear once."""

    key: str  # the array's name in the file
    fields: tuple[Field, ...]
    table: str = ""  # the table they go to, when it is not named as the array
    own_id: bool = True
    in_study: bool = True
    unique: tuple[str, str] | None = None
    unique_message: str = ""

    @property
    def table_name(self) -> str:
        return self.table or self.key
