"""JSON export: whole studies, table by table, with their ids, for `journey import`.

The structure (version 1). Keys appear in this order; every key is always
present; values are JSON strings, integers or null unless said otherwise;
times are ISO 8601 strings in UTC as stored:

    {
      "format": "journey-export",          constant: what the file is
      "version": 1,                        this structure; a reader refuses higher ones
      "anonymized": false,                 true with --anonymize (see below)
      "filter": {                          what narrowed the export (null: not narrowed)
        "segment": null, "since": null,
        "lanes": null,                     or a list of lane names
        "include_deleted": false
      },
      "studies": [                         one object per study, by name
        {
          "id", "name", "description", "template", "created_at", "updated_at",
          "stages":       [{"id", "position", "name", "description"}],          by position
          "channels":     [{"id", "name", "created_at"}],                       study order
          "prompts":      [{"id", "stage_id", "position", "lane", "text",
                            "answer_type"}],                  by stage position, position
          "tags":         [{"id", "name"}],                                     by name
          "themes":       [{"id", "title", "author", "created_at", "updated_at",
                            "deleted_at"}],                        by created_at, id
          "participants": [{"id", "code", "segment", "consent_at",
                            "personal_name", "personal_contact",
                            "created_at", "updated_at"}],                        by code
          "sessions":     [{"id", "participant_id", "mode", "interviewer", "title",
                            "started_at", "ended_at", "status", "current_stage_id",
                            "updated_at"}],                           by started_at, id
          "progress":     [{"session_id", "stage_id", "outcome", "reason", "at"}],
                                                       by session order, stage position
          "entries":      [{"id", "session_id", "stage_id", "lane", "text",
                            "channel_id", "emotion", "effort", "votes", "author",
                            "prompt_id", "theme_id", "created_at", "updated_at",
                            "deleted_at", "tags"}],
                                          by session order, created_at, insertion order
          "entry_links":  [{"opportunity_id", "pain_id", "author", "created_at"}],
                                                    by opportunity order, pain order
          "votes":        [{"entry_id", "session_id", "votes", "updated_at"}],
                                                        by entry order, session order
          "edits":        [{"id", "entry_id", "field", "old", "new", "author", "at"}]
                                                                  by entry order, time
        }
      ]
    }

- Ids are the database's own (UUID text), so an import keeps them and a merge
  matches them. Every `*_id` refers to an object of the same study in this file
  (`prompt_id`, `channel_id`, `theme_id`, `participant_id`, `current_stage_id` may
  be null).
- `entries[].tags` is a list of tag names (sorted; each is in `tags`).
- The workshop: `themes` are grouped items (an entry's `theme_id` says which theme
  it is grouped into); an ungrouped theme has `deleted_at` set and is left out
  unless `filter.include_deleted` or an entry still points at it. `entry_links`
  point an opportunity entry at a pain entry it answers (both in `entries`).
  `votes` are the dot-votes each (workshop) session gave an entry, both in the
  file; `entries[].votes` is the entry's total, which may be more than its
  `votes` here (votes set without a session, or given by a session the filter
  left out).
- `themes`, `entry_links`, `votes` and `entries[].theme_id` came after the first
  files of version 1: a reader takes a file without them as one without
  workshop data.
- `lane` is one of goal, need, expectation, touchpoint, pain, delight, quote,
  opportunity, note; `mode` interview, workshop or survey; `status` in_progress
  or finished; `outcome` reached, dropped or skipped; `emotion` -2..2 or null;
  `effort` 1..7 or null; `answer_type` text, emotion or channel.
- Deleted (undone) entries are left out unless `filter.include_deleted`; then
  their `deleted_at` is set. With a session filter (segment, since), only the
  sessions it selects, their participants, progress, entries, edits, links and
  votes are exported; stages, channels, prompts, tags and (live) themes always
  are complete. With lanes, only entries of those lanes (and their edits, links and
  votes).
- With `"anonymized": true`: `participants[].code` is a pseudonym (`anon-` and 12
  hex digits, stable per participant), `personal_name` and `personal_contact`
  are null, `interviewer` and every `author` (entries, themes, links) are null,
  e-mail addresses and phone numbers in entry texts, session titles, theme titles
  and drop reasons are masked (`[email]`, `[phone]`), and `edits` is empty.
- Text has no control characters (line breaks are `\\n`). The file is UTF-8,
  one array element per line, so it diffs and streams well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from journey.capture.sanitize import clean_text
from journey.exports.export_scope import ExportScope
from journey.storage import study_tables

FORMAT = "journey-export"
VERSION = 1
PROGRESS_EVERY = 5_000
Progress = Callable[[int], None]


def _clean(record: dict) -> dict:
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in record.items()}


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Counter:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.pending = 0
        self.total = 0

    def add(self, n: int = 1) -> None:
        self.total += n
        self.pending += n
        if self.progress is not None and self.pending >= PROGRESS_EVERY:
            self.progress(self.pending)
            self.pending = 0

    def flush(self) -> None:
        if self.progress is not None and self.pending:
            self.progress(self.pending)
        self.pending = 0


def write_json(db, scope: ExportScope, stream: TextIO, progress: Progress | None = None) -> int:
    """Write the studies of `scope`; returns the number of entries written."""
    counter = _Counter(progress)
    entries = 0
    header = {
        "format": FORMAT,
        "version": VERSION,
        "anonymized": scope.anonymize,
        "filter": {
            "segment": scope.where.segment,
            "since": scope.where.since,
            "lanes": list(scope.lanes) if scope.lanes is not None else None,
            "include_deleted": scope.include_deleted,
        },
    }
    stream.write("{\n")
    for key, value in header.items():
        stream.write(f"  {_dump(key)}: {_dump(value)},\n")
    stream.write('  "studies": [')
    for index, study in enumerate(scope.studies):
        stream.write(",\n" if index else "\n")
        entries += _write_study(db, scope, study.id, stream, counter)
    stream.write("\n  ]\n}\n" if scope.studies else "]\n}\n")
    counter.flush()
    return entries


def _write_study(db, scope: ExportScope, study_id: str, stream: TextIO, counter: _Counter) -> int:
    record = _clean(study_tables.study_record(db, study_id))
    stream.write("    {\n")
    for key, value in record.items():
        stream.write(f"      {_dump(key)}: {_dump(value)},\n")
    where, lanes, deleted = scope.where, scope.lanes, scope.include_deleted
    arrays: list[tuple[str, Iterable[dict]]] = [
        ("stages", study_tables.iter_stages(db, study_id)),
        ("channels", study_tables.iter_channels(db, study_id)),
        ("prompts", study_tables.iter_prompts(db, study_id)),
        ("tags", study_tables.iter_tags(db, study_id)),
        ("themes", _themes(study_tables.iter_themes(db, study_id, deleted), scope)),
        ("participants", _participants(study_tables.iter_participants(db, study_id, where), scope)),
        ("sessions", _sessions(study_tables.iter_sessions(db, study_id, where), scope, counter)),
        ("progress", _progress(study_tables.iter_progress(db, study_id, where), scope)),
    ]
    entry_count = [0]
    arrays.append(
        (
            "entries",
            _entries(
                study_tables.iter_entries(db, study_id, where, lanes, deleted),
                scope,
                counter,
                entry_count,
            ),
        )
    )
    arrays.append(
        (
            "entry_links",
            _links(study_tables.iter_entry_links(db, study_id, where, lanes, deleted), scope),
        )
    )
    arrays.append(("votes", study_tables.iter_votes(db, study_id, where, lanes, deleted)))
    edits = () if scope.anonymize else study_tables.iter_edits(db, study_id, where, lanes, deleted)
    arrays.append(("edits", edits))
    try:
        for number, (key, items) in enumerate(arrays):
            _write_array(stream, key, items, last=number == len(arrays) - 1)
    finally:
        # End the queries now, not when the (perhaps closed) connection is gone.
        for _, items in arrays:
            close = getattr(items, "close", None)
            if close is not None:
                close()
    stream.write("    }")
    return entry_count[0]


def _write_array(stream: TextIO, key: str, items: Iterable[dict], *, last: bool) -> None:
    stream.write(f"      {_dump(key)}: [")
    first = True
    for item in items:
        stream.write("\n        " if first else ",\n        ")
        stream.write(_dump(_clean(item)))
        first = False
    stream.write("]" if first else "\n      ]")
    stream.write("\n" if last else ",\n")


def _participants(rows: Iterator[dict], scope: ExportScope) -> Iterator[dict]:
    for row in rows:
        if scope.anonymize:
            row["code"] = scope.participant(row["id"], row["code"])
            row["personal_name"] = None
            row["personal_contact"] = None
        yield row


def _themes(rows: Iterator[dict], scope: ExportScope) -> Iterator[dict]:
    for row in rows:
        if scope.anonymize:
            row["author"] = None
            row["title"] = scope.text(row["title"])
        yield row


def _links(rows: Iterator[dict], scope: ExportScope) -> Iterator[dict]:
    for row in rows:
        if scope.anonymize:
            row["author"] = None
        yield row


def _sessions(rows: Iterator[dict], scope: ExportScope, counter: _Counter) -> Iterator[dict]:
    for row in rows:
        if scope.anonymize:
            row["interviewer"] = None
            row["title"] = scope.text(row["title"])
        counter.add()
        yield row


def _progress(rows: Iterator[dict], scope: ExportScope) -> Iterator[dict]:
    for row in rows:
        if scope.anonymize:
            row["reason"] = scope.text(row["reason"])
        yield row


def _entries(
    rows: Iterator[dict], scope: ExportScope, counter: _Counter, count: list[int]
) -> Iterator[dict]:
    for row in rows:
        row["tags"] = [clean_text(t) for t in row["tags"].split("\x1f")] if row["tags"] else []
        if scope.anonymize:
            row["author"] = None
            row["text"] = scope.text(row["text"])
        counter.add()
        count[0] += 1
        yield row
