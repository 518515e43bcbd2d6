"""Writing imported sessions: names resolved to ids, all of it in one transaction.

`exports/importer.py` reads and validates a file into `StudyImport` records that
name things the way a file does (study, stage, channel, participant code, tag);
`import_studies` resolves those names against the database inside one
BEGIN IMMEDIATE transaction, creates what is missing (the study with its stages
when the import says how, channels, participants, tags) and inserts the
sessions, their entries and stage progress. A session whose id is already in
the database is skipped with its entries, so importing a file twice adds
nothing. With `dry_run` the same work runs on a read snapshot and nothing is
written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from journey.storage.bulk import insert_batches
from journey.storage.connection import new_id, now, read, write
from journey.storage.errors import InvalidValue, StudyNotFound
from journey.storage.models import StageSpec
from journey.storage.sessions import next_code

# Parents before children, so foreign keys hold at every statement.
IMPORT_ORDER = (
    "studies",
    "stages",
    "prompts",
    "channels",
    "participants",
    "sessions",
    "stage_progress",
    "tags",
    "entries",
    "entry_tags",
)
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
_FLUSH = 5_000  # entries held before they are written (inside the one transaction)


@dataclass(frozen=True)
class NewStudy:
    """How to create the study of an import when the database does not have it."""

    template: str
    description: str
    stages: tuple[tuple[int, StageSpec], ...]  # (position, stage)
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    stage: str  # stage name
    lane: str
    text: str
    created_at: str
    updated_at: str
    channel: str | None = None  # channel name
    emotion: int | None = None
    effort: int | None = None
    votes: int = 0
    tags: tuple[str, ...] = ()
    author: str | None = None
    deleted_at: str | None = None


@dataclass
class ImportedSession:
    id: str
    mode: str
    participant_code: str | None = None
    segment: str | None = None
    interviewer: str | None = None
    title: str | None = None
    status: str = "finished"
    entries: list[ImportedEntry] = field(default_factory=list)
    # Without a code: the prefix of the code to give, the next free one of the study,
    # chosen inside the import's write transaction.
    code_prefix: str | None = None


@dataclass
class StudyImport:
    name: str
    new_study: NewStudy | None  # None: the study must exist
    sessions: list[ImportedSession] = field(default_factory=list)


@dataclass
class StudyImportResult:
    study: str
    created: bool = False
    template: str | None = None
    sessions: int = 0
    entries: int = 0
    skipped_sessions: int = 0
    skipped_entries: int = 0
    participants: int = 0  # new ones
    channels: list[str] = field(default_factory=list)  # new ones
    tags: list[str] = field(default_factory=list)  # new ones


@dataclass(frozen=True)
class StudyLayout:
    """What validation needs to know of an existing study."""

    id: str
    name: str
    template: str
    stages: tuple[tuple[int, str], ...]  # (position, name)
    channels: tuple[str, ...]


def study_layout(db: Database, name: str) -> StudyLayout | None:
    rows = list(
        db.query(
            "SELECT id, name, template FROM studies WHERE name = ? COLLATE NOCASE", [name.strip()]
        )
    )
    if not rows:
        return None
    study = rows[0]
    stage_rows = db.query(
        "SELECT position, name FROM stages WHERE study_id = ? ORDER BY position", [study["id"]]
    )
    channel_rows = db.query(
        "SELECT name FROM channels WHERE study_id = ? ORDER BY created_at, rowid", [study["id"]]
    )
    return StudyLayout(
        study["id"],
        study["name"],
        study["template"],
        tuple((row["position"], row["name"]) for row in stage_rows),
        tuple(row["name"] for row in channel_rows),
    )


def existing_session_ids(db: Database, ids: Iterable[str]) -> set[str]:
    """Which of `ids` are sessions in the database already."""
    found: set[str] = set()
    pending = list(dict.fromkeys(ids))
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        found.update(
            row["id"]
            for row in db.query(
                f"SELECT id FROM sessions WHERE id IN ({', '.join('?' for _ in chunk)})", chunk
            )
        )
    return found


def import_studies(
    db: Database, imports: Sequence[StudyImport], *, dry_run: bool = False
) -> list[StudyImportResult]:
    """Write the sessions of `imports` in one transaction (none of them on any error).

    With `dry_run`, work out the same results on a read snapshot and write nothing.
    """
    transaction = read(db) if dry_run else write(db)
    with transaction:
        results: list[StudyImportResult] = []
        rows = _Rows(db, dry_run)
        for item in imports:
            results.append(_import_study(db, item, rows))
        rows.flush()
    return results


class _Rows(dict):
    """Rows to insert, table by table, written in batches (parents first, so every
    batch satisfies the foreign keys) to keep memory flat; in a dry run, dropped."""

    def __init__(self, db: Database, dry_run: bool) -> None:
        super().__init__({table: [] for table in IMPORT_ORDER})
        self.db = db
        self.dry_run = dry_run

    def maybe_flush(self) -> None:
        if len(self["entries"]) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        if not self.dry_run:
            insert_batches(self.db, self, IMPORT_ORDER)
        for batch in self.values():
            batch.clear()


class _Names:
    """Lower-cased name to id for one kind of row of a study, growing as rows are added."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = list(pairs)
        self.ids = {name.casefold(): row_id for name, row_id in pairs}
        self.names = [name for name, _ in pairs]

    def get(self, name: str) -> str | None:
        return self.ids.get(name.casefold())

    def add(self, name: str, row_id: str) -> None:
        self.ids[name.casefold()] = row_id
        self.names.append(name)


