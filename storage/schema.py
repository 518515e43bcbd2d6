"""The schema, as named migrations. Never edit a released migration: add one."""

from __future__ import annotations

import sqlite3

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


# -- m003: map summaries kept by triggers ---------------------------------------------
# The unfiltered journey map reads these small tables instead of scanning every entry;
# triggers keep them in step with entries, tags, themes and stage progress inside the
# writing transaction, so every reader sees summaries and rows that agree.

_ITEM_KEY = """CASE
    WHEN EXISTS (SELECT 1 FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL)
        THEN 'theme:' || {r}.theme_id
    WHEN EXISTS (SELECT 1 FROM entry_tags et WHERE et.entry_id = {r}.id)
        THEN lower('#' || (SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
            WHERE et.entry_id = {r}.id ORDER BY t.name COLLATE NOCASE LIMIT 1))
    ELSE lower(trim({r}.text)) END"""
_ITEM_LABEL = """coalesce(
    (SELECT th.title FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL),
    (SELECT '#' || t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE et.entry_id = {r}.id ORDER BY t.name COLLATE NOCASE LIMIT 1),
    trim({r}.text))"""
_ITEM_THEME = (
    """(SELECT th.id FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL)"""
)


def _entry_add(r: str) -> str:
    """Count entry row `r` (NEW or a table alias) into the summaries, if it is live."""
    live = f"{r}.deleted_at IS NULL"
    return f"""
    INSERT INTO agg_cells (stage_id, lane, entries, sessions, emo_n, emo_sum, emo_sq)
        SELECT {r}.stage_id, {r}.lane, 1, 0, {r}.emotion IS NOT NULL, coalesce({r}.emotion, 0),
            coalesce({r}.emotion * {r}.emotion, 0) WHERE {live}
        ON CONFLICT (stage_id, lane) DO UPDATE SET entries = entries + 1,
            emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum,
            emo_sq = emo_sq + excluded.emo_sq;
    INSERT INTO agg_cell_sessions (session_id, stage_id, lane, n)
        SELECT {r}.session_id, {r}.stage_id, {r}.lane, 1 WHERE {live}
        ON CONFLICT (session_id, stage_id, lane) DO UPDATE SET n = n + 1;
    INSERT INTO agg_stage_sessions (session_id, stage_id, emo_n)
        SELECT {r}.session_id, {r}.stage_id, 1 WHERE {live} AND {r}.emotion IS NOT NULL
        ON CONFLICT (session_id, stage_id) DO UPDATE SET emo_n = emo_n + 1;
    INSERT INTO agg_channels (channel_id, stage_id, mentions, sessions, emo_n, emo_sum, went_on)
        SELECT {r}.channel_id, {r}.stage_id, 1, 0, {r}.emotion IS NOT NULL,
            coalesce({r}.emotion, 0), 0 WHERE {live} AND {r}.channel_id IS NOT NULL
        ON CONFLICT (channel_id, stage_id) DO UPDATE SET mentions = mentions + 1,
            emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum;
    INSERT INTO agg_channel_sessions (channel_id, stage_id, session_id, n)
        SELECT {r}.channel_id, {r}.stage_id, {r}.session_id, 1
        WHERE {live} AND {r}.channel_id IS NOT NULL
        ON CONFLICT (channel_id, stage_id, session_id) DO UPDATE SET n = n + 1;
    INSERT INTO agg_entry_keys (entry_id, stage_id, lane, session_id, key, label, theme_id,
            first, votes)
        SELECT {r}.id, {r}.stage_id, {r}.lane, {r}.session_id, {_ITEM_KEY.format(r=r)},
            {_ITEM_LABEL.format(r=r)}, {_ITEM_THEME.format(r=r)},
            {r}.created_at || char(31) || {r}.id, {r}.votes
        WHERE {live};
    """


def _entry_remove(r: str) -> str:
    """Take entry row `r` (OLD) out of the summaries, if it was live."""
    live = f"{r}.deleted_at IS NULL"
    return f"""
    UPDATE agg_cells SET entries = entries - 1, emo_n = emo_n - ({r}.emotion IS NOT NULL),
            emo_sum = emo_sum - coalesce({r}.emotion, 0),
            emo_sq = emo_sq - coalesce({r}.emotion * {r}.emotion, 0)
        WHERE {live} AND stage_id = {r}.stage_id AND lane = {r}.lane;
    UPDATE agg_cell_sessions SET n = n - 1
        WHERE {live} AND session_id = {r}.session_id AND stage_id = {r}.stage_id
            AND lane = {r}.lane;
    DELETE FROM agg_cell_sessions
        WHERE session_id = {r}.session_id AND stage_id = {r}.stage_id AND lane = {r}.lane
            AND n <= 0;
    UPDATE agg_stage_sessions SET emo_n = emo_n - 1
        WHERE {live} AND {r}.emotion IS NOT NULL AND session_id = {r}.session_id
            AND stage_id = {r}.stage_id;
    DELETE FROM agg_stage_sessions
        WHERE session_id = {r}.session_id AND stage_id = {r}.stage_id AND emo_n <= 0;
    UPDATE agg_channels SET mentions = mentions - 1,
            emo_n = emo_n - ({r}.emotion IS NOT NULL), emo_sum = emo_sum - coalesce({r}.emotion, 0)
        WHERE {live} AND channel_id = {r}.channel_id AND stage_id = {r}.stage_id;
    UPDATE agg_channel_sessions SET n = n - 1
        WHERE {live} AND channel_id = {r}.channel_id AND stage_id = {r}.stage_id
            AND session_id = {r}.session_id;
    DELETE FROM agg_channel_sessions
        WHERE channel_id = {r}.channel_id AND stage_id = {r}.stage_id
            AND session_id = {r}.session_id AND n <= 0;
    DELETE FROM agg_entry_keys WHERE entry_id = {r}.id;
    """


