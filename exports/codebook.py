"""The columns of every CSV journey exports, and `codebook.csv` that describes them.

One `Column` per column: its name, type, meaning and allowed values. The CSV
writers take their headers from here, so the codebook can never disagree with
the files it describes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from storage.models import LANES, MODES, OUTCOMES, SESSION_STATUSES

TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
TIMESTAMP = "timestamp"
ID = "id"
EMOTION_VALUES = (
    "from -2 (very negative) through 0 (neutral) to 2 (very positive); empty when not rated"
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    allowed: str = ""


@dataclass(frozen=True)
class CodebookContext:
    """What the allowed values of an export depend on."""

    studies: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()  # stage names of the exported studies, in order
    channels: tuple[str, ...] = ()
    stage_count: int = 0  # the most stages of any exported study
    anonymized: bool = False
    include_deleted: bool = False
    stage_names: dict[int, str] = field(default_factory=dict)  # by position, one study


def _values(values: Sequence[str]) -> str:
    return "; ".join(values)


def entry_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`entries.csv`: one row per entry."""
    columns = [
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("session_id", ID, "the session (interview, workshop or survey) the entry is in"),
        _participant_column(context),
        Column("segment", TEXT, "the participant's segment; empty when none"),
        Column("interviewer", TEXT, "who ran the session; empty when not recorded"),
        Column("mode", TEXT, "how the session was run", _values(MODES)),
        Column("stage_position", INTEGER, "position of the stage in the journey, from 1"),
        Column("stage", TEXT, "name of the journey stage", _values(context.stages)),
        Column("lane", TEXT, "what the entry records", _values(LANES)),
        Column(
            "channel",
            TEXT,
            "the touchpoint channel; empty when none",
            _values(context.channels),
        ),
        Column("emotion", INTEGER, "how it felt", EMOTION_VALUES),
        Column("effort", INTEGER, "how hard it was", "1..7 (1 easy, 7 hard); empty when not rated"),
        Column("votes", INTEGER, "votes given in a workshop", "0 or more"),
        Column("text", TEXT, _text_meaning(context)),
        Column("tags", TEXT, "qualitative codes of the entry, sorted, joined with ';'"),
        Column("created_at", TIMESTAMP, "when the entry was saved", "ISO 8601, UTC"),
        Column("updated_at", TIMESTAMP, "when the entry was last changed", "ISO 8601, UTC"),
    ]
    if context.include_deleted:
        columns.append(
            Column(
                "deleted_at",
                TIMESTAMP,
                "when the entry was deleted (undone); empty for live entries",
                "ISO 8601, UTC",
            )
        )
    return _without_personal(columns, context)


def session_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`sessions.csv`: one row per session, then four columns per stage position."""
    columns = [
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("session_id", ID, "the session"),
        _participant_column(context),
        Column("segment", TEXT, "the participant's segment; empty when none"),
        Column("interviewer", TEXT, "who ran the session; empty when not recorded"),
        Column("mode", TEXT, "how the session was run", _values(MODES)),
        Column("started_at", TIMESTAMP, "when the session started", "ISO 8601, UTC"),
        Column(
            "ended_at", TIMESTAMP, "when it was finished; empty while in progress", "ISO 8601, UTC"
        ),
        Column("status", TEXT, "whether the session is finished", _values(SESSION_STATUSES)),
        Column(
            "last_stage_position",
            INTEGER,
            "position of the furthest stage the customer reached (or dropped at)",
        ),
        Column("last_stage_reached", TEXT, "name of that stage", _values(context.stages)),
        Column(
            "dropped_at_stage",
            TEXT,
            "the stage where the customer left the journey; empty when they did not",
            _values(context.stages),
        ),
        Column("drop_reason", TEXT, "why they left, as recorded; empty when not given"),
        Column("entries", INTEGER, "live entries of the session (in the exported lanes)"),
    ]
    for position in range(1, context.stage_count + 1):
        name = context.stage_names.get(position)
        stage = f"stage {position}" + (f" ({name})" if name else "")
        columns += [
            Column(
                f"outcome_{position}",
                TEXT,
                f"what happened at {stage}; empty when the session never got there",
                _values(OUTCOMES),
            ),
            Column(f"entries_{position}", INTEGER, f"live entries at {stage}"),
            Column(
                f"emotion_{position}",
                DECIMAL,
                f"mean emotion of the rated entries at {stage}, 2 decimals",
                "from -2 to 2; empty when none was rated",
            ),
            Column(f"rated_{position}", INTEGER, f"entries with an emotion at {stage}"),
        ]
    return _without_personal(columns, context)


TOP_ITEMS = 5


def map_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`map.csv`: one row per stage and lane, as the journey map shows them."""
    columns = [
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("stage_position", INTEGER, "position of the stage, from 1"),
        Column("stage", TEXT, "name of the stage", _values(context.stages)),
        Column("lane", TEXT, "the map's row", _values(LANES)),
        Column("entries", INTEGER, "live entries in this stage and lane"),
        Column("sessions", INTEGER, "sessions with at least one of them"),
        Column(
            "mean_emotion",
            DECIMAL,
            "mean emotion of the cell's rated entries, 2 decimals",
            "from -2 to 2; empty when none was rated",
        ),
        Column("spread", DECIMAL, "standard deviation of those emotions (population), 2 decimals"),
        Column("rated", INTEGER, "entries with an emotion in this cell"),
        Column("thin", BOOLEAN, "fewer than 3 sessions: read with care", "true; false"),
        Column("stage_reached", INTEGER, "sessions that reached the stage (or dropped there)"),
        Column("stage_dropped", INTEGER, "sessions that left the journey at the stage"),
        Column("stage_skipped", INTEGER, "sessions for which the stage did not apply"),
    ]
    for rank in range(1, TOP_ITEMS + 1):
        columns += [
            Column(
                f"top_{rank}",
                TEXT,
                f"the {_ordinal(rank)} most frequent item: entries saying the same "
                "(same text ignoring case, or the same first tag, shown as #tag)",
            ),
            Column(f"top_{rank}_entries", INTEGER, f"entries behind top_{rank}"),
        ]
    return tuple(columns)


