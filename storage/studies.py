"""Studies and what defines them: stages, touchpoint channels, the interview guide."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from journey.storage.connection import new_id, now, write
from journey.storage.errors import DuplicateName, NotFound, StudyNotChosen, StudyNotFound
from journey.storage.models import Channel, Prompt, Stage, StageSpec, Study, StudySummary


def create_study(
    db: Database,
    name: str,
    *,
    template: str,
    stages: Sequence[StageSpec],
    channels: Sequence[str],
    description: str = "",
    consent_required: bool = True,
    demo: bool = False,
) -> Study:
    """A study with its stages, channels and guide, in one transaction; `demo` marks a
    study of generated data (the only kind `journey demo` adds to)."""
    name = name.strip()
    if not name:
        raise DuplicateName("a study needs a name")
    created = now()
    study_id = new_id()
    with write(db):
        if find_study(db, name) is not None:
            raise DuplicateName(f"a study named {name!r} already exists")
        db.execute(
            "INSERT INTO studies (id, name, description, template, created_at, updated_at, "
            "consent_required, demo) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                study_id,
                name,
                description,
                template,
                created,
                created,
                int(consent_required),
                int(demo),
            ],
        )
        for position, stage in enumerate(stages, start=1):
            stage_id = new_id()
            db.execute(
                "INSERT INTO stages (id, study_id, position, name, description) "
                "VALUES (?, ?, ?, ?, ?)",
                [stage_id, study_id, position, stage.name, stage.description],
            )
            for prompt_position, prompt in enumerate(stage.prompts, start=1):
                db.execute(
                    "INSERT INTO prompts (id, study_id, stage_id, position, lane, text, "
                    "answer_type) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        new_id(),
                        study_id,
                        stage_id,
                        prompt_position,
                        prompt.lane,
                        prompt.text,
                        prompt.answer_type,
                    ],
                )
        for channel in channels:
            db.execute(
                "INSERT INTO channels (id, study_id, name, created_at) VALUES (?, ?, ?, ?)",
                [new_id(), study_id, channel, created],
            )
    return Study(study_id, name, description, template, created, consent_required, demo)


_STUDY_COLUMNS = "id, name, description, template, created_at, consent_required, demo"


def _study(row: dict) -> Study:
    return Study(
        row["id"],
        row["name"],
        row["description"],
        row["template"],
        row["created_at"],
        bool(row["consent_required"]),
        bool(row["demo"]),
    )


def find_study(db: Database, name: str) -> Study | None:
    rows = list(
        db.query(
            f"SELECT {_STUDY_COLUMNS} FROM studies WHERE name = ? COLLATE NOCASE",
            [name.strip()],
        )
    )
    return _study(rows[0]) if rows else None


def get_study(db: Database, study_id: str) -> Study:
    rows = list(
        db.query(
            f"SELECT {_STUDY_COLUMNS} FROM studies WHERE id = ?",
            [study_id],
        )
    )
    if not rows:
        raise NotFound(f"no study with id {study_id}")
    return _study(rows[0])


def list_studies(db: Database) -> list[Study]:
    return [
        _study(row)
        for row in db.query(f"SELECT {_STUDY_COLUMNS} FROM studies ORDER BY name COLLATE NOCASE")
    ]


def resolve_study(db: Database, name: str | None) -> Study:
    """The study a command acts on: the one named, or the only one there is."""
    if name is not None:
        study = find_study(db, name)
        if study is None:
            names = ", ".join(s.name for s in list_studies(db)) or "none yet"
            raise StudyNotFound(f"no study named {name!r} (studies: {names})")
        return study
    studies = list_studies(db)
    if not studies:
        raise StudyNotFound(
            "the database has no study yet (create one with `journey init --study NAME`)"
        )
    if len(studies) > 1:
        names = ", ".join(repr(s.name) for s in studies)
        raise StudyNotChosen(f"several studies, choose one with --study: {names}")
    return studies[0]


def study_summaries(db: Database) -> list[StudySummary]:
    """What the home screen lists: each study with its customer sessions and their entries,
    its workshops apart, and its last activity."""
    return [
        StudySummary(
            row["id"],
            row["name"],
            row["template"],
            row["sessions"],
            row["entries"],
            row["last_activity"],
            row["workshops"],
        )
        for row in db.query(
            """
            SELECT s.id, s.name, s.template,
                (SELECT count(*) FROM sessions WHERE study_id = s.id AND mode <> 'workshop')
                    AS sessions,
                (SELECT count(*) FROM sessions WHERE study_id = s.id AND mode = 'workshop')
                    AS workshops,
                (SELECT count(*) FROM entries e JOIN sessions x ON x.id = e.session_id
                    WHERE x.study_id = s.id AND e.deleted_at IS NULL AND x.mode <> 'workshop')
                    AS entries,
                (SELECT max(updated_at) FROM sessions WHERE study_id = s.id) AS last_activity
            FROM studies s
            ORDER BY s.name COLLATE NOCASE
            """
        )
    ]


def stages(db: Database, study_id: str) -> list[Stage]:
    return [
        Stage(row["id"], row["study_id"], row["position"], row["name"], row["description"])
        for row in db.query(
            "SELECT id, study_id, position, name, description FROM stages "
            "WHERE study_id = ? ORDER BY position",
            [study_id],
        )
    ]


def channels(db: Database, study_id: str) -> list[Channel]:
    return [
        Channel(row["id"], row["study_id"], row["name"])
        for row in db.query(
            "SELECT id, study_id, name FROM channels WHERE study_id = ? ORDER BY created_at, rowid",
            [study_id],
        )
    ]


def rename_study(db: Database, study_id: str, name: str) -> Study:
    """Give a study another name (unique whatever its case)."""
    name = name.strip()
    if not name:
        raise DuplicateName("a study needs a name")
    with write(db):
        taken = db.execute(
            "SELECT id FROM studies WHERE name = ? COLLATE NOCASE AND id <> ?", [name, study_id]
        ).fetchone()
        if taken is not None:
            raise DuplicateName(f"a study named {name!r} already exists")
        changed = db.execute(
            "UPDATE studies SET name = ?, updated_at = ? WHERE id = ?", [name, now(), study_id]
        ).rowcount
        if not changed:
            raise NotFound("no such study (deleted meanwhile?)")
    return get_study(db, study_id)


def add_channel(db: Database, study_id: str, name: str) -> Channel:
    name = name.strip()
    if not name:
        raise DuplicateName("a channel needs a name")
    channel_id = new_id()
    with write(db):
        existing = list(
            db.query(
                "SELECT id FROM channels WHERE study_id = ? AND name = ? COLLATE NOCASE",
                [study_id, name],
            )
        )
        if existing:
            raise DuplicateName(f"the study already has a channel named {name!r}")
        db.execute(
            "INSERT INTO channels (id, study_id, name, created_at) VALUES (?, ?, ?, ?)",
            [channel_id, study_id, name, now()],
        )
    return Channel(channel_id, study_id, name)


def prompts(db: Database, study_id: str) -> list[Prompt]:
    return [
        Prompt(
            row["id"],
            row["study_id"],
            row["stage_id"],
            row["position"],
            row["lane"],
            row["text"],
            row["answer_type"],
        )
        for row in db.query(
            """
            SELECT p.id, p.study_id, p.stage_id, p.position, p.lane, p.text, p.answer_type
            FROM prompts p JOIN stages s ON s.id = p.stage_id
            WHERE p.study_id = ? ORDER BY s.position, p.position
            """,
            [study_id],
        )
    ]