def _rekey(entry_id: str) -> str:
    """Count an entry under its item key again (its tags or theme changed)."""
    return f"""
    DELETE FROM agg_entry_keys WHERE entry_id = {entry_id};
    INSERT INTO agg_entry_keys (entry_id, stage_id, lane, session_id, key, label, theme_id,
            first, votes)
        SELECT e.id, e.stage_id, e.lane, e.session_id, {_ITEM_KEY.format(r="e")},
            {_ITEM_LABEL.format(r="e")}, {_ITEM_THEME.format(r="e")},
            e.created_at || char(31) || e.id, e.votes
        FROM entries e WHERE e.id = {entry_id} AND e.deleted_at IS NULL;
    """


_NEXT_STAGE = """(SELECT nx.id FROM stages cur JOIN stages nx ON nx.study_id = cur.study_id
    AND nx.position = cur.position + 1 WHERE cur.id = {stage})"""
_PREVIOUS_STAGE = """(SELECT pv.id FROM stages cur JOIN stages pv ON pv.study_id = cur.study_id
    AND pv.position = cur.position - 1 WHERE cur.id = {stage})"""


def _went_on(r: str, sign: str) -> str:
    """Progress row `r` at a stage: the channels its session met one stage earlier gain
    (or lose) a session that went on."""
    previous = _PREVIOUS_STAGE.format(stage=f"{r}.stage_id")
    return f"""
    UPDATE agg_channels SET went_on = went_on {sign} 1
        WHERE stage_id = {previous} AND channel_id IN (
            SELECT cs.channel_id FROM agg_channel_sessions cs
            WHERE cs.session_id = {r}.session_id AND cs.stage_id = {previous});
    """


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
        next_new=_NEXT_STAGE.format(stage="NEW.stage_id"),
        next_old=_NEXT_STAGE.format(stage="OLD.stage_id"),
    )
    for statement in _split_sql(statements):
        db.execute(statement)
    # Count what is already there (through the triggers just made), then follow changes.
    backfill = _entry_add("e").replace(
        "WHERE e.deleted_at IS NULL", "FROM entries e WHERE e.deleted_at IS NULL"
    )
    for statement in _split_sql(backfill):
        db.execute(statement)
    for statement in _split_sql(f"""
    CREATE TRIGGER agg_entries_in AFTER INSERT ON entries BEGIN {_entry_add("NEW")} END;
    CREATE TRIGGER agg_entries_out AFTER DELETE ON entries BEGIN {_entry_remove("OLD")} END;
    CREATE TRIGGER agg_entries_change AFTER UPDATE OF session_id, stage_id, lane, text,
            channel_id, emotion, votes, created_at, deleted_at, theme_id ON entries BEGIN
        {_entry_remove("OLD")}
        {_entry_add("NEW")}
    END;
    CREATE TRIGGER agg_entry_tags_in AFTER INSERT ON entry_tags BEGIN
        {_rekey("NEW.entry_id")}
    END;
    CREATE TRIGGER agg_entry_tags_out AFTER DELETE ON entry_tags BEGIN
        {_rekey("OLD.entry_id")}
    END;
    CREATE TRIGGER agg_themes_change AFTER UPDATE OF title, deleted_at ON themes BEGIN
        DELETE FROM agg_entry_keys
            WHERE entry_id IN (SELECT id FROM entries WHERE theme_id = NEW.id);
        INSERT INTO agg_entry_keys (entry_id, stage_id, lane, session_id, key, label, theme_id,
                first, votes)
            SELECT e.id, e.stage_id, e.lane, e.session_id, {_ITEM_KEY.format(r="e")},
                {_ITEM_LABEL.format(r="e")}, {_ITEM_THEME.format(r="e")},
                e.created_at || char(31) || e.id, e.votes
            FROM entries e WHERE e.theme_id = NEW.id AND e.deleted_at IS NULL;
    END;
    CREATE TRIGGER agg_progress_in AFTER INSERT ON stage_progress BEGIN
        {_went_on("NEW", "+")}
    END;
    CREATE TRIGGER agg_progress_out AFTER DELETE ON stage_progress BEGIN
        {_went_on("OLD", "-")}
    END;
    CREATE TRIGGER agg_progress_change AFTER UPDATE OF session_id, stage_id ON stage_progress
    BEGIN
        {_went_on("OLD", "-")}
        {_went_on("NEW", "+")}
    END
    """):
        db.execute(statement)


def _split_sql(script: str) -> list[str]:
    """The statements of a script, each CREATE TRIGGER ... END kept whole."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip())
    return statements


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
