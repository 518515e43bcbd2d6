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
header_row = 1             # the row holding the column names (rows above it are ignored)
skip_rows = 2              # rows after the header that are not answers (Qualtrics: the
                           # question texts and the ImportId row); default 0
timezone = "Europe/Berlin" # the zone of respondent.date times written without one
                           # (an IANA name); default UTC

[[filter]]                 # optional, any number: a respondent row is imported only if it
column = "Status"          # passes every filter; the rows left out are counted
not_equals = "Survey Preview"   # or equals = "...", or in = ["...", "..."]
                                # (matched without surrounding spaces, in any case)

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
                                # ("2026-05-01 10:22", "2026-05-01T10:22:00+02:00")

[[entries]]                # one table per entry a respondent's row gives
stage = "Decision"         # required: a stage of the study, by name (any case)
lane = "touchpoint"        # required: goal, need, expectation, touchpoint, pain, delight,
                           # quote, opportunity or note
text_column = "Q4 What happened at checkout?"  # the entry's text
text = "Checkout"          # a fixed text, when there is no text_column or its cell is empty
channel = "Website"        # a fixed channel (by name, any case; a new one is added)
channel_column = "Q2 Where did you buy?"       # or the channel named in the cell
choices = { "1" = "Search", "2" = "Social media", "6" = "Other" }
                           # with channel_column: the answers (codes or labels, any case)
                           # and the channel each stands for
separator = ", "           # with channel_column: a multi-select cell, split into one entry
                           # per choice
other_column = "Q2_6_TEXT" # with channel_column: the text of an "Other" answer, kept as
                           # that entry's text
other_channel = "Other"    # the channel of an "Other" answer (default "Other")
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
- Rows are numbered as a spreadsheet shows them (the first row of the file is
  row 1), whatever `header_row` and `skip_rows` say.
- Each `[[entries]]` table needs at least one of `text_column`,
  `emotion_column`, `channel_column`, `effort_column`. A touchpoint needs its channel
  (`channel` or `channel_column`); a respondent who named none gets no such touchpoint.
  A rating of a stage as a whole goes in another lane, such as `note`. A respondent whose cells
  for an entry are all empty gets no such entry; a respondent with no entry at
  all is skipped.
- The text of an entry is its `text_column` cell, else `text`, else
  "QUESTION: ANSWER" from the first filled of the emotion, channel and effort
  columns (e.g. `Q3 How did checkout feel?: 4`; a coded channel shows its channel).
- Channels: with `choices`, every answer in a channel cell must be one of them,
  except, with `other_column`, an answer that is none of them: the "Other" text
  as Google Forms writes it in the cell itself. With `separator`, a cell such as
  `Instagram, A friend` gives one entry per choice, each with the entry's other
  cells (a choice that holds the separator itself is kept whole when `choices`
  names it). The entry of an "Other" answer has the channel `other_channel` and
  as its text the typed answer: the cell of `other_column` (Qualtrics'
  `Q2_6_TEXT`, for the choice that `choices` maps onto `other_channel`) or the
  unknown answer itself.
- Times: `respondent.date` is read as ISO 8601 or with `date_format`; a zone at
  its end as Google Forms writes it (`2026/09/30 2:15:07 PM GMT+2`) is read
  whatever the format; a time without a zone is in `timezone` (default UTC).
- A scale `[low, high]` maps linearly: `low` is -2, `high` is +2 (effort: 1
  and 7), rounded half away from zero. So on 1..5, 1 2 3 4 5 become -2 -1 0 +1
  +2; on 0..10, 0 1 2 3 4 5 6 7 8 9 10 become -2 -2 -1 -1 0 0 0 +1 +1 +2 +2. A
  reversed scale (`[5, 1]`) maps 5 to -2. Numbers may use a decimal comma; a
  value outside the scale, or a word that is not in `labels`, is a problem
  naming the row and the column.
- Problems are reported together, each with its file, row and column, and
  nothing is imported until there are none.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journey.capture.sanitize import clean_line
from journey.capture.template import BUILT_IN
from journey.exports.readers import mapping_values as values
from journey.exports.readers.mapping_values import MappingError, RowFilter, Scale, shown_number
from journey.storage.errors import InputTooLarge, NotARegularFile
from journey.storage.files import MAX_TOML_BYTES, read_input
from journey.storage.models import LANES, MODES

