"""One respondent row's cells as the entries an `[[entries]]` table of a mapping makes:
ratings onto the emotion and effort scales, coded and multi-select channels, "Other"
answers, texts; and the time of a row's answers (see `exports/readers/survey_mapping.py`
for the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone
from zoneinfo import ZoneInfo

from journey.capture.sanitize import clean_line
from journey.exports.readers.cells import cell, line, number, text_of
from journey.exports.readers.csv_read import CsvTable, Problems
from journey.exports.readers.survey_mapping import (
    EFFORT_SCALE,
    EMOTION_SCALE,
    EntryMapping,
    Scale,
)
from journey.storage.importing import ImportedEntry

# A zone at the end of a time as Google Forms and others write it: GMT+2, UTC-05:30, GMT.
_ZONE_AT_END = re.compile(r"\s+(?:GMT|UTC)(?:([+-])(\d{1,2})(?::?(\d\d))?)?\s*$", re.IGNORECASE)


def survey_time(value: str, fmt: str | None, zone: str | None) -> str:
    """A respondent's time as journey stores it (UTC, milliseconds): ISO 8601 or `fmt`,
    a trailing `GMT+2` read whatever the format, no zone at all meaning `zone` (default
    UTC). ValueError if it is not such a time."""
    value = value.strip()
    offset = None
    found = _ZONE_AT_END.search(value)
    if found is not None and found.start() > 0:
        sign, hours, minutes = found.groups()
        delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        offset = fixed_zone(-delta if sign == "-" else delta)
        value = value[: found.start()]
    moment = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        if offset is not None:
            moment = moment.replace(tzinfo=offset)
        else:
            moment = moment.replace(tzinfo=ZoneInfo(zone) if zone else UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RowPlace:
    """Where a row is, for problems: the table, the row number, the problems so far."""

    table: CsvTable
    number: int
    problems: Problems

    def add(self, message: str, column: str) -> None:
        self.problems.add(self.table.source, message, self.number, column)


def survey_entries(
    entry: EntryMapping,
    cols: dict[str, int | None],
    cells: list[str],
    place: RowPlace,
    stages: dict[str, str],
    when: str,
) -> list[ImportedEntry]:
    """The entries `entry` makes of one row: none when its cells are empty, one per
    channel named in a multi-select cell."""
    raw = {key: cell(cells, index).strip() for key, index in cols.items()}
    if not any(v for k, v in raw.items() if k != "other_column"):
        return []

    def header(key: str) -> str:
        index = cols.get(key)
        return place.table.header[index] if index is not None else key

    emotion, effort = _ratings(entry, raw, header, place)
    if entry.channel_column:
        if not raw.get("channel_column"):
            return []  # the respondent named no channel: a touchpoint without one counts nowhere
        channels: list[tuple[str | None, str | None]] = [
            *_channels(entry, raw, header("channel_column"), place)
        ]
    else:
        channels = [(entry.channel, None)]
    made = []
    for channel, typed in channels:
        text = _text(entry, raw, header, channel, typed, place)
        if text:
            made.append(
                ImportedEntry(
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
            )
    return made


def _ratings(entry: EntryMapping, raw: dict[str, str], header, place: RowPlace):
    emotion = effort = None
    if raw.get("emotion_column") and entry.scale is not None:
        emotion = _rating(
            raw["emotion_column"],
            entry,
            entry.scale,
            EMOTION_SCALE,
            place,
            header("emotion_column"),
            labels=True,
        )
    if raw.get("effort_column"):
        effort = _rating(
            raw["effort_column"],
            entry,
            entry.effort_scale,
            EFFORT_SCALE,
            place,
            header("effort_column"),
            labels=False,
        )
    return emotion, effort


def _channels(
    entry: EntryMapping, raw: dict[str, str], column: str, place: RowPlace
) -> list[tuple[str, str | None]]:
    """(channel, typed "Other" text or None) of every answer in the channel cell."""
    answers = _split(raw["channel_column"], entry)
    found: dict[str, tuple[str, str | None]] = {}  # one entry per channel, any case
    for answer in answers:
        typed = None
        channel = entry.choice(answer) if entry.choices else answer
        if channel is None and entry.other_in_cell:
            channel, typed = entry.other_channel, answer
        elif channel is None:
            listed = ", ".join(repr(key) for key, _ in entry.choices)
            hint = "" if entry.other_column else ' (an "Other" answer needs other_column)'
            place.add(f"{answer!r} is not one of the choices {listed}{hint}", column)
            continue
        separate_other = entry.other_column and not entry.other_in_cell
        if separate_other and channel.casefold() == entry.other_channel.casefold():
            typed = raw.get("other_column") or None
        channel = line(channel, place.table.source, place.number, column, place.problems)
        if channel:
            found.setdefault(channel.casefold(), (channel, typed))
    return list(found.values())


def _split(value: str, entry: EntryMapping) -> list[str]:
    """The answers of a cell: split at `separator`, a choice that holds it kept whole."""
    if not entry.separator:
        return [value]
    separator = entry.separator
    parts = value.split(separator)
    answers: list[str] = []
    start = 0
    while start < len(parts):
        end = len(parts)
        while end > start + 1 and entry.choice(separator.join(parts[start:end])) is None:
            end -= 1
        answer = separator.join(parts[start:end]).strip()
        if answer:
            answers.append(answer)
        start = end
    return answers


def _text(
    entry: EntryMapping,
    raw: dict[str, str],
    header,
    channel: str | None,
    typed: str | None,
    place: RowPlace,
) -> str:
    if typed:
        value, column = typed, header("other_column")
    elif raw.get("text_column"):
        value, column = raw["text_column"], header("text_column")
    elif entry.text:
        value, column = entry.text, entry.where
    else:
        value, column = "", entry.where
        for key in ("emotion_column", "channel_column", "effort_column"):
            if raw.get(key):
                shown = channel if key == "channel_column" and channel else raw[key]
                value, column = f"{header(key)}: {clean_line(shown)}", header(key)
                break
    return text_of(value, place.table.source, place.number, column, place.problems)


def _rating(
    value: str,
    entry: EntryMapping,
    scale: Scale,
    target: tuple[int, int],
    place: RowPlace,
    column: str,
    *,
    labels: bool,
) -> int | None:
    parsed = number(value)
    if parsed is None and labels:
        parsed = entry.label_value(value)
    if parsed is None:
        words = ", ".join(repr(label) for label, _ in entry.labels) if labels else ""
        place.add(
            f"{value!r} is not a number on the scale {scale}"
            + (f" nor one of {words}" if words else ""),
            column,
        )
        return None
    if not scale.contains(parsed):
        shown = str(int(parsed)) if parsed.is_integer() else str(parsed)
        place.add(f"{shown} is outside the scale {scale}", column)
        return None
    return scale.onto(parsed, target)
