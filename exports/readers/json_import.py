"""Reading journey's JSON export back (`"format": "journey-export"`, version 1).

The structure is the one `exports/json_export.py` documents. Every object is
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
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from journey.capture.row_rules import MAX_REASON_LENGTH, checked_row
from journey.capture.sanitize import MAX_ENTRY_LENGTH, MAX_LINE_LENGTH, clean_line, clean_text
from journey.exports.readers.csv_read import ImportFailed, Problems
from journey.exports.readers.report import ImportReport
from journey.storage.errors import NotFound
from journey.storage.merging import ParticipantClash, merge_rows
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
_REQUIRED = object()


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


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems()
        self.rows: dict[str, list[dict]] = {
            table: []
            for table in (
                "studies",
                "stages",
                "channels",
                "prompts",
                "tags",
                "themes",
                "participants",
                "sessions",
                "stage_progress",
                "entries",
                "entry_tags",
                "entry_links",
                "votes",
                "edits",
            )
        }
        self.seen_ids: set[str] = set()

    # --- checks of one value ---------------------------------------------------------

    def problem(self, where: str, message: str) -> None:
        self.problems.add(self.source, f"{where}: {message}")

    def ref(
        self, record: dict, key: str, where: str, refs: set[str], *, required: bool = True
    ) -> str | None:
        """The id of an object of this study in the file; null only where allowed."""
        if record.get(key) is None and not required:
            return None
        return self.id(record, key, where, refs=refs)

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

    # --- a whole study -------------------------------------------------------------------

    def study(self, record: Any, where: str, *, rename: str | None) -> None:
        if not isinstance(record, dict):
            self.problem(where, "must be an object")
            return
        study_id = self.new_id(record, where)
        name = rename or self.text(record, "name", where)
        row = {
            "id": study_id,
            "name": name,
            "description": self.text(
                record, "description", where, line=False, required=False, limit=MAX_ENTRY_LENGTH
            )
            or "",
            "template": self.text(record, "template", where, required=False) or "imported",
            "created_at": self.time(record, "created_at", where),
            "updated_at": self.time(record, "updated_at", where),
        }
        self.rows["studies"].append(row)
        stages = self._stages(record, where, study_id)
        channels = self._simple(record, "channels", where, study_id, created=True)
        tags = self._simple(record, "tags", where, study_id, created=False)
        themes = self._themes(record, where, study_id)
        prompts = self._prompts(record, where, study_id, stages)
        participants = self._participants(record, where, study_id)
        sessions = self._sessions(record, where, study_id, participants, stages)
        self._progress(record, where, sessions, stages)
        entries = self._entries(record, where, sessions, stages, channels, prompts, tags, themes)
        self._links(record, where, entries)
        self._votes(record, where, entries, sessions)
        self._edits(record, where, set(entries))

    def _stages(self, record: dict, where: str, study_id: str | None) -> set[str]:
        ids: set[str] = set()
        for at, item in self.array(record, "stages", where):
            stage_id = self.new_id(item, at)
            if stage_id:
                ids.add(stage_id)
            self.rows["stages"].append(
                {
                    "id": stage_id,
                    "study_id": study_id,
                    "position": self.integer(item, "position", at, 1, None),
                    "name": self.text(item, "name", at),
                    "description": self.text(
                        item,
                        "description",
                        at,
                        line=False,
                        required=False,
                        limit=MAX_ENTRY_LENGTH,
                    )
                    or "",
                }
            )
        return ids

    def _simple(
        self, record: dict, key: str, where: str, study_id: str | None, *, created: bool
    ) -> dict[str, str]:
        """Channels or tags: id -> name."""
        found: dict[str, str] = {}
        for at, item in self.array(record, key, where):
            row_id = self.new_id(item, at)
            name = self.text(item, "name", at)
            if row_id and name:
                found[row_id] = name
            row = {"id": row_id, "study_id": study_id, "name": name}
            if created:
                row["created_at"] = self.time(item, "created_at", at)
            self.rows[key].append(row)
        return found

    def _themes(self, record: dict, where: str, study_id: str | None) -> set[str]:
        ids: set[str] = set()
        for at, item in self.array(record, "themes", where):
            theme_id = self.new_id(item, at)
            if theme_id:
                ids.add(theme_id)
            self.rows["themes"].append(
                {
                    "id": theme_id,
                    "study_id": study_id,
                    "title": self.text(item, "title", at),
                    "author": self.text(item, "author", at, required=False),
                    "created_at": self.time(item, "created_at", at),
                    "updated_at": self.time(item, "updated_at", at),
                    "deleted_at": self.time(item, "deleted_at", at, required=False),
                }
            )
        return ids

    def _prompts(self, record: dict, where: str, study_id, stages: set[str]) -> set[str]:
        ids: set[str] = set()
        for at, item in self.array(record, "prompts", where):
            prompt_id = self.new_id(item, at)
            if prompt_id:
                ids.add(prompt_id)
            self.rows["prompts"].append(
                {
                    "id": prompt_id,
                    "study_id": study_id,
                    "stage_id": self.ref(item, "stage_id", at, stages),
                    "position": self.integer(item, "position", at, 1, None),
                    "lane": self.choice(item, "lane", at, LANES),
                    "text": self.text(item, "text", at, line=False, limit=MAX_ENTRY_LENGTH),
                    "answer_type": self.choice(item, "answer_type", at, ANSWER_TYPES),
                }
            )
        return ids

    def _participants(self, record: dict, where: str, study_id) -> set[str]:
        ids: set[str] = set()
        for at, item in self.array(record, "participants", where):
            participant_id = self.new_id(item, at)
            if participant_id:
                ids.add(participant_id)
            self.rows["participants"].append(
                {
                    "id": participant_id,
                    "study_id": study_id,
                    "code": self.text(item, "code", at),
                    "segment": self.text(item, "segment", at, required=False),
                    "consent_at": self.time(item, "consent_at", at, required=False),
                    "personal_name": self.text(item, "personal_name", at, required=False),
                    "personal_contact": self.text(item, "personal_contact", at, required=False),
                    "created_at": self.time(item, "created_at", at),
                    "updated_at": self.time(item, "updated_at", at),
                }
            )
        return ids

    def _sessions(
        self, record: dict, where: str, study_id, participants: set[str], stages: set[str]
    ) -> set[str]:
        ids: set[str] = set()
        for at, item in self.array(record, "sessions", where):
            session_id = self.new_id(item, at)
            if session_id:
                ids.add(session_id)
            self.rows["sessions"].append(
                {
                    "id": session_id,
                    "study_id": study_id,
                    "participant_id": self.ref(
                        item, "participant_id", at, participants, required=False
                    ),
                    "mode": self.choice(item, "mode", at, MODES),
                    "interviewer": self.text(item, "interviewer", at, required=False),
                    "title": self.text(item, "title", at, required=False),
                    "started_at": self.time(item, "started_at", at),
                    "ended_at": self.time(item, "ended_at", at, required=False),
                    "status": self.choice(item, "status", at, SESSION_STATUSES),
                    "current_stage_id": self.ref(
                        item, "current_stage_id", at, stages, required=False
                    ),
                    "updated_at": self.time(item, "updated_at", at),
                }
            )
        return ids

    def _progress(self, record: dict, where: str, sessions: set[str], stages: set[str]) -> None:
        seen: set[tuple] = set()
        for at, item in self.array(record, "progress", where):
            pair = (item.get("session_id"), item.get("stage_id"))
            if pair in seen:
                self.problem(at, "the same session and stage appear twice")
            seen.add(pair)
            self.rows["stage_progress"].append(
                {
                    "session_id": self.ref(item, "session_id", at, sessions),
                    "stage_id": self.ref(item, "stage_id", at, stages),
                    "outcome": self.choice(item, "outcome", at, OUTCOMES),
                    "reason": self.text(
                        item, "reason", at, required=False, limit=MAX_REASON_LENGTH
                    ),
                    "at": self.time(item, "at", at),
                }
            )

    def _entries(
        self,
        record: dict,
        where: str,
        sessions: set[str],
        stages: set[str],
        channels: dict[str, str],
        prompts: set[str],
        tags: dict[str, str],
        themes: set[str],
    ) -> dict[str, str | None]:
        """The entries; returns id -> lane."""
        ids: dict[str, str | None] = {}
        tag_ids = {name.casefold(): tag_id for tag_id, name in tags.items()}
        channel_ids = set(channels)
        for at, item in self.array(record, "entries", where):
            entry_id = self.new_id(item, at)
            text = self.text(item, "text", at, line=False, limit=MAX_ENTRY_LENGTH)
            session_id = self.ref(item, "session_id", at, sessions)
            stage_id = self.ref(item, "stage_id", at, stages)
            lane = self.choice(item, "lane", at, LANES)
            if entry_id:
                ids[entry_id] = lane
            row = {
                "id": entry_id,
                "session_id": session_id,
                "stage_id": stage_id,
                "lane": lane,
                "text": text,
                "channel_id": self.ref(item, "channel_id", at, channel_ids, required=False),
                "emotion": self.integer(item, "emotion", at, -2, 2, required=False),
                "effort": self.integer(item, "effort", at, 1, 7, required=False),
                "votes": self.integer(item, "votes", at, 0, None, required=False) or 0,
                "author": self.text(item, "author", at, required=False),
                "prompt_id": self.ref(item, "prompt_id", at, prompts, required=False),
                "created_at": self.time(item, "created_at", at),
                "updated_at": self.time(item, "updated_at", at),
                "deleted_at": self.time(item, "deleted_at", at, required=False),
            }
            if lane == "touchpoint" and row["channel_id"] is None:
                self.problem(at, "a touchpoint needs its channel_id")
            # A file from before themes has no theme_id: then a merge leaves ours alone.
            if "theme_id" in item:
                row["theme_id"] = self.ref(item, "theme_id", at, themes, required=False)
            self.rows["entries"].append(row)
            names = item.get("tags", [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                self.problem(f"{at}.tags", "must be a list of tag names")
                continue
            for name in dict.fromkeys(clean_line(n).casefold() for n in names):
                tag_id = tag_ids.get(name)
                if tag_id is None:
                    self.problem(f"{at}.tags", f"{name!r} is not in the study's tags")
                elif entry_id:
                    self.rows["entry_tags"].append({"entry_id": entry_id, "tag_id": tag_id})
        return ids

    def _links(self, record: dict, where: str, entries: dict[str, str | None]) -> None:
        seen: set[tuple] = set()
        ids = set(entries)
        for at, item in self.array(record, "entry_links", where):
            pair = (item.get("opportunity_id"), item.get("pain_id"))
            if pair in seen:
                self.problem(at, "the same opportunity and pain appear twice")
            seen.add(pair)
            opportunity = self.ref(item, "opportunity_id", at, ids)
            pain = self.ref(item, "pain_id", at, ids)
            for key, value, lane, named in (
                ("opportunity_id", opportunity, "opportunity", "an opportunity"),
                ("pain_id", pain, "pain", "a pain"),
            ):
                if value is not None and entries[value] not in (lane, None):
                    self.problem(
                        f"{at}.{key}", f"{value} is not {named} (its lane is {entries[value]})"
                    )
            self.rows["entry_links"].append(
                {
                    "opportunity_id": opportunity,
                    "pain_id": pain,
                    "author": self.text(item, "author", at, required=False),
                    "created_at": self.time(item, "created_at", at),
                }
            )

    def _votes(
        self, record: dict, where: str, entries: dict[str, str | None], sessions: set[str]
    ) -> None:
        seen: set[tuple] = set()
        ids = set(entries)
        for at, item in self.array(record, "votes", where):
            pair = (item.get("entry_id"), item.get("session_id"))
            if pair in seen:
                self.problem(at, "the same entry and session appear twice")
            seen.add(pair)
            self.rows["votes"].append(
                {
                    "entry_id": self.ref(item, "entry_id", at, ids),
                    "session_id": self.ref(item, "session_id", at, sessions),
                    "votes": self.integer(item, "votes", at, 0, None),
                    "updated_at": self.time(item, "updated_at", at),
                }
            )

    def _edits(self, record: dict, where: str, entries: set[str]) -> None:
        for at, item in self.array(record, "edits", where):
            values = {}
            for key in ("old", "new"):
                value = item.get(key)
                if value is not None and not isinstance(value, str | int | float):
                    self.problem(f"{at}.{key}", "must be a string, a number or null")
                values[key] = clean_text(value) if isinstance(value, str) else value
            self.rows["edits"].append(
                {
                    "id": self.new_id(item, at),
                    "entry_id": self.ref(item, "entry_id", at, entries),
                    "field": self.text(item, "field", at),
                    "old": values["old"],
                    "new": values["new"],
                    "author": self.text(item, "author", at, required=False),
                    "at": self.time(item, "at", at),
                }
            )