__all__ = ["MappingError", "RowFilter", "Scale", "SurveyMapping", "load_mapping", "parse_mapping"]

_TOP_KEYS = {
    "study",
    "template",
    "mode",
    "interviewer",
    "delimiter",
    "encoding",
    "header_row",
    "skip_rows",
    "timezone",
    "filter",
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
    "choices",
    "separator",
    "other_column",
    "other_channel",
    "emotion_column",
    "scale",
    "labels",
    "effort_column",
    "effort_scale",
    "tags",
}
_NEEDS_CHANNEL_COLUMN = ("choices", "separator", "other_column")
EMOTION_SCALE = (-2, 2)
EFFORT_SCALE = (1, 7)
OTHER_CHANNEL = "Other"


@dataclass(frozen=True)
class EntryMapping:
    where: str  # "entries[2]", for messages
    stage: str
    lane: str
    text_column: str | None = None
    text: str | None = None
    channel: str | None = None
    channel_column: str | None = None
    choices: tuple[tuple[str, str], ...] = ()  # answer -> channel name
    separator: str | None = None
    other_column: str | None = None
    other_channel: str = OTHER_CHANNEL
    emotion_column: str | None = None
    scale: Scale | None = None
    labels: tuple[tuple[str, float], ...] = ()
    effort_column: str | None = None
    effort_scale: Scale = Scale(1, 7)
    tags: tuple[str, ...] = ()

    def columns(self) -> list[tuple[str, str]]:
        """(key, column) of every column this entry reads."""
        keys = ("text_column", "emotion_column", "channel_column", "effort_column")
        found = [(key, getattr(self, key)) for key in keys if getattr(self, key)]
        if self.other_column and not self.other_in_cell:
            found.append(("other_column", self.other_column))
        return found

    @property
    def other_in_cell(self) -> bool:
        """Whether the "Other" text is in the channel cell itself (Google Forms)."""
        return bool(self.other_column) and (
            (self.other_column or "").casefold() == (self.channel_column or "").casefold()
        )

    def label_value(self, word: str) -> float | None:
        for label, value in self.labels:
            if label.casefold() == word.strip().casefold():
                return value
        return None

    def choice(self, answer: str) -> str | None:
        """The channel an answer stands for (any case), None when `choices` lacks it."""
        folded = answer.strip().casefold()
        for key, channel in self.choices:
            if key.casefold() == folded:
                return channel
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
    header_row: int = 1
    skip_rows: int = 0
    timezone: str | None = None
    filters: tuple[RowFilter, ...] = ()

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
    values.check_keys(data, _TOP_KEYS, source, "")
    mode = values.text(data, "mode", source, "") or "survey"
    if mode not in MODES:
        raise MappingError(f"{source}: mode: {mode!r} is not one of {', '.join(MODES)}")
    delimiter = values.text(data, "delimiter", source, "", strip=False)
    if delimiter is not None and delimiter not in (",", ";", "\t"):
        raise MappingError(f'{source}: delimiter: must be ",", ";" or "\\t", not {delimiter!r}')
    respondent = _respondent(data, source)
    timezone = values.timezone(data, source)
    if timezone and not respondent.date:
        raise MappingError(f"{source}: timezone: needs respondent.date (the times it applies to)")
    raw_entries = data.get("entries")
    if not raw_entries:
        raise MappingError(f"{source}: entries: a mapping needs at least one [[entries]] table")
    if not isinstance(raw_entries, list) or not all(isinstance(e, dict) for e in raw_entries):
        raise MappingError(f"{source}: entries: must be an array of tables ([[entries]])")
    entries = tuple(_entry(raw, source, f"entries[{i}]") for i, raw in enumerate(raw_entries, 1))
    study = values.text(data, "study", source, "")
    return SurveyMapping(
        source=source,
        folder=folder,
        study=clean_line(study) if study else None,
        template=values.text(data, "template", source, ""),
        mode=mode,
        interviewer=clean_line(values.text(data, "interviewer", source, "") or "") or None,
        delimiter=delimiter,
        encoding=values.text(data, "encoding", source, ""),
        respondent=respondent,
        entries=entries,
        header_row=values.whole_number(data, "header_row", source, 1, 1),
        skip_rows=values.whole_number(data, "skip_rows", source, 0, 0),
        timezone=timezone,
        filters=values.filters(data, source),
    )