def touchpoint_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`touchpoints.csv`: one row per channel and stage where the channel was mentioned."""
    return (
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("channel", TEXT, "the touchpoint channel", _values(context.channels)),
        Column("stage_position", INTEGER, "position of the stage, from 1"),
        Column("stage", TEXT, "name of the stage", _values(context.stages)),
        Column("mentions", INTEGER, "live entries naming the channel at this stage"),
        Column("sessions", INTEGER, "sessions with such an entry"),
        Column(
            "mean_emotion",
            DECIMAL,
            "mean emotion of the rated mentions, 2 decimals",
            "from -2 to 2; empty when none was rated",
        ),
        Column("rated", INTEGER, "mentions with an emotion"),
        Column(
            "went_on",
            INTEGER,
            "sessions with a touchpoint on this channel here that reached the next stage; "
            "empty at the last stage",
        ),
        Column("did_not", INTEGER, "those that did not reach the next stage; empty at the last"),
        Column(
            "went_on_share",
            DECIMAL,
            "went_on / (went_on + did_not), 2 decimals: the channel's contribution",
            "0..1; empty at the last stage or without touchpoints",
        ),
        Column("thin", BOOLEAN, "fewer than 3 sessions: read with care", "true; false"),
    )


CODEBOOK_COLUMNS = (
    Column("file", TEXT, "the file the column is in"),
    Column("name", TEXT, "the column's name, as in the file's header"),
    Column("type", TEXT, "its type", _values((TEXT, INTEGER, DECIMAL, BOOLEAN, TIMESTAMP, ID))),
    Column("meaning", TEXT, "what it holds"),
    Column("allowed_values", TEXT, "the values it can take, when they are few; ';' between them"),
)

LINKAGE_COLUMNS = (
    Column("study", TEXT, "name of the study"),
    Column("participant_code", TEXT, "the participant's code in the database"),
    Column("pseudonym", TEXT, "what the anonymized export calls them"),
)


def codebook_rows(files: Sequence[tuple[str, Sequence[Column]]]) -> Iterator[tuple[str, ...]]:
    """One row per column of every file, then the codebook's own columns."""
    for file_name, columns in (*files, ("codebook.csv", CODEBOOK_COLUMNS)):
        for column in columns:
            yield (file_name, column.name, column.type, column.meaning, column.allowed)


def names(columns: Sequence[Column]) -> list[str]:
    return [c.name for c in columns]


def _participant_column(context: CodebookContext) -> Column:
    if context.anonymized:
        return Column(
            "participant_code",
            TEXT,
            "a stable pseudonym of the participant (anon- and 12 hex digits); "
            "the linkage file, if written, maps it to the code",
        )
    return Column("participant_code", TEXT, "the participant's code (a pseudonym such as P07)")


def _text_meaning(context: CodebookContext) -> str:
    meaning = "what was said or typed, as recorded (line breaks kept)"
    if context.anonymized:
        meaning += "; e-mail addresses shown as [email], phone numbers as [phone]"
    return meaning


def _without_personal(columns: list[Column], context: CodebookContext) -> tuple[Column, ...]:
    """With --anonymize, the interviewer column is left out."""
    if context.anonymized:
        return tuple(c for c in columns if c.name != "interviewer")
    return tuple(columns)


def _ordinal(rank: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(rank, f"{rank}th")