def _import_study(db: Database, item: StudyImport, rows: _Rows) -> StudyImportResult:
    result = StudyImportResult(item.name)
    stamp = now()
    found = list(
        db.query("SELECT id, name FROM studies WHERE name = ? COLLATE NOCASE", [item.name.strip()])
    )
    if found:
        study_id = found[0]["id"]
        result.study = found[0]["name"]
        stages = _Names(
            (row["name"], row["id"])
            for row in db.query("SELECT id, name FROM stages WHERE study_id = ?", [study_id])
        )
        channels = _Names(
            (row["name"], row["id"])
            for row in db.query("SELECT id, name FROM channels WHERE study_id = ?", [study_id])
        )
        tags = _Names(
            (row["name"], row["id"])
            for row in db.query("SELECT id, name FROM tags WHERE study_id = ?", [study_id])
        )
        participants = _Names(
            (row["code"], row["id"])
            for row in db.query("SELECT id, code FROM participants WHERE study_id = ?", [study_id])
        )
    elif item.new_study is None:
        raise StudyNotFound(f"no study named {item.name!r}")
    else:
        study_id = new_id()
        result.created = True
        result.template = item.new_study.template
        stages, channels = _create_study(study_id, item, stamp, rows)
        tags = _Names(())
        participants = _Names(())

    known = existing_session_ids(db, (s.id for s in item.sessions))
    for session in item.sessions:
        if session.id in known or not session.entries:
            result.skipped_sessions += 1
            result.skipped_entries += len(session.entries)
            continue
        known.add(session.id)
        participant_id = None
        if not session.participant_code and session.code_prefix:
            session.participant_code = next_code(participants.names, session.code_prefix)
        if session.participant_code:
            participant_id = participants.get(session.participant_code)
            if participant_id is None:
                participant_id = new_id()
                participants.add(session.participant_code, participant_id)
                result.participants += 1
                first = min(e.created_at for e in session.entries)
                rows["participants"].append(
                    {
                        "id": participant_id,
                        "study_id": study_id,
                        "code": session.participant_code,
                        "segment": session.segment,
                        "consent_at": None,
                        "created_at": first,
                        "updated_at": first,
                    }
                )
        _add_session(session, study_id, participant_id, stages, channels, tags, rows, result)
        rows.maybe_flush()
    return result


