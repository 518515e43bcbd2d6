"""The columns of every CSV journey exports, and `codebook.csv` that describes them.

One `Column` per column: its name, type, meaning and allowed values. The CSV
writers take their headers from here, so the codebook can never disagree with
the files it describes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from journey.storage.models import LANES, MODES, OUTCOMES, SESSION_STATUSES

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
        Column(
            "mode",
            TEXT,
            "how the session was run: interview and survey sessions are customer evidence; "
            "a workshop's entries are the team's opinion (stickies), which no figure of the "
            "map counts as evidence",
            _values(MODES),
        ),
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
        Column("votes", INTEGER, "dot-votes given to the entry in workshops", "0 or more"),
        Column("text", TEXT, _text_meaning(context)),
        Column("tags", TEXT, "qualitative codes of the entry, sorted, joined with ';'"),
        Column(
            "theme",
            TEXT,
            "the title of the workshop theme the entry was grouped into; empty when none",
        ),
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
            "position of the furthest stage the customer reached (or dropped out at); "
            "empty for a workshop, which walks no journey",
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
                f"what was recorded at {stage}: reached, dropped (left the journey there) or "
                "skipped (did not apply); empty when nothing was recorded",
                _values(OUTCOMES),
            ),
            Column(f"entries_{position}", INTEGER, f"live entries at {stage}"),
            Column(
                f"emotion_{position}",
                DECIMAL,
                f"mean emotion of the session's entries at {stage} that carry one, 2 decimals "
                "rounded half away from zero",
                "from -2 to 2; empty when none was rated",
            ),
            Column(f"rated_{position}", INTEGER, f"entries with an emotion at {stage}"),
        ]
    return _without_personal(columns, context)


TOP_ITEMS = 5


EVIDENCE = (
    "customer evidence only: entries of interview and survey sessions (mode), never a workshop's"
)
REACHED = (
    "evidence sessions that reached the stage: recorded as reached or dropped out there, "
    "or reached (or dropped out at) a later stage without skipping this one"
)
ITEM = (
    "an item is what was said: the evidence entries whose texts are the same once "
    "Unicode-normalised (NFKC), case-folded, with #tags taken out and whitespace collapsed, "
    "or the entries a workshop grouped into one theme (shown by its title); it is shown as "
    "the first of its spellings in code-point order. Items rank by evidence entries, then "
    "evidence sessions, workshop stickies, votes, and as shown"
)
ROUNDED = "2 decimals, rounded half away from zero"


def map_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`map.csv`: one row per stage and lane, as the journey map shows them."""
    columns = [
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("stage_position", INTEGER, "position of the stage, from 1"),
        Column("stage", TEXT, "name of the stage", _values(context.stages)),
        Column("lane", TEXT, "the map's row", _values(LANES)),
        Column("entries", INTEGER, f"live entries in this stage and lane; {EVIDENCE}"),
        Column("sessions", INTEGER, "evidence sessions with at least one of those entries"),
        Column(
            "mean_emotion",
            DECIMAL,
            f"mean emotion of the cell's evidence entries that carry one, {ROUNDED}",
            "from -2 to 2; empty when none was rated",
        ),
        Column(
            "spread",
            DECIMAL,
            f"standard deviation (population) of those emotions, {ROUNDED}",
        ),
        Column("rated", INTEGER, "n of mean_emotion: evidence entries with an emotion here"),
        Column(
            "thin", BOOLEAN, "sessions is below 3: thin evidence, read with care", "true; false"
        ),
        Column("stage_reached", INTEGER, REACHED),
        Column("stage_dropped", INTEGER, "evidence sessions that left the journey at the stage"),
        Column(
            "stage_skipped",
            INTEGER,
            "evidence sessions for which the stage did not apply (recorded as skipped)",
        ),
        Column(
            "workshop_items",
            INTEGER,
            "workshop stickies in this stage and lane: the team's opinion, counted in no "
            "other column",
        ),
        Column(
            "workshop_votes",
            INTEGER,
            "dot-votes given in workshops to the entries of this stage and lane",
        ),
        Column(
            "tags",
            TEXT,
            "the tags of the cell's evidence entries as 'tag (n)', most used first, joined "
            "with '; ': facets, an entry counts under its item and under each of its tags",
        ),
    ]
    for rank in range(1, TOP_ITEMS + 1):
        columns += [
            Column(
                f"top_{rank}",
                TEXT,
                f"the {_ordinal(rank)} item said most often here; {ITEM}",
            ),
            Column(f"top_{rank}_entries", INTEGER, f"evidence entries behind top_{rank}"),
        ]
    return tuple(columns)


def touchpoint_columns(context: CodebookContext) -> tuple[Column, ...]:
    """`touchpoints.csv`: one row per channel and stage where the channel was mentioned."""
    last = "empty at the last stage"
    return (
        Column("study", TEXT, "name of the study", _values(context.studies)),
        Column("channel", TEXT, "the touchpoint channel", _values(context.channels)),
        Column("stage_position", INTEGER, "position of the stage, from 1"),
        Column("stage", TEXT, "name of the stage", _values(context.stages)),
        Column(
            "mentions",
            INTEGER,
            f"live touchpoint entries naming the channel at this stage; {EVIDENCE}",
        ),
        Column("sessions", INTEGER, "evidence sessions with such an entry: they met it here"),
        Column(
            "mean_emotion",
            DECIMAL,
            f"mean emotion of the mentions that carry one, {ROUNDED}",
            "from -2 to 2; empty when none was rated",
        ),
        Column("rated", INTEGER, "n of mean_emotion: mentions with an emotion"),
        Column(
            "went_on",
            INTEGER,
            "of the sessions that met it here, those that reached (or dropped out at) a later "
            f"stage; a skipped stage is not reached; {last}",
        ),
        Column(
            "did_not",
            INTEGER,
            "of the sessions that met it here, those that ended here: dropped out at this "
            f"stage, or finished without reaching a later stage; {last}",
        ),
        Column(
            "in_progress",
            INTEGER,
            "of the sessions that met it here, those still in progress that have not reached "
            f"a later stage: in neither went_on nor did_not; {last}",
        ),
        Column(
            "went_on_share",
            DECIMAL,
            f"went_on / (went_on + did_not), {ROUNDED}: the channel's contribution",
            f"0..1; empty when went_on + did_not is 0, {last}",
        ),
        Column(
            "thin", BOOLEAN, "sessions is below 3: thin evidence, read with care", "true; false"
        ),
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


def codebook_rows(
    files: Sequence[tuple[str, Sequence[Column]]], own_name: str = "codebook.csv"
) -> Iterator[tuple[str, ...]]:
    """One row per column of every file (or sheet), then the codebook's own columns."""
    for file_name, columns in (*files, (own_name, CODEBOOK_COLUMNS)):
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