def _respondent(data: dict[str, Any], source: str) -> RespondentMapping:
    raw = data.get("respondent", {})
    if not isinstance(raw, dict):
        raise MappingError(f"{source}: respondent: must be a table ([respondent])")
    at = "respondent."
    values.check_keys(raw, _RESPONDENT_KEYS, source, at)
    respondent = RespondentMapping(
        id=values.text(raw, "id", source, at),
        code=values.text(raw, "code", source, at),
        code_prefix=values.text(raw, "code_prefix", source, at) or "R",
        segment=values.text(raw, "segment", source, at),
        date=values.text(raw, "date", source, at),
        date_format=values.text(raw, "date_format", source, at, strip=False),
    )
    if respondent.date_format and not respondent.date:
        raise MappingError(f"{source}: respondent.date_format: needs respondent.date")
    return respondent


def _entry(raw: dict[str, Any], source: str, where: str) -> EntryMapping:
    at = where + "."
    values.check_keys(raw, _ENTRY_KEYS, source, at)
    stage = values.text(raw, "stage", source, at)
    if not stage:
        raise MappingError(f"{source}: {at}stage: every entry needs its stage")
    lane = (values.text(raw, "lane", source, at) or "").lower()
    if not lane:
        raise MappingError(f"{source}: {at}lane: every entry needs its lane ({', '.join(LANES)})")
    if lane not in LANES:
        raise MappingError(f"{source}: {at}lane: {lane!r} is not one of {', '.join(LANES)}")
    entry = EntryMapping(
        where=where,
        stage=stage,
        lane=lane,
        text_column=values.text(raw, "text_column", source, at),
        text=values.text(raw, "text", source, at),
        channel=clean_line(values.text(raw, "channel", source, at) or "") or None,
        channel_column=values.text(raw, "channel_column", source, at),
        choices=values.choices(raw, source, at),
        separator=values.text(raw, "separator", source, at, strip=False),
        other_column=values.text(raw, "other_column", source, at),
        other_channel=clean_line(values.text(raw, "other_channel", source, at) or "")
        or OTHER_CHANNEL,
        emotion_column=values.text(raw, "emotion_column", source, at),
        scale=values.scale(raw, "scale", source, at),
        labels=values.labels(raw, source, at),
        effort_column=values.text(raw, "effort_column", source, at),
        effort_scale=values.scale(raw, "effort_scale", source, at) or Scale(*EFFORT_SCALE),
        tags=values.tags(raw, source, at),
    )
    _check_entry(entry, raw, source)
    _check_channels(entry, raw, source)
    return entry


def _check_entry(entry: EntryMapping, raw: dict[str, Any], source: str) -> None:
    where, at = entry.where, entry.where + "."
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
    if entry.lane == "touchpoint" and not (entry.channel or entry.channel_column):
        raise MappingError(
            f"{source}: {where}: a touchpoint needs its channel (give channel or "
            "channel_column; a rating of the stage as a whole goes in another lane, such as note)"
        )
    if entry.scale is not None:
        for label, value in entry.labels:
            if not entry.scale.contains(value):
                raise MappingError(
                    f"{source}: {at}labels: {label!r} = {shown_number(value)} is outside the "
                    f"scale {entry.scale}"
                )


def _check_channels(entry: EntryMapping, raw: dict[str, Any], source: str) -> None:
    where, at = entry.where, entry.where + "."
    if entry.channel and entry.channel_column:
        raise MappingError(f"{source}: {where}: give channel or channel_column, not both")
    if not entry.channel_column:
        for key in (*_NEEDS_CHANNEL_COLUMN, "other_channel"):
            if key in raw:
                raise MappingError(
                    f"{source}: {at}{key}: given without channel_column (the cell it reads)"
                )
    if "other_channel" in raw and not entry.other_column:
        raise MappingError(f"{source}: {at}other_channel: given without other_column")
    other = entry.other_channel.casefold()
    if (
        entry.other_column
        and not entry.other_in_cell
        and entry.choices
        and not any(name.casefold() == other for _, name in entry.choices)
    ):
        raise MappingError(
            f"{source}: {at}other_column: no answer in choices stands for the channel "
            f"{entry.other_channel!r} (the one other_column's text belongs to; name it "
            "with other_channel)"
        )