def _create_study(
    study_id: str, item: StudyImport, stamp: str, rows: dict[str, list[dict]]
) -> tuple[_Names, _Names]:
    spec = item.new_study
    assert spec is not None
    rows["studies"].append(
        {
            "id": study_id,
            "name": item.name.strip(),
            "description": spec.description,
            "template": spec.template,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    stages = _Names(())
    for position, stage in spec.stages:
        stage_id = new_id()
        stages.add(stage.name, stage_id)
        rows["stages"].append(
            {
                "id": stage_id,
                "study_id": study_id,
                "position": position,
                "name": stage.name,
                "description": stage.description,
            }
        )
        for prompt_position, prompt in enumerate(stage.prompts, start=1):
            rows["prompts"].append(
                {
                    "id": new_id(),
                    "study_id": study_id,
                    "stage_id": stage_id,
                    "position": prompt_position,
                    "lane": prompt.lane,
                    "text": prompt.text,
                    "answer_type": prompt.answer_type,
                }
            )
    channels = _Names(())
    for name in spec.channels:
        if channels.get(name) is None:
            channel_id = new_id()
            channels.add(name, channel_id)
            rows["channels"].append(
                {"id": channel_id, "study_id": study_id, "name": name, "created_at": stamp}
            )
    return stages, channels


def _channel_for(
    entry: ImportedEntry,
    study_id: str,
    channels: _Names,
    rows: dict[str, list[dict]],
    result: StudyImportResult,
) -> str | None:
    """The id of the entry's channel, made (and counted) the first time it is named."""
    if not entry.channel:
        return None
    extra = {"study_id": study_id, "created_at": entry.created_at}
    return _named_row(channels, entry.channel, "channels", extra, rows, result.channels)


def _named_row(
    known: _Names,
    name: str,
    table: str,
    columns: Mapping[str, object],
    rows: dict[str, list[dict]],
    made: list[str],
) -> str:
    """The id of the channel or tag `name`, a new row of `table` the first time."""
    row_id = known.get(name)
    if row_id is None:
        row_id = new_id()
        known.add(name, row_id)
        made.append(name)
        rows[table].append({"id": row_id, "name": name, **columns})
    return row_id


def _add_session(
    session: ImportedSession,
    study_id: str,
    participant_id: str | None,
    stages: _Names,
    channels: _Names,
    tags: _Names,
    rows: dict[str, list[dict]],
    result: StudyImportResult,
) -> None:
    entries = sorted(session.entries, key=lambda e: e.created_at)
    reached: dict[str, str] = {}  # stage id -> when first reached
    last_stage = None
    for entry in entries:
        stage_id = stages.get(entry.stage)
        if stage_id is None:
            raise InvalidValue(f"the study has no stage named {entry.stage!r}")
        reached.setdefault(stage_id, entry.created_at)
        last_stage = stage_id
        channel_id = _channel_for(entry, study_id, channels, rows, result)
        entry_id = new_id()
        rows["entries"].append(
            {
                "id": entry_id,
                "session_id": session.id,
                "stage_id": stage_id,
                "lane": entry.lane,
                "text": entry.text,
                "channel_id": channel_id,
                "emotion": entry.emotion,
                "effort": entry.effort,
                "votes": entry.votes,
                "author": entry.author,
                "prompt_id": None,
                "created_at": entry.created_at,
                "updated_at": entry.updated_at,
                "deleted_at": entry.deleted_at,
            }
        )
        for name in entry.tags:
            tag_id = _named_row(tags, name, "tags", {"study_id": study_id}, rows, result.tags)
            rows["entry_tags"].append({"entry_id": entry_id, "tag_id": tag_id})
    started = entries[0].created_at
    last = max(max(e.updated_at, e.created_at) for e in entries)
    rows["sessions"].append(
        {
            "id": session.id,
            "study_id": study_id,
            "participant_id": participant_id,
            "mode": session.mode,
            "interviewer": session.interviewer,
            "title": session.title,
            "started_at": started,
            "ended_at": last if session.status == "finished" else None,
            "status": session.status,
            "current_stage_id": last_stage,
            "updated_at": last,
        }
    )
    for stage_id, at in reached.items():
        rows["stage_progress"].append(
            {
                "session_id": session.id,
                "stage_id": stage_id,
                "outcome": "reached",
                "reason": None,
                "at": at,
            }
        )
    result.sessions += 1
    result.entries += len(entries)
