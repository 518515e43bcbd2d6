"""The schema, as named migrations. Never edit a released migration: add one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from journey.storage.summary_sql import (
    ITEM_KEY,
    ITEM_LABEL,
    ITEM_THEME,
    NEXT_STAGE,
    entry_add,
    entry_remove,
    rekey,
    split_sql,
    went_on,
)

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


# -- m003: map summaries kept by triggers ---------------------------------------------
# The unfiltered journey map reads these small tables instead of scanning every entry;
# triggers keep them in step with entries, tags, themes and stage progress inside the
# writing transaction, so every reader sees summaries and rows that agree.


@migrations()
def m003_map_summaries(db: Database) -> None:
    statements = """
    CREATE TABLE agg_cells (
        stage_id TEXT NOT NULL, lane TEXT NOT NULL, entries INTEGER NOT NULL,
        sessions INTEGER NOT NULL, emo_n INTEGER NOT NULL, emo_sum INTEGER NOT NULL,
        emo_sq INTEGER NOT NULL, PRIMARY KEY (stage_id, lane)) WITHOUT ROWID;
    CREATE TABLE agg_cell_sessions (
        session_id TEXT NOT NULL, stage_id TEXT NOT NULL, lane TEXT NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (session_id, stage_id, lane)) WITHOUT ROWID;
    CREATE TABLE agg_stage_sessions (
        session_id TEXT NOT NULL, stage_id TEXT NOT NULL, emo_n INTEGER NOT NULL,
        PRIMARY KEY (session_id, stage_id)) WITHOUT ROWID;
    CREATE TABLE agg_stages (
        stage_id TEXT PRIMARY KEY, emo_sessions INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE agg_channels (
        channel_id TEXT NOT NULL, stage_id TEXT NOT NULL, mentions INTEGER NOT NULL,
        sessions INTEGER NOT NULL, emo_n INTEGER NOT NULL, emo_sum INTEGER NOT NULL,
        went_on INTEGER NOT NULL, PRIMARY KEY (channel_id, stage_id)) WITHOUT ROWID;
    CREATE TABLE agg_channel_sessions (
        channel_id TEXT NOT NULL, stage_id TEXT NOT NULL, session_id TEXT NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (channel_id, stage_id, session_id)) WITHOUT ROWID;
    CREATE INDEX agg_channel_sessions_session ON agg_channel_sessions (session_id, stage_id);
    CREATE TABLE agg_entry_keys (
        entry_id TEXT PRIMARY KEY, stage_id TEXT NOT NULL, lane TEXT NOT NULL,
        session_id TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, theme_id TEXT,
        first TEXT NOT NULL, votes INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX agg_entry_keys_item ON agg_entry_keys (stage_id, lane, key, first);
    CREATE INDEX agg_entry_keys_label ON agg_entry_keys (stage_id, lane, key, label);
    CREATE TABLE agg_items (
        stage_id TEXT NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
        theme_id TEXT, entries INTEGER NOT NULL, sessions INTEGER NOT NULL,
        votes INTEGER NOT NULL, first TEXT NOT NULL,
        PRIMARY KEY (stage_id, lane, key)) WITHOUT ROWID;
    CREATE TABLE agg_item_sessions (
        stage_id TEXT NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL, session_id TEXT NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (stage_id, lane, key, session_id)) WITHOUT ROWID;

    -- Distinct-session counts follow the per-session rows appearing and disappearing.
    CREATE TRIGGER agg_cell_sessions_in AFTER INSERT ON agg_cell_sessions BEGIN
        UPDATE agg_cells SET sessions = sessions + 1
            WHERE stage_id = NEW.stage_id AND lane = NEW.lane;
    END;
    CREATE TRIGGER agg_cell_sessions_out AFTER DELETE ON agg_cell_sessions BEGIN
        UPDATE agg_cells SET sessions = sessions - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane;
        DELETE FROM agg_cells WHERE stage_id = OLD.stage_id AND lane = OLD.lane
            AND entries <= 0 AND sessions <= 0;
    END;
    CREATE TRIGGER agg_stage_sessions_in AFTER INSERT ON agg_stage_sessions BEGIN
        INSERT INTO agg_stages (stage_id, emo_sessions) VALUES (NEW.stage_id, 1)
            ON CONFLICT (stage_id) DO UPDATE SET emo_sessions = emo_sessions + 1;
    END;
    CREATE TRIGGER agg_stage_sessions_out AFTER DELETE ON agg_stage_sessions BEGIN
        UPDATE agg_stages SET emo_sessions = emo_sessions - 1 WHERE stage_id = OLD.stage_id;
    END;
    CREATE TRIGGER agg_channel_sessions_in AFTER INSERT ON agg_channel_sessions BEGIN
        UPDATE agg_channels SET sessions = sessions + 1,
                went_on = went_on + EXISTS (SELECT 1 FROM stage_progress sp
                    WHERE sp.session_id = NEW.session_id
                        AND sp.stage_id = {next_new})
            WHERE channel_id = NEW.channel_id AND stage_id = NEW.stage_id;
    END;
    CREATE TRIGGER agg_channel_sessions_out AFTER DELETE ON agg_channel_sessions BEGIN
        UPDATE agg_channels SET sessions = sessions - 1,
                went_on = went_on - EXISTS (SELECT 1 FROM stage_progress sp
                    WHERE sp.session_id = OLD.session_id
                        AND sp.stage_id = {next_old})
            WHERE channel_id = OLD.channel_id AND stage_id = OLD.stage_id;
        DELETE FROM agg_channels WHERE channel_id = OLD.channel_id AND stage_id = OLD.stage_id
            AND mentions <= 0 AND sessions <= 0;
    END;
    CREATE TRIGGER agg_entry_keys_in AFTER INSERT ON agg_entry_keys BEGIN
        INSERT INTO agg_items (stage_id, lane, key, label, theme_id, entries, sessions, votes,
                first)
            VALUES (NEW.stage_id, NEW.lane, NEW.key, NEW.label, NEW.theme_id, 1, 0, NEW.votes,
                NEW.first)
            ON CONFLICT (stage_id, lane, key) DO UPDATE SET entries = entries + 1,
                votes = votes + excluded.votes, first = min(first, excluded.first),
                label = min(label, excluded.label);
        INSERT INTO agg_item_sessions (stage_id, lane, key, session_id, n)
            VALUES (NEW.stage_id, NEW.lane, NEW.key, NEW.session_id, 1)
            ON CONFLICT (stage_id, lane, key, session_id) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER agg_entry_keys_out AFTER DELETE ON agg_entry_keys BEGIN
        UPDATE agg_items SET entries = entries - 1, votes = votes - OLD.votes
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key;
        UPDATE agg_item_sessions SET n = n - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key
                AND session_id = OLD.session_id;
        DELETE FROM agg_item_sessions
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key
                AND session_id = OLD.session_id AND n <= 0;
        DELETE FROM agg_items WHERE stage_id = OLD.stage_id AND lane = OLD.lane
            AND key = OLD.key AND entries <= 0;
        UPDATE agg_items SET
                first = (SELECT min(k.first) FROM agg_entry_keys k WHERE k.stage_id = OLD.stage_id
                    AND k.lane = OLD.lane AND k.key = OLD.key),
                label = (SELECT min(k.label) FROM agg_entry_keys k
                    WHERE k.stage_id = OLD.stage_id AND k.lane = OLD.lane AND k.key = OLD.key)
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key
                AND (first = OLD.first OR label = OLD.label);
    END;
    CREATE TRIGGER agg_item_sessions_in AFTER INSERT ON agg_item_sessions BEGIN
        UPDATE agg_items SET sessions = sessions + 1
            WHERE stage_id = NEW.stage_id AND lane = NEW.lane AND key = NEW.key;
    END;
    CREATE TRIGGER agg_item_sessions_out AFTER DELETE ON agg_item_sessions BEGIN
        UPDATE agg_items SET sessions = sessions - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key;
    END;
    """.format(
        next_new=NEXT_STAGE.format(stage="NEW.stage_id"),
        next_old=NEXT_STAGE.format(stage="OLD.stage_id"),
    )
    for statement in split_sql(statements):
        db.execute(statement)
    # Count what is already there (through the triggers just made), then follow changes.
    backfill = entry_add("e").replace(
        "WHERE e.deleted_at IS NULL", "FROM entries e WHERE e.deleted_at IS NULL"
    )
    for statement in split_sql(backfill):
        db.execute(statement)
    for statement in split_sql(f"""
    CREATE TRIGGER agg_entries_in AFTER INSERT ON entries BEGIN {entry_add("NEW")} END;
    CREATE TRIGGER agg_entries_out AFTER DELETE ON entries BEGIN {entry_remove("OLD")} END;
    CREATE TRIGGER agg_entries_change AFTER UPDATE OF session_id, stage_id, lane, text,
            channel_id, emotion, votes, created_at, deleted_at, theme_id ON entries BEGIN
        {entry_remove("OLD")}
        {entry_add("NEW")}
    END;
    CREATE TRIGGER agg_entry_tags_in AFTER INSERT ON entry_tags BEGIN
        {rekey("NEW.entry_id")}
    END;
    CREATE TRIGGER agg_entry_tags_out AFTER DELETE ON entry_tags BEGIN
        {rekey("OLD.entry_id")}
    END;
    CREATE TRIGGER agg_themes_change AFTER UPDATE OF title, deleted_at ON themes BEGIN
        DELETE FROM agg_entry_keys
            WHERE entry_id IN (SELECT id FROM entries WHERE theme_id = NEW.id);
        INSERT INTO agg_entry_keys (entry_id, stage_id, lane, session_id, key, label, theme_id,
                first, votes)
            SELECT e.id, e.stage_id, e.lane, e.session_id, {ITEM_KEY.format(r="e")},
                {ITEM_LABEL.format(r="e")}, {ITEM_THEME.format(r="e")},
                e.created_at || char(31) || e.id, e.votes
            FROM entries e WHERE e.theme_id = NEW.id AND e.deleted_at IS NULL;
    END;
    CREATE TRIGGER agg_progress_in AFTER INSERT ON stage_progress BEGIN
        {went_on("NEW", "+")}
    END;
    CREATE TRIGGER agg_progress_out AFTER DELETE ON stage_progress BEGIN
        {went_on("OLD", "-")}
    END;
    CREATE TRIGGER agg_progress_change AFTER UPDATE OF session_id, stage_id ON stage_progress
    BEGIN
        {went_on("OLD", "-")}
        {went_on("NEW", "+")}
    END
    """):
        db.execute(statement)


@migrations()
def m004_evidence_and_items(db: Database) -> None:
    """Customer evidence apart from workshop opinion, items keyed by what was said.

    Entries store their item key (`storage.items.item_key`); studies say whether they
    require consent and whether they hold demo data; themes and links name the
    workshop that made them; survey emotion questions become notes (a touchpoint needs
    a channel); the summaries are rebuilt on the new definitions (`storage.summaries`)."""
    from journey.storage import items, summaries

    for statement in (
        "ALTER TABLE entries ADD COLUMN item_key TEXT",
        "ALTER TABLE studies ADD COLUMN consent_required INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE studies ADD COLUMN demo INTEGER NOT NULL DEFAULT 0",
        # Demo data always goes into a study of its own: the demo's default one is one.
        "UPDATE studies SET demo = 1 WHERE name = 'Demo study'",
        "ALTER TABLE themes ADD COLUMN session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL",
        "ALTER TABLE entry_links ADD COLUMN session_id TEXT REFERENCES sessions (id) "
        "ON DELETE SET NULL",
    ):
        db.execute(statement)
    old_triggers = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'agg\\_%' "
            "ESCAPE '\\'"
        ).fetchall()
    ]
    for name in old_triggers:
        db.execute(f"DROP TRIGGER {name}")
    for name in summaries.TABLE_NAMES:  # m003's tables had the same names
        db.execute(f"DROP TABLE IF EXISTS {name}")
    last = 0  # by rowid ranges: no cursor stays open on the table being updated
    while batch := db.conn.execute(
        "SELECT rowid, text FROM entries WHERE rowid > ? ORDER BY rowid LIMIT 5000", [last]
    ).fetchall():
        db.conn.executemany(
            "UPDATE entries SET item_key = ? WHERE rowid = ?",
            [(items.item_key(text), rowid) for rowid, text in batch],
        )
        last = batch[-1][0]
    emotion_prompts = "SELECT id FROM prompts WHERE answer_type = 'emotion' AND lane = 'touchpoint'"
    db.execute(
        f"UPDATE entries SET lane = 'note' WHERE lane = 'touchpoint' AND channel_id IS NULL "
        f"AND prompt_id IN ({emotion_prompts})"
    )
    db.execute(
        "UPDATE prompts SET lane = 'note' WHERE answer_type = 'emotion' AND lane = 'touchpoint'"
    )
    summaries.create(db)


@migrations()
def m005_views(db: Database) -> None:
    """Views for people who query the file (sqlite3, Datasette, pandas): `entry_details`,
    `session_details` and `table_guide`, which marks the `agg_*` summaries as derived
    (`storage.views`)."""
    from journey.storage import views

    views.create(db)


@migrations()
def m006_export_order(db: Database) -> None:
    """An index on sessions in the order the exports list them (by study, start, id), so
    that an export of entries walks studies, sessions and each session's entries
    (`entries_session`) in order instead of sorting them all."""
    db.execute("CREATE INDEX sessions_study_started ON sessions (study_id, started_at, id)")


@migrations()
def m007_tag_summaries(db: Database) -> None:
    """The tag facets of the map's cells kept as summaries (`storage.tag_summaries`), so
    that the map reads them instead of every tagged entry."""
    from journey.storage import tag_summaries

    tag_summaries.create(db)
