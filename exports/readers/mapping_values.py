"""Reading the values of a survey mapping's TOML: each key's type and range, and the
one-line `MappingError` naming the file and the key when a value does not fit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journey.capture.sanitize import clean_line
from journey.storage.errors import JourneyError

FILTER_TESTS = ("equals", "not_equals", "in")


class MappingError(JourneyError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    def __str__(self) -> str:
        return f"{shown_number(self.low)}..{shown_number(self.high)}"

    def contains(self, value: float) -> bool:
        return min(self.low, self.high) <= value <= max(self.low, self.high)

    def onto(self, value: float, target: tuple[int, int]) -> int:
        """`value` of this scale mapped linearly onto `target`, rounded half away from 0."""
        share = (value - self.low) / (self.high - self.low)
        mapped = target[0] + share * (target[1] - target[0])
        rounded = math.floor(abs(mapped) + 0.5 + 1e-9) * (1 if mapped >= 0 else -1)
        return max(target[0], min(target[1], rounded))


@dataclass(frozen=True)
class RowFilter:
    """A `[[filter]]`: which respondent rows are imported (the others are counted)."""

    where: str  # "filter[1]", for messages
    column: str
    test: str  # equals, not_equals or in
    values: tuple[str, ...]

    def keeps(self, cell: str) -> bool:
        found = cell.strip().casefold() in {v.casefold() for v in self.values}
        return not found if self.test == "not_equals" else found

    def __str__(self) -> str:
        if self.test == "in":
            return f"{self.column} not in {', '.join(f'{v!r}' for v in self.values)}"
        word = "is" if self.test == "not_equals" else "is not"  # what left the row out
        return f"{self.column} {word} {self.values[0]!r}"


def shown_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_keys(data: dict[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise MappingError(
                f"{source}: {where}{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def text(
    data: dict[str, Any], key: str, source: str, where: str, *, strip: bool = True
) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str):
        raise MappingError(f"{source}: {where}{key}: must be a string")
    value = value.strip() if strip else value
    if not value:
        raise MappingError(f"{source}: {where}{key}: is empty")
    return value


def whole_number(data: dict[str, Any], key: str, source: str, lowest: int, default: int) -> int:
    """A whole number of at least `lowest` (`header_row`, `skip_rows`)."""
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
        raise MappingError(f"{source}: {key}: must be a whole number of {lowest} or more")
    return value


def timezone(data: dict[str, Any], source: str) -> str | None:
    """An IANA time zone name that `zoneinfo` knows (`Europe/Berlin`)."""
    name = text(data, "timezone", source, "")
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"{source}: timezone: {name!r} is not a time zone name such as Europe/Berlin "
            "or America/New_York"
        ) from None
    return name


def scale(data: dict[str, Any], key: str, source: str, where: str) -> Scale | None:
    if key not in data:
        return None
    value = data[key]
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise MappingError(f"{source}: {where}{key}: must be two numbers, e.g. [1, 5]")
    if value[0] == value[1]:
        raise MappingError(f"{source}: {where}{key}: the two ends of the scale are equal")
    return Scale(float(value[0]), float(value[1]))


def labels(data: dict[str, Any], source: str, where: str) -> tuple[tuple[str, float], ...]:
    value = data.get("labels", {})
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
    ):
        raise MappingError(
            f'{source}: {where}labels: must be a table of words and numbers, e.g. {{ "Good" = 4 }}'
        )
    return tuple((str(k).strip(), float(v)) for k, v in value.items())


def tags(data: dict[str, Any], source: str, where: str) -> tuple[str, ...]:
    value = data.get("tags", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and clean_line(v) for v in value):
        raise MappingError(f"{source}: {where}tags: must be a list of non-empty names")
    return tuple(dict.fromkeys(clean_line(v) for v in value))


def choices(data: dict[str, Any], source: str, where: str) -> tuple[tuple[str, str], ...]:
    """`choices`: the answer as the file has it (a code, a label) -> a channel name."""
    value = data.get("choices", {})
    example = '{ "1" = "Search", "2" = "Social media" }'
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and clean_line(v) for v in value.values()
    ):
        raise MappingError(
            f"{source}: {where}choices: must be a table of answers and channel names, "
            f"e.g. {example}"
        )
    seen: dict[str, str] = {}
    for answer in value:
        folded = answer.strip().casefold()
        if not folded:
            raise MappingError(f"{source}: {where}choices: an answer is empty")
        if folded in seen:
            raise MappingError(
                f"{source}: {where}choices: {seen[folded]!r} and {answer!r} are the same answer "
                "(answers are matched in any case)"
            )
        seen[folded] = answer
    return tuple((answer.strip(), clean_line(name)) for answer, name in value.items())


def filters(data: dict[str, Any], source: str) -> tuple[RowFilter, ...]:
    raw = data.get("filter", [])
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise MappingError(f"{source}: filter: must be an array of tables ([[filter]])")
    return tuple(_filter(f, source, f"filter[{i}]") for i, f in enumerate(raw, 1))


def _filter(raw: dict[str, Any], source: str, where: str) -> RowFilter:
    at = where + "."
    check_keys(raw, {"column", *FILTER_TESTS}, source, at)
    column = text(raw, "column", source, at)
    if column is None:
        raise MappingError(f"{source}: {at}column: every filter needs the column it tests")
    tests = [test for test in FILTER_TESTS if test in raw]
    if len(tests) != 1:
        raise MappingError(
            f"{source}: {where}: give one of equals, not_equals or in "
            f"({'none' if not tests else ' and '.join(tests)} given)"
        )
    test = tests[0]
    value = raw[test]
    values = value if test == "in" else [value]
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str | int | float | bool) for v in values)
    ):
        shape = "a non-empty list of values" if test == "in" else "a string or a number"
        raise MappingError(f"{source}: {at}{test}: must be {shape}")
    return RowFilter(where, column, test, tuple(_cell_text(v) for v in values))


def _cell_text(value: str | int | float | bool) -> str:
    """A filter value as a cell shows it: true/false, 1, 2.5, text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return shown_number(value)
    return str(value).strip()
