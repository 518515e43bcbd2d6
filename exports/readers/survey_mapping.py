"""The mapping file: how the columns of a survey export become journey entries.

Survey tools (Google Forms, Typeform, Qualtrics, LimeSurvey, a spreadsheet...)
export one row per respondent and one column per question. `journey import
survey.csv --mapping survey_mapping.toml` reads such a file; the mapping, a
TOML file, says which study the answers go to, which columns describe the
respondent, and which columns make which entry. Every respondent row becomes
one session (mode `survey` unless `mode` says otherwise) of one participant.

```toml
# Top level, all optional.
study = "Checkout study"   # the study to import into; --study NAME wins over it
template = "five-stage"    # create the study from this template when it does not exist
                           # (a built-in name, or a .toml path relative to this file);
                           # without it the study must exist
mode = "survey"            # the sessions' mode: survey (default), interview or workshop
interviewer = "web form"   # stored as every session's interviewer
delimiter = ";"            # ",", ";" or "\t"; sniffed from the header row when absent
encoding = "cp1252"        # the file's encoding; --encoding wins; default UTF-8

[respondent]               # optional: the columns that describe the respondent
id = "Response ID"         # identifies a respondent; importing the file again skips the
                           # respondents already imported (without it: `code`, else the
                           # whole row identifies the respondent)
code = "Participant"       # the participant code; without it, codes R01, R02... are given
                           # after the highest one of the study
code_prefix = "R"          # the prefix of those given codes (default "R")
segment = "Customer type"  # the participant's segment
date = "Submitted at"      # when the answers were given (default: the time of the import)
date_format = "%d/%m/%Y %H:%M"  # a strptime format for `date`; default ISO 8601
                                # ("2026-05-01 10:22", "2026-05-01T10:22:00+02:00");
                                # times without a zone are taken as UTC

[[entries]]                # one table per entry a respondent's row gives
stage = "Decision"         # required: a stage of the study, by name (any case)
lane = "touchpoint"        # required: goal, need, expectation, touchpoint, pain, delight,
                           # quote, opportunity or note
text_column = "Q4 What happened at checkout?"  # the entry's text
text = "Checkout"          # a fixed text, when there is no text_column or its cell is empty
channel = "Website"        # a fixed channel (by name, any case; a new one is added)
channel_column = "Q2 Where did you buy?"       # or the channel named in the cell
emotion_column = "Q3 How did checkout feel?"   # a rating, mapped onto the emotion -2..+2
scale = [1, 5]             # required with emotion_column: the rating's scale
labels = { "Very bad" = 1, "Bad" = 2, "OK" = 3, "Good" = 4, "Very good" = 5 }
                           # optional words that stand for points of the scale
effort_column = "Q5 How much effort was it?"   # a rating, mapped onto the effort 1..7
effort_scale = [1, 7]      # the effort rating's scale (default [1, 7])
tags = ["survey"]          # tags given to the entry
```

The rules:

- Columns are named by their header text (surrounding spaces and case
  ignored). A column the mapping names that the file lacks is a problem.
- Each `[[entries]]` table needs at least one of `text_column`,
  `emotion_column`, `channel_column`, `effort_column`. A touchpoint needs its channel
  (`channel` or `channel_column`); a respondent who named none gets no such touchpoint.
  A rating of a stage as a whole goes in another lane, such as `note`. A respondent whose cells
  for an entry are all empty gets no such entry; a respondent with no entry at
  all is skipped.
- The text of an entry is its `text_column` cell, else `text`, else
  "QUESTION: ANSWER" from the first filled of the emotion, channel and effort
  columns (e.g. `Q3 How did checkout feel?: 4`).
- A scale `[low, high]` maps linearly: `low` is -2, `high` is +2 (effort: 1
  and 7), rounded half away from zero. So on 1..5, 1 2 3 4 5 become -2 -1 0 +1
  +2; on 0..10, 0 1 2 3 4 5 6 7 8 9 10 become -2 -2 -1 -1 0 0 0 +1 +1 +2 +2. A
  reversed scale (`[5, 1]`) maps 5 to -2. Numbers may use a decimal comma; a
  value outside the scale, or a word that is not in `labels`, is a problem
  naming the row and the column.
- Problems are reported together, each with its file, row (the header is row
  1) and column, and nothing is imported until there are none.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journey.capture.sanitize import clean_line
from journey.capture.template import BUILT_IN
from journey.storage.errors import InputTooLarge, JourneyError, NotARegularFile
from journey.storage.files import MAX_TOML_BYTES, read_input
from journey.storage.models import LANES, MODES

_TOP_KEYS = {
    "study",
    "template",
    "mode",
    "interviewer",
    "delimiter",
    "encoding",
    "respondent",
    "entries",
}
_RESPONDENT_KEYS = {"id", "code", "code_prefix", "segment", "date", "date_format"}
_ENTRY_KEYS = {
    "stage",
    "lane",
    "text_column",
    "text",
    "channel",
    "channel_column",
    "emotion_column",
    "scale",
    "labels",
    "effort_column",
    "effort_scale",
    "tags",
}
EMOTION_SCALE = (-2, 2)
EFFORT_SCALE = (1, 7)


class MappingError(JourneyError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    def __str__(self) -> str:
        return f"{_number(self.low)}..{_number(self.high)}"

    def contains(self, value: float) -> bool:
        return min(self.low, self.high) <= value <= max(self.low, self.high)

    def onto(self, value: float, target: tuple[int, int]) -> int:
        """`value` of this scale mapped linearly onto `target`, rounded half away from 0."""
        share = (value - self.low) / (self.high - self.low)
        mapped = target[0] + share * (target[1] - target[0])
        rounded = math.floor(abs(mapped) + 0.5 + 1e-9) * (1 if mapped >= 0 else -1)
        return max(target[0], min(target[1], rounded))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class EntryMapping:
    where: str  # "entries[2]", for messages
    stage: str
    lane: str
    text_column: str | None = None
    text: str | None = None
    channel: str | None = None
    channel_column: str | None = None
    emotion_column: str | None = None
    scale: Scale | None = None
    labels: tuple[tuple[str, float], ...] = ()
    effort_column: str | None = None
    effort_scale: Scale = Scale(1, 7)
    tags: tuple[str, ...] = ()

    def columns(self) -> list[tuple[str, str]]:
        """(key, column) of every column this entry reads."""
        keys = ("text_column", "emotion_column", "channel_column", "effort_column")
        return [(key, getattr(self, key)) for key in keys if getattr(self, key)]

    def label_value(self, word: str) -> float | None:
        for label, value in self.labels:
            if label.casefold() == word.strip().casefold():
                return value
        return None


@dataclass(frozen=True)
class RespondentMapping:
    id: str | None = None
    code: str | None = None
    code_prefix: str = "R"
    segment: str | None = None
    date: str | None = None
    date_format: str | None = None

    def columns(self) -> list[tuple[str, str]]:
        keys = ("id", "code", "segment", "date")
        return [(f"respondent.{k}", getattr(self, k)) for k in keys if getattr(self, k)]


@dataclass(frozen=True)
class SurveyMapping:
    source: str  # the mapping file, as messages name it
    folder: Path
    study: str | None
    template: str | None
    mode: str
    interviewer: str | None
    delimiter: str | None
    encoding: str | None
    respondent: RespondentMapping
    entries: tuple[EntryMapping, ...]

    def template_path(self) -> str | Path | None:
        """The template to create the study from: a built-in name or a path."""
        if self.template is None or self.template in BUILT_IN:
            return self.template
        path = Path(self.template)
        return path if path.is_absolute() else self.folder / path


def load_mapping(path: Path) -> SurveyMapping:
    try:
        text = read_input(path, limit=MAX_TOML_BYTES, what="a mapping").decode("utf-8")
    except FileNotFoundError as error:
        raise MappingError(f"{path}: no such mapping file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: cannot read the mapping ({error})") from error
    except (NotARegularFile, InputTooLarge) as error:  # a FIFO, a device, an endless file
        raise MappingError(str(error)) from None
    return parse_mapping(text, path.name, path.parent)


def parse_mapping(text: str, source: str, folder: Path = Path(".")) -> SurveyMapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{source}: not valid TOML ({error})") from error
    _keys(data, _TOP_KEYS, source, "")
    mode = _text(data, "mode", source, "") or "survey"
    if mode not in MODES:
        raise MappingError(f"{source}: mode: {mode!r} is not one of {', '.join(MODES)}")
    delimiter = _text(data, "delimiter", source, "", strip=False)
    if delimiter is not None and delimiter not in (",", ";", "\t"):
        raise MappingError(f'{source}: delimiter: must be ",", ";" or "\\t", not {delimiter!r}')
    raw_respondent = data.get("respondent", {})
    if not isinstance(raw_respondent, dict):
        raise MappingError(f"{source}: respondent: must be a table ([respondent])")
    _keys(raw_respondent, _RESPONDENT_KEYS, source, "respondent.")
    respondent = RespondentMapping(
        id=_text(raw_respondent, "id", source, "respondent."),
        code=_text(raw_respondent, "code", source, "respondent."),
        code_prefix=_text(raw_respondent, "code_prefix", source, "respondent.") or "R",
        segment=_text(raw_respondent, "segment", source, "respondent."),
        date=_text(raw_respondent, "date", source, "respondent."),
        date_format=_text(raw_respondent, "date_format", source, "respondent.", strip=False),
    )
    if respondent.date_format and not respondent.date:
        raise MappingError(f"{source}: respondent.date_format: needs respondent.date")
    raw_entries = data.get("entries")
    if not raw_entries:
        raise MappingError(f"{source}: entries: a mapping needs at least one [[entries]] table")
    if not isinstance(raw_entries, list) or not all(isinstance(e, dict) for e in raw_entries):
        raise MappingError(f"{source}: entries: must be an array of tables ([[entries]])")
    entries = tuple(_entry(raw, source, f"entries[{i}]") for i, raw in enumerate(raw_entries, 1))
    study = _text(data, "study", source, "")
    return SurveyMapping(
        source=source,
        folder=folder,
        study=clean_line(study) if study else None,
        template=_text(data, "template", source, ""),
        mode=mode,
        interviewer=clean_line(_text(data, "interviewer", source, "") or "") or None,
        delimiter=delimiter,
        encoding=_text(data, "encoding", source, ""),
        respondent=respondent,
        entries=entries,
    )


def _entry(raw: dict[str, Any], source: str, where: str) -> EntryMapping:
    at = where + "."
    _keys(raw, _ENTRY_KEYS, source, at)
    stage = _text(raw, "stage", source, at)
    if not stage:
        raise MappingError(f"{source}: {at}stage: every entry needs its stage")
    lane = (_text(raw, "lane", source, at) or "").lower()
    if not lane:
        raise MappingError(f"{source}: {at}lane: every entry needs its lane ({', '.join(LANES)})")
    if lane not in LANES:
        raise MappingError(f"{source}: {at}lane: {lane!r} is not one of {', '.join(LANES)}")
    entry = EntryMapping(
        where=where,
        stage=stage,
        lane=lane,
        text_column=_text(raw, "text_column", source, at),
        text=_text(raw, "text", source, at),
        channel=clean_line(_text(raw, "channel", source, at) or "") or None,
        channel_column=_text(raw, "channel_column", source, at),
        emotion_column=_text(raw, "emotion_column", source, at),
        scale=_scale(raw, "scale", source, at),
        labels=_labels(raw, source, at),
        effort_column=_text(raw, "effort_column", source, at),
        effort_scale=_scale(raw, "effort_scale", source, at) or Scale(*EFFORT_SCALE),
        tags=_tags(raw, source, at),
    )
    if not entry.columns():
        raise MappingError(
            f"{source}: {where}: names no column (give text_column, emotion_column, "
            "channel_column or effort_column)"
        )
    if entry.emotion_column and entry.scale is None:
        raise MappingError(
            f"{source}: {at}scale: emotion_column needs the scale of its ratings, "
            "e.g. scale = [1, 5]"
        )
    if entry.scale is not None and not entry.emotion_column:
        raise MappingError(f"{source}: {at}scale: given without emotion_column")
    if entry.labels and not entry.emotion_column:
        raise MappingError(f"{source}: {at}labels: given without emotion_column")
    if entry.channel and entry.channel_column:
        raise MappingError(f"{source}: {where}: give channel or channel_column, not both")
    if entry.lane == "touchpoint" and not (entry.channel or entry.channel_column):
        raise MappingError(
            f"{source}: {where}: a touchpoint needs its channel (give channel or "
            "channel_column; a rating of the stage as a whole goes in another lane, such as note)"
        )
    if entry.scale is not None:
        for label, value in entry.labels:
            if not entry.scale.contains(value):
                raise MappingError(
                    f"{source}: {at}labels: {label!r} = {_number(value)} is outside the "
                    f"scale {entry.scale}"
                )
    return entry


def _keys(data: dict[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise MappingError(
                f"{source}: {where}{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _text(
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


def _scale(data: dict[str, Any], key: str, source: str, where: str) -> Scale | None:
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


def _labels(data: dict[str, Any], source: str, where: str) -> tuple[tuple[str, float], ...]:
    value = data.get("labels", {})
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
    ):
        raise MappingError(
            f'{source}: {where}labels: must be a table of words and numbers, e.g. {{ "Good" = 4 }}'
        )
    return tuple((str(k).strip(), float(v)) for k, v in value.items())


def _tags(data: dict[str, Any], source: str, where: str) -> tuple[str, ...]:
    value = data.get("tags", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and clean_line(v) for v in value):
        raise MappingError(f"{source}: {where}tags: must be a list of non-empty names")
    return tuple(dict.fromkeys(clean_line(v) for v in value))
