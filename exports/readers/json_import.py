"""Reading journey's JSON export back (`"format": "journey-export"`, version 1).

The structure is the one `exports/writers/json_export.py` documents. Every object is
checked (ids are UUIDs, references point at objects of the same study in the
file, links go from an opportunity to a pain, lanes, modes, outcomes, emotion
-2..+2, effort 1..7, votes 0 or more, times ISO 8601) and text is sanitised as
typed text is; problems are reported with their path in the file
(`studies[0].entries[12].emotion`) and then nothing is imported.

Ids are kept, so the rows are merged like those of another database
(`storage/merging.py`): importing the same file twice adds nothing, a study of
the same name is merged into ours, and rows changed on both sides are
conflicts that the newer change wins. `--study NAME` imports the file's one
study under that name. A file written before the workshop arrays (`themes`,
`entry_links`, `votes`, `entries[].theme_id`) imports as one without workshop
data, and leaves the themes of entries already here as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlite_utils import Database

from journey.capture.row_rules import MAX_REASON_LENGTH, checked_row
from journey.capture.sanitize import MAX_ENTRY_LENGTH, clean_line
from journey.exports.readers.csv_read import ImportFailed
from journey.exports.readers.json_fields import (
    ArraySpec,
    Known,
    ValueChecks,
    line,
    long_text,
    one_of,
    ref,
    scalar,
    time,
    whole,
)
from journey.exports.readers.report import ImportReport
from journey.storage.errors import NotFound
from journey.storage.merge_report import ParticipantClash
from journey.storage.merging import merge_rows
from journey.storage.models import ANSWER_TYPES, LANES, MODES, OUTCOMES, SESSION_STATUSES
from journey.storage.studies import get_study

FORMAT = "journey-export"
VERSION = 1
ARRAYS = (
    "stages",
    "channels",
    "prompts",
    "tags",
    "themes",
    "participants",
    "sessions",
    "progress",
    "entries",
    "entry_links",
    "votes",
    "edits",
)


def import_json(
    db: Database,
    text: str,
    source: str,
    *,
    study: str | None = None,
    dry_run: bool = False,
    participants: str = "refuse",
    accept_deletions: bool = False,
):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise ImportFailed(f"{source}: nested too deeply to be a journey JSON export") from None
    except ValueError as error:  # a number of thousands of digits
        raise ImportFailed(f"{source}: not a journey JSON export ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed(
            f'{source}: not a journey JSON export (no "format": "{FORMAT}"); '
            "a survey needs to be CSV with --mapping"
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ImportFailed(f'{source}: "version" must be a number')
    if version > VERSION:
        raise ImportFailed(
            f"{source}: written by a newer journey (export version {version}, this one reads "
            f"{VERSION}); upgrade journey to import it"
        )
    studies = data.get("studies")
    if not isinstance(studies, list):
        raise ImportFailed(f'{source}: "studies" must be a list')
    if study is not None and len(studies) != 1:
        raise ImportFailed(
            f"{source}: holds {len(studies)} studies; --study takes a file of one study "
            "(import it without --study)"
        )
    reader = _Reader(source)
    for index, record in enumerate(studies):
        reader.study(record, f"studies[{index}]", rename=study)
    reader.problems.raise_if_any()
    if not any(reader.rows["studies"]):
        raise ImportFailed(f"{source}: the export holds no study")
    if study is not None:
        _never_rename(db, reader.rows["studies"][0]["id"], study, source)
    try:
        merged = merge_rows(
            db,
            lambda table: reader.rows.get(table, ()),
            dry_run=dry_run,
            participants=participants,
            check=checked_row,
            accept_deletions=accept_deletions,
        )
    except ParticipantClash as error:
        raise ParticipantClash(f"{source}: {error}") from None
    report = ImportReport(source, "JSON export", dry_run, merge=merged)
    report.rows = len(reader.rows["entries"])
    return report


def _never_rename(db: Database, study_id: str, name: str, source: str) -> None:
    """`--study NAME` names the study the file's one study goes into; when that study is
    here already (the same id) under another name, taking NAME would rename it."""
    try:
        here = get_study(db, study_id)
    except NotFound:
        return
    if here.name.casefold() != name.casefold():
        raise ImportFailed(
            f"{source}: its study is {here.name!r} here already (the same id), and --study "
            f"does not rename a study: import it without --study, or rename it first with "
            f"`journey study rename`"
        )


# The arrays of a study, in the order they are read (a reference points back only).
STUDY_ARRAYS = (
    ArraySpec(
        "stages",
        (whole("position", 1), line("name"), long_text("description", required=False, default="")),
    ),
    ArraySpec("channels", (line("name"), time("created_at"))),
    ArraySpec("tags", (line("name"),)),
    ArraySpec(
        "themes",
        (
            line("title"),
            line("author", required=False),
            time("created_at"),
            time("updated_at"),
            time("deleted_at", required=False),
        ),
    ),
    ArraySpec(
        "prompts",
        (
            ref("stage_id", "stages"),
            whole("position", 1),
            one_of("lane", LANES),
            long_text("text"),
            one_of("answer_type", ANSWER_TYPES),
        ),
    ),
    ArraySpec(
        "participants",
        (
            line("code"),
            line("segment", required=False),
            time("consent_at", required=False),
            line("personal_name", required=False),
            line("personal_contact", required=False),
            time("created_at"),
            time("updated_at"),
        ),
    ),
    ArraySpec(
        "sessions",
        (
            ref("participant_id", "participants", required=False),
            one_of("mode", MODES),
            line("interviewer", required=False),
            line("title", required=False),
            time("started_at"),
            time("ended_at", required=False),
            one_of("status", SESSION_STATUSES),
            ref("current_stage_id", "stages", required=False),
            time("updated_at"),
        ),
    ),
    ArraySpec(
        "progress",
        (
            ref("session_id", "sessions"),
            ref("stage_id", "stages"),
            one_of("outcome", OUTCOMES),
            line("reason", required=False, limit=MAX_REASON_LENGTH),
            time("at"),
        ),
        table="stage_progress",
        own_id=False,
        in_study=False,
        unique=("session_id", "stage_id"),
        unique_message="the same session and stage appear twice",
    ),
)
ENTRIES = ArraySpec(
    "entries",
    (
        long_text("text"),
        ref("session_id", "sessions"),
        ref("stage_id", "stages"),
        one_of("lane", LANES),
        ref("channel_id", "channels", required=False),
        whole("emotion", -2, 2, required=False),
        whole("effort", 1, 7, required=False),
        whole("votes", 0, required=False, default=0),
        line("author", required=False),
        ref("prompt_id", "prompts", required=False),
        time("created_at"),
        time("updated_at"),
        time("deleted_at", required=False),
    ),
    in_study=False,
)
# Read after the entries, which they point at.
WORKSHOP_ARRAYS = (
    ArraySpec(
        "entry_links",
        (
            ref("opportunity_id", "entries"),
            ref("pain_id", "entries"),
            line("author", required=False),
            time("created_at"),
        ),
        own_id=False,
        in_study=False,
        unique=("opportunity_id", "pain_id"),
        unique_message="the same opportunity and pain appear twice",
    ),
    ArraySpec(
        "votes",
        (
            ref("entry_id", "entries"),
            ref("session_id", "sessions"),
            whole("votes", 0),
            time("updated_at"),
        ),
        own_id=False,
        in_study=False,
        unique=("entry_id", "session_id"),
        unique_message="the same entry and session appear twice",
    ),
    ArraySpec(
        "edits",
        (
            ref("entry_id", "entries"),
            line("field"),
            scalar("old"),
            scalar("new"),
            line("author", required=False),
            time("at"),
        ),
        in_study=False,
    ),
)
TABLES = (
    "studies",
    *(spec.table_name for spec in STUDY_ARRAYS),
    "entries",
    "entry_tags",
    *(spec.table_name for spec in WORKSHOP_ARRAYS),
)


class _Reader(ValueChecks):
    """Every study of the file as the rows of our tables, each value checked."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.rows: dict[str, list[dict]] = {table: [] for table in TABLES}

    def study(self, record: Any, where: str, *, rename: str | None) -> None:
        if not isinstance(record, dict):
            self.problem(where, "must be an object")
            return
        study_id = self.new_id(record, where)
        description = self.text(
            record, "description", where, line=False, required=False, limit=MAX_ENTRY_LENGTH
        )
        self.rows["studies"].append(
            {
                "id": study_id,
                "name": rename or self.text(record, "name", where),
                "description": description or "",
                "template": self.text(record, "template", where, required=False) or "imported",
                "created_at": self.time(record, "created_at", where),
                "updated_at": self.time(record, "updated_at", where),
            }
        )
        known: Known = {}
        names: dict[str, dict[str, str]] = {}  # channels and tags: id -> name
        for spec in STUDY_ARRAYS:
            rows = self.read_array(record, where, spec, study_id, known)
            names[spec.key] = {row["id"]: row["name"] for row in rows if row.get("name")}
        lanes = self._entries(record, where, known, names["tags"])
        for spec in WORKSHOP_ARRAYS:
            check = partial(self._check_link_lanes, lanes) if spec.key == "entry_links" else None
            self.read_array(record, where, spec, study_id, known, check=check)

    def read_array(
        self,
        record: dict,
        where: str,
        spec: ArraySpec,
        study_id: str | None,
        known: Known,
        *,
        check: Callable[[dict, str], None] | None = None,
    ) -> list[dict]:
        """The rows of one array, through its spec (and `check` across the fields of each
        row); the ids read join `known`."""
        rows: list[dict] = []
        seen: set[tuple] = set()
        for at, item in self.array(record, spec.key, where):
            rows.append(self.read_object(item, at, spec, study_id, known))
            if check is not None:
                check(rows[-1], at)
            if spec.unique is not None:
                pair = tuple(item.get(key) for key in spec.unique)
                if pair in seen:
                    self.problem(at, spec.unique_message)
                seen.add(pair)
        self.rows[spec.table_name].extend(rows)
        known[spec.key] = {row["id"] for row in rows if spec.own_id and row["id"]}
        return rows

    def read_object(
        self, item: dict, at: str, spec: ArraySpec, study_id: str | None, known: Known
    ) -> dict:
        row: dict[str, Any] = {}
        if spec.own_id:
            row["id"] = self.new_id(item, at)
        if spec.in_study:
            row["study_id"] = study_id
        for field in spec.fields:
            row[field.key] = field.read(self, item, at, known)
        return row

    def _entries(
        self, record: dict, where: str, known: Known, tags: dict[str, str]
    ) -> dict[str, str | None]:
        """The entries, their tags, and the rules across their fields; returns id -> lane."""
        lanes: dict[str, str | None] = {}
        tag_ids = {name.casefold(): tag_id for tag_id, name in tags.items()}
        for at, item in self.array(record, "entries", where):
            row = self.read_object(item, at, ENTRIES, None, known)
            if row["id"]:
                lanes[row["id"]] = row["lane"]
            if row["lane"] == "touchpoint" and row["channel_id"] is None:
                self.problem(at, "a touchpoint needs its channel_id")
            # A file from before themes has no theme_id: then a merge leaves ours alone.
            if "theme_id" in item:
                row["theme_id"] = self.ref(item, "theme_id", at, known["themes"], required=False)
            self.rows["entries"].append(row)
            self._entry_tags(item, at, row["id"], tag_ids)
        known["entries"] = set(lanes)
        return lanes

    def _entry_tags(self, item: dict, at: str, entry_id: str | None, tag_ids: dict) -> None:
        names = item.get("tags", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.problem(f"{at}.tags", "must be a list of tag names")
            return
        for name in dict.fromkeys(clean_line(n).casefold() for n in names):
            tag_id = tag_ids.get(name)
            if tag_id is None:
                self.problem(f"{at}.tags", f"{name!r} is not in the study's tags")
            elif entry_id:
                self.rows["entry_tags"].append({"entry_id": entry_id, "tag_id": tag_id})

    def _check_link_lanes(self, lanes: dict[str, str | None], row: dict, at: str) -> None:
        """A link goes from an opportunity to a pain."""
        for key, lane, named in (
            ("opportunity_id", "opportunity", "an opportunity"),
            ("pain_id", "pain", "a pain"),
        ):
            value = row[key]
            if value is not None and lanes[value] not in (lane, None):
                self.problem(f"{at}.{key}", f"{value} is not {named} (its lane is {lanes[value]})")
