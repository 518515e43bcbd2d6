"""The schema, as named migrations. Never edit a released migration: add one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "journey"
migrations = Migrations(MIGRATION_SET)


def _run(db: Database, statements: str) -> None:
    # executescript() would commit the surrounding migration transaction, so the
    # statements run one by one inside it.
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_core_tables(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE studies (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX studies_name ON studies (name COLLATE NOCASE);

        CREATE TABLE stages (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            UNIQUE (study_id, position)
        );
        CREATE UNIQUE INDEX stages_study_name ON stages (study_id, name COLLATE NOCASE);

        CREATE TABLE channels (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX channels_study_name ON channels (study_id, name COLLATE NOCASE);

        CREATE TABLE prompts (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            stage_id TEXT NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            lane TEXT NOT NULL CHECK (lane IN ('goal', 'need', 'expectation', 'touchpoint',
                'pain', 'delight', 'quote', 'opportunity', 'note')),
            text TEXT NOT NULL,
            answer_type TEXT NOT NULL DEFAULT 'text'
                CHECK (answer_type IN ('text', 'emotion', 'channel')),
            UNIQUE (stage_id, position)
        );

        CREATE TABLE participants (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            segment TEXT,
            consent_at TEXT,
            personal_name TEXT,
            personal_contact TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX participants_study_code
            ON participants (study_id, code COLLATE NOCASE);

        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            participant_id TEXT REFERENCES participants (id) ON DELETE CASCADE,
            mode TEXT NOT NULL DEFAULT 'interview'
                CHECK (mode IN ('interview', 'workshop', 'survey')),
            interviewer TEXT,
            title TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL DEFAULT 'in_progress'
                CHECK (status IN ('in_progress', 'finished')),
            current_stage_id TEXT REFERENCES stages (id),
            updated_at TEXT NOT NULL
        );
        CREATE INDEX sessions_study_status ON sessions (study_id, status);
        CREATE INDEX sessions_participant ON sessions (participant_id);

        CREATE TABLE entries (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            stage_id TEXT NOT NULL REFERENCES stages (id),
            lane TEXT NOT NULL CHECK (lane IN ('goal', 'need', 'expectation', 'touchpoint',
                'pain', 'delight', 'quote', 'opportunity', 'note')),
            text TEXT NOT NULL,
            channel_id TEXT REFERENCES channels (id),
            emotion INTEGER CHECK (emotion BETWEEN -2 AND 2),
            effort INTEGER CHECK (effort BETWEEN 1 AND 7),
            votes INTEGER NOT NULL DEFAULT 0,
            author TEXT,
            prompt_id TEXT REFERENCES prompts (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE INDEX entries_session ON entries (session_id, created_at);
        CREATE INDEX entries_stage_lane
            ON entries (stage_id, lane, deleted_at, session_id, emotion);
        CREATE INDEX entries_channel_stage ON entries (channel_id, stage_id, deleted_at, emotion);

        CREATE TABLE stage_progress (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            stage_id TEXT NOT NULL REFERENCES stages (id),
            outcome TEXT NOT NULL CHECK (outcome IN ('reached', 'dropped', 'skipped')),
            reason TEXT,
            at TEXT NOT NULL,
            PRIMARY KEY (session_id, stage_id)
        );
        CREATE INDEX stage_progress_stage ON stage_progress (stage_id, outcome);

        CREATE TABLE tags (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            name TEXT NOT NULL
        );
        CREATE UNIQUE INDEX tags_study_name ON tags (study_id, name COLLATE NOCASE);

        CREATE TABLE entry_tags (
            entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
            tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
            PRIMARY KEY (entry_id, tag_id)
        );
        CREATE INDEX entry_tags_tag ON entry_tags (tag_id);

        CREATE TABLE edits (
            id TEXT PRIMARY KEY,
            entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            old TEXT,
            new TEXT,
            author TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX edits_entry ON edits (entry_id, at);

        CREATE TABLE drafts (
            session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    )


def known_migrations() -> list[str]:
    """Names of every migration this code knows, oldest first."""
    return [m.name for m in migrations.pending(Database(memory=True))]


@migrations()
def m002_workshop(db: Database) -> None:
    """Dot-votes per workshop session, themes (grouped items) and opportunity-pain links."""
    _run(
        db,
        """
        CREATE TABLE votes (
            entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            votes INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entry_id, session_id)
        );

        CREATE TABLE themes (
            id TEXT PRIMARY KEY,
            study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            author TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );

        ALTER TABLE entries ADD COLUMN theme_id TEXT REFERENCES themes (id) ON DELETE SET NULL;
        CREATE INDEX entries_theme ON entries (theme_id) WHERE theme_id IS NOT NULL;

        CREATE TABLE entry_links (
            opportunity_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
            pain_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
            author TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (opportunity_id, pain_id)
        );
        CREATE INDEX entry_links_pain ON entry_links (pain_id)
        """,
    )
