"""The map summaries (`agg_*` tables): what the unfiltered journey map reads instead of
scanning every entry. They are derived data: `rebuild` recounts them from the entries,
and triggers keep them in step with every write inside the writing transaction, so a
reader always sees summaries and rows that agree.

One ledger row per live entry (`agg_entry_keys`) records what the entry was counted
as: its stage, lane, session, channel, emotion, item key (DESIGN.md: a theme, else
`entries.item_key`), label, votes and whether it is customer evidence (its session
is an interview or a survey) or workshop opinion. Every other summary follows the
ledger: a ledger row in counts the entry, a ledger row out takes back exactly what
it counted, whatever the entry or its session say by then.

- `agg_cells`, `agg_cell_sessions`: evidence entries and sessions per stage and lane,
  with the sums behind the mean emotion and its spread;
- `agg_stage_sessions`, `agg_stages`: evidence sessions with a rated entry per stage;
- `agg_channels`, `agg_channel_sessions`: evidence touchpoints per channel and stage (an
  entry of another lane that names a channel is no touchpoint);
- `agg_items`, `agg_item_sessions`: per item, evidence entries and sessions, workshop
  stickies and the dot-votes on all of its entries.

This is the summaries' schema of migration m004; a later change is a new migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

# Whether the entry row `r` is customer evidence: not in a workshop session.
_EVIDENCE = "coalesce((SELECT x.mode <> 'workshop' FROM sessions x WHERE x.id = {r}.session_id), 1)"
_LIVE_THEME = "(SELECT th.id FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL)"
# A theme is the one thing that merges items; otherwise the stored item key (a row
# written by another tool without one falls back to its lower-cased text).
_KEY = (
    f"CASE WHEN {_LIVE_THEME} IS NOT NULL THEN 'theme:' || {{r}}.theme_id "
    "ELSE coalesce({r}.item_key, lower(trim({r}.text))) END"
)
_LABEL = (
    "coalesce((SELECT th.title FROM themes th WHERE th.id = {r}.theme_id "
    "AND th.deleted_at IS NULL), {r}.text)"
)
_LEDGER_COLUMNS = (
    "entry_id, stage_id, lane, session_id, channel_id, emotion, evidence, key, label, "
    "theme_id, first, votes"
)


def _ledger_select(r: str) -> str:
    """The ledger row of entry row `r` (NEW, or a table alias)."""
    return (
        f"SELECT {r}.id, {r}.stage_id, {r}.lane, {r}.session_id, {r}.channel_id, {r}.emotion, "
        f"{_EVIDENCE.format(r=r)}, {_KEY.format(r=r)}, {_LABEL.format(r=r)}, "
        f"{_LIVE_THEME.format(r=r)}, {r}.created_at || char(31) || {r}.id, {r}.votes"
    )


TABLES = """
CREATE TABLE agg_entry_keys (
    entry_id TEXT PRIMARY KEY, stage_id TEXT NOT NULL, lane TEXT NOT NULL,
    session_id TEXT NOT NULL, channel_id TEXT, emotion INTEGER, evidence INTEGER NOT NULL,
    key TEXT NOT NULL, label TEXT NOT NULL, theme_id TEXT, first TEXT NOT NULL,
    votes INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX agg_entry_keys_item ON agg_entry_keys (stage_id, lane, key, first);
CREATE INDEX agg_entry_keys_label ON agg_entry_keys (stage_id, lane, key, label);
CREATE INDEX agg_entry_keys_session ON agg_entry_keys (session_id);
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
    PRIMARY KEY (channel_id, stage_id)) WITHOUT ROWID;
CREATE TABLE agg_channel_sessions (
    channel_id TEXT NOT NULL, stage_id TEXT NOT NULL, session_id TEXT NOT NULL,
    n INTEGER NOT NULL, PRIMARY KEY (channel_id, stage_id, session_id)) WITHOUT ROWID;
CREATE INDEX agg_channel_sessions_session ON agg_channel_sessions (session_id, stage_id);
CREATE TABLE agg_items (
    stage_id TEXT NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
    theme_id TEXT, entries INTEGER NOT NULL, sessions INTEGER NOT NULL,
    workshop_entries INTEGER NOT NULL, votes INTEGER NOT NULL, first TEXT NOT NULL,
    PRIMARY KEY (stage_id, lane, key)) WITHOUT ROWID;
CREATE TABLE agg_item_sessions (
    stage_id TEXT NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL, session_id TEXT NOT NULL,
    n INTEGER NOT NULL, PRIMARY KEY (stage_id, lane, key, session_id)) WITHOUT ROWID
"""
TABLE_NAMES = (
    "agg_entry_keys",
    "agg_cells",
    "agg_cell_sessions",
    "agg_stage_sessions",
    "agg_stages",
    "agg_channels",
    "agg_channel_sessions",
    "agg_items",
    "agg_item_sessions",
)

TRIGGERS: dict[str, str] = {
    # The entries keep their ledger rows: an entry in, out, or changed in any way counted.
    "agg_entries_in": f"""
    CREATE TRIGGER agg_entries_in AFTER INSERT ON entries WHEN NEW.deleted_at IS NULL BEGIN
        INSERT INTO agg_entry_keys ({_LEDGER_COLUMNS}) {_ledger_select("NEW")};
    END""",
    "agg_entries_out": """
    CREATE TRIGGER agg_entries_out AFTER DELETE ON entries BEGIN
        DELETE FROM agg_entry_keys WHERE entry_id = OLD.id;
    END""",
    "agg_entries_change": f"""
    CREATE TRIGGER agg_entries_change AFTER UPDATE OF session_id, stage_id, lane, text,
            item_key, channel_id, emotion, votes, created_at, deleted_at, theme_id ON entries
    BEGIN
        DELETE FROM agg_entry_keys WHERE entry_id = OLD.id;
        INSERT INTO agg_entry_keys ({_LEDGER_COLUMNS})
            {_ledger_select("NEW")} WHERE NEW.deleted_at IS NULL;
    END""",
    # A theme renamed, ungrouped or regrouped, or a session that changes its mode, changes
    # how its entries count: touching them recounts them through the trigger above.
    "agg_themes_change": """
    CREATE TRIGGER agg_themes_change AFTER UPDATE OF title, deleted_at ON themes BEGIN
        UPDATE entries SET theme_id = theme_id WHERE theme_id = NEW.id;
    END""",
    "agg_sessions_mode": """
    CREATE TRIGGER agg_sessions_mode AFTER UPDATE OF mode ON sessions
    WHEN OLD.mode IS NOT NEW.mode BEGIN
        UPDATE entries SET session_id = session_id WHERE session_id = NEW.id;
    END""",
    # Every summary follows the ledger.
    "agg_entry_keys_in": """
    CREATE TRIGGER agg_entry_keys_in AFTER INSERT ON agg_entry_keys BEGIN
        INSERT INTO agg_items (stage_id, lane, key, label, theme_id, entries, sessions,
                workshop_entries, votes, first)
            VALUES (NEW.stage_id, NEW.lane, NEW.key, NEW.label, NEW.theme_id, NEW.evidence, 0,
                1 - NEW.evidence, NEW.votes, NEW.first)
            ON CONFLICT (stage_id, lane, key) DO UPDATE SET
                entries = entries + excluded.entries,
                workshop_entries = workshop_entries + excluded.workshop_entries,
                votes = votes + excluded.votes, first = min(first, excluded.first),
                label = min(label, excluded.label);
        INSERT INTO agg_item_sessions (stage_id, lane, key, session_id, n)
            SELECT NEW.stage_id, NEW.lane, NEW.key, NEW.session_id, 1 WHERE NEW.evidence
            ON CONFLICT (stage_id, lane, key, session_id) DO UPDATE SET n = n + 1;
        INSERT INTO agg_cells (stage_id, lane, entries, sessions, emo_n, emo_sum, emo_sq)
            SELECT NEW.stage_id, NEW.lane, 1, 0, NEW.emotion IS NOT NULL,
                coalesce(NEW.emotion, 0), coalesce(NEW.emotion * NEW.emotion, 0)
            WHERE NEW.evidence
            ON CONFLICT (stage_id, lane) DO UPDATE SET entries = entries + 1,
                emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum,
                emo_sq = emo_sq + excluded.emo_sq;
        INSERT INTO agg_cell_sessions (session_id, stage_id, lane, n)
            SELECT NEW.session_id, NEW.stage_id, NEW.lane, 1 WHERE NEW.evidence
            ON CONFLICT (session_id, stage_id, lane) DO UPDATE SET n = n + 1;
        INSERT INTO agg_stage_sessions (session_id, stage_id, emo_n)
            SELECT NEW.session_id, NEW.stage_id, 1
            WHERE NEW.evidence AND NEW.emotion IS NOT NULL
            ON CONFLICT (session_id, stage_id) DO UPDATE SET emo_n = emo_n + 1;
        INSERT INTO agg_channels (channel_id, stage_id, mentions, sessions, emo_n, emo_sum)
            SELECT NEW.channel_id, NEW.stage_id, 1, 0, NEW.emotion IS NOT NULL,
                coalesce(NEW.emotion, 0)
            WHERE NEW.evidence AND NEW.channel_id IS NOT NULL AND NEW.lane = 'touchpoint'
            ON CONFLICT (channel_id, stage_id) DO UPDATE SET mentions = mentions + 1,
                emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum;
        INSERT INTO agg_channel_sessions (channel_id, stage_id, session_id, n)
            SELECT NEW.channel_id, NEW.stage_id, NEW.session_id, 1
            WHERE NEW.evidence AND NEW.channel_id IS NOT NULL AND NEW.lane = 'touchpoint'
            ON CONFLICT (channel_id, stage_id, session_id) DO UPDATE SET n = n + 1;
    END""",
    "agg_entry_keys_out": """
    CREATE TRIGGER agg_entry_keys_out AFTER DELETE ON agg_entry_keys BEGIN
        UPDATE agg_items SET entries = entries - OLD.evidence,
                workshop_entries = workshop_entries - (1 - OLD.evidence),
                votes = votes - OLD.votes
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key;
        DELETE FROM agg_items WHERE stage_id = OLD.stage_id AND lane = OLD.lane
            AND key = OLD.key AND entries + workshop_entries <= 0;
        UPDATE agg_items SET
                first = (SELECT min(k.first) FROM agg_entry_keys k WHERE k.stage_id = OLD.stage_id
                    AND k.lane = OLD.lane AND k.key = OLD.key),
                label = (SELECT min(k.label) FROM agg_entry_keys k
                    WHERE k.stage_id = OLD.stage_id AND k.lane = OLD.lane AND k.key = OLD.key)
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key
                AND (first = OLD.first OR label = OLD.label);
        UPDATE agg_item_sessions SET n = n - 1
            WHERE OLD.evidence AND stage_id = OLD.stage_id AND lane = OLD.lane
                AND key = OLD.key AND session_id = OLD.session_id;
        DELETE FROM agg_item_sessions
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key
                AND session_id = OLD.session_id AND n <= 0;
        UPDATE agg_cells SET entries = entries - 1, emo_n = emo_n - (OLD.emotion IS NOT NULL),
                emo_sum = emo_sum - coalesce(OLD.emotion, 0),
                emo_sq = emo_sq - coalesce(OLD.emotion * OLD.emotion, 0)
            WHERE OLD.evidence AND stage_id = OLD.stage_id AND lane = OLD.lane;
        UPDATE agg_cell_sessions SET n = n - 1
            WHERE OLD.evidence AND session_id = OLD.session_id AND stage_id = OLD.stage_id
                AND lane = OLD.lane;
        DELETE FROM agg_cell_sessions
            WHERE session_id = OLD.session_id AND stage_id = OLD.stage_id AND lane = OLD.lane
                AND n <= 0;
        UPDATE agg_stage_sessions SET emo_n = emo_n - 1
            WHERE OLD.evidence AND OLD.emotion IS NOT NULL AND session_id = OLD.session_id
                AND stage_id = OLD.stage_id;
        DELETE FROM agg_stage_sessions
            WHERE session_id = OLD.session_id AND stage_id = OLD.stage_id AND emo_n <= 0;
        UPDATE agg_channels SET mentions = mentions - 1,
                emo_n = emo_n - (OLD.emotion IS NOT NULL),
                emo_sum = emo_sum - coalesce(OLD.emotion, 0)
            WHERE OLD.evidence AND OLD.lane = 'touchpoint' AND channel_id = OLD.channel_id
                AND stage_id = OLD.stage_id;
        UPDATE agg_channel_sessions SET n = n - 1
            WHERE OLD.evidence AND OLD.lane = 'touchpoint' AND channel_id = OLD.channel_id
                AND stage_id = OLD.stage_id AND session_id = OLD.session_id;
        DELETE FROM agg_channel_sessions
            WHERE channel_id = OLD.channel_id AND stage_id = OLD.stage_id
                AND session_id = OLD.session_id AND n <= 0;
    END""",
    # Distinct-session counts follow the per-session rows appearing and disappearing.
    "agg_cell_sessions_in": """
    CREATE TRIGGER agg_cell_sessions_in AFTER INSERT ON agg_cell_sessions BEGIN
        UPDATE agg_cells SET sessions = sessions + 1
            WHERE stage_id = NEW.stage_id AND lane = NEW.lane;
    END""",
    "agg_cell_sessions_out": """
    CREATE TRIGGER agg_cell_sessions_out AFTER DELETE ON agg_cell_sessions BEGIN
        UPDATE agg_cells SET sessions = sessions - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane;
        DELETE FROM agg_cells WHERE stage_id = OLD.stage_id AND lane = OLD.lane
            AND entries <= 0 AND sessions <= 0;
    END""",
    "agg_stage_sessions_in": """
    CREATE TRIGGER agg_stage_sessions_in AFTER INSERT ON agg_stage_sessions BEGIN
        INSERT INTO agg_stages (stage_id, emo_sessions) VALUES (NEW.stage_id, 1)
            ON CONFLICT (stage_id) DO UPDATE SET emo_sessions = emo_sessions + 1;
    END""",
    "agg_stage_sessions_out": """
    CREATE TRIGGER agg_stage_sessions_out AFTER DELETE ON agg_stage_sessions BEGIN
        UPDATE agg_stages SET emo_sessions = emo_sessions - 1 WHERE stage_id = OLD.stage_id;
    END""",
    "agg_channel_sessions_in": """
    CREATE TRIGGER agg_channel_sessions_in AFTER INSERT ON agg_channel_sessions BEGIN
        UPDATE agg_channels SET sessions = sessions + 1
            WHERE channel_id = NEW.channel_id AND stage_id = NEW.stage_id;
    END""",
    "agg_channel_sessions_out": """
    CREATE TRIGGER agg_channel_sessions_out AFTER DELETE ON agg_channel_sessions BEGIN
        UPDATE agg_channels SET sessions = sessions - 1
            WHERE channel_id = OLD.channel_id AND stage_id = OLD.stage_id;
        DELETE FROM agg_channels WHERE channel_id = OLD.channel_id AND stage_id = OLD.stage_id
            AND mentions <= 0 AND sessions <= 0;
    END""",
    "agg_item_sessions_in": """
    CREATE TRIGGER agg_item_sessions_in AFTER INSERT ON agg_item_sessions BEGIN
        UPDATE agg_items SET sessions = sessions + 1
            WHERE stage_id = NEW.stage_id AND lane = NEW.lane AND key = NEW.key;
    END""",
    "agg_item_sessions_out": """
    CREATE TRIGGER agg_item_sessions_out AFTER DELETE ON agg_item_sessions BEGIN
        UPDATE agg_items SET sessions = sessions - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND key = OLD.key;
    END""",
}

# Recounting everything at once: the ledger from the entries, the rest from the ledger.
_RECOUNT = (
    f"INSERT INTO agg_entry_keys ({_LEDGER_COLUMNS}) {_ledger_select('e')} "
    "FROM entries e WHERE e.deleted_at IS NULL",
    """INSERT INTO agg_items (stage_id, lane, key, label, theme_id, entries, sessions,
        workshop_entries, votes, first)
    SELECT stage_id, lane, key, min(label), max(theme_id), sum(evidence),
        count(DISTINCT CASE WHEN evidence THEN session_id END), sum(1 - evidence), sum(votes),
        min(first)
    FROM agg_entry_keys GROUP BY stage_id, lane, key""",
    """INSERT INTO agg_item_sessions (stage_id, lane, key, session_id, n)
    SELECT stage_id, lane, key, session_id, count(*) FROM agg_entry_keys WHERE evidence
    GROUP BY stage_id, lane, key, session_id""",
    """INSERT INTO agg_cells (stage_id, lane, entries, sessions, emo_n, emo_sum, emo_sq)
    SELECT stage_id, lane, count(*), count(DISTINCT session_id), count(emotion),
        coalesce(sum(emotion), 0), coalesce(sum(emotion * emotion), 0)
    FROM agg_entry_keys WHERE evidence GROUP BY stage_id, lane""",
    """INSERT INTO agg_cell_sessions (session_id, stage_id, lane, n)
    SELECT session_id, stage_id, lane, count(*) FROM agg_entry_keys WHERE evidence
    GROUP BY session_id, stage_id, lane""",
    """INSERT INTO agg_stage_sessions (session_id, stage_id, emo_n)
    SELECT session_id, stage_id, count(*) FROM agg_entry_keys
    WHERE evidence AND emotion IS NOT NULL GROUP BY session_id, stage_id""",
    """INSERT INTO agg_stages (stage_id, emo_sessions)
    SELECT stage_id, count(*) FROM agg_stage_sessions GROUP BY stage_id""",
    """INSERT INTO agg_channels (channel_id, stage_id, mentions, sessions, emo_n, emo_sum)
    SELECT channel_id, stage_id, count(*), count(DISTINCT session_id), count(emotion),
        coalesce(sum(emotion), 0)
    FROM agg_entry_keys WHERE evidence AND channel_id IS NOT NULL AND lane = 'touchpoint'
    GROUP BY channel_id, stage_id""",
    """INSERT INTO agg_channel_sessions (channel_id, stage_id, session_id, n)
    SELECT channel_id, stage_id, session_id, count(*) FROM agg_entry_keys
    WHERE evidence AND channel_id IS NOT NULL AND lane = 'touchpoint'
    GROUP BY channel_id, stage_id, session_id""",
)


def create(db: Database) -> None:
    """Make the summary tables and count what is there (inside the caller's transaction)."""
    for statement in TABLES.split(";"):
        db.execute(statement)
    rebuild(db)


def rebuild(db: Database) -> None:
    """Recount every summary from the entries, set by set, inside the caller's write
    transaction: the triggers are set aside meanwhile, so the recount costs a few
    grouped queries instead of a trigger run per entry."""
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in TABLE_NAMES:
        db.execute(f"DELETE FROM {table}")
    for statement in _RECOUNT:
        db.execute(statement)
    for sql in TRIGGERS.values():
        db.execute(sql)


# -- bulk writes: the summaries brought up to date once per batch -------------------------
# A bulk insert sets aside the two triggers that count an entry row by row (the ledger row
# and everything that follows it), inserts its entries, then counts them all at once:
# their ledger rows in one statement, every summary by one grouped upsert. The
# distinct-session counts still follow the per-session rows as they appear (their
# triggers stay), so they mean what they mean for a single entry.
_PER_ROW = ("agg_entries_in", "agg_entry_keys_in")
_BATCH = "temp.agg_batch"
_COUNT_BATCH = (
    f"CREATE TEMP TABLE agg_batch ({_LEDGER_COLUMNS})",
    f"INSERT INTO {_BATCH} {_ledger_select('e')} FROM entries e "
    "WHERE e.rowid > ? AND e.deleted_at IS NULL",
    f"INSERT INTO agg_entry_keys ({_LEDGER_COLUMNS}) SELECT * FROM {_BATCH}",
    f"""INSERT INTO agg_items (stage_id, lane, key, label, theme_id, entries, sessions,
        workshop_entries, votes, first)
    SELECT stage_id, lane, key, min(label), max(theme_id), sum(evidence), 0, sum(1 - evidence),
        sum(votes), min(first)
    FROM {_BATCH} WHERE 1 GROUP BY stage_id, lane, key
    ON CONFLICT (stage_id, lane, key) DO UPDATE SET entries = entries + excluded.entries,
        workshop_entries = workshop_entries + excluded.workshop_entries,
        votes = votes + excluded.votes, first = min(first, excluded.first),
        label = min(label, excluded.label)""",
    f"""INSERT INTO agg_item_sessions (stage_id, lane, key, session_id, n)
    SELECT stage_id, lane, key, session_id, count(*) FROM {_BATCH} WHERE evidence
    GROUP BY stage_id, lane, key, session_id
    ON CONFLICT (stage_id, lane, key, session_id) DO UPDATE SET n = n + excluded.n""",
    f"""INSERT INTO agg_cells (stage_id, lane, entries, sessions, emo_n, emo_sum, emo_sq)
    SELECT stage_id, lane, count(*), 0, count(emotion), coalesce(sum(emotion), 0),
        coalesce(sum(emotion * emotion), 0)
    FROM {_BATCH} WHERE evidence GROUP BY stage_id, lane
    ON CONFLICT (stage_id, lane) DO UPDATE SET entries = entries + excluded.entries,
        emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum,
        emo_sq = emo_sq + excluded.emo_sq""",
    f"""INSERT INTO agg_cell_sessions (session_id, stage_id, lane, n)
    SELECT session_id, stage_id, lane, count(*) FROM {_BATCH} WHERE evidence
    GROUP BY session_id, stage_id, lane
    ON CONFLICT (session_id, stage_id, lane) DO UPDATE SET n = n + excluded.n""",
    f"""INSERT INTO agg_stage_sessions (session_id, stage_id, emo_n)
    SELECT session_id, stage_id, count(*) FROM {_BATCH}
    WHERE evidence AND emotion IS NOT NULL GROUP BY session_id, stage_id
    ON CONFLICT (session_id, stage_id) DO UPDATE SET emo_n = emo_n + excluded.emo_n""",
    f"""INSERT INTO agg_channels (channel_id, stage_id, mentions, sessions, emo_n, emo_sum)
    SELECT channel_id, stage_id, count(*), 0, count(emotion), coalesce(sum(emotion), 0)
    FROM {_BATCH} WHERE evidence AND channel_id IS NOT NULL AND lane = 'touchpoint'
    GROUP BY channel_id, stage_id
    ON CONFLICT (channel_id, stage_id) DO UPDATE SET mentions = mentions + excluded.mentions,
        emo_n = emo_n + excluded.emo_n, emo_sum = emo_sum + excluded.emo_sum""",
    f"""INSERT INTO agg_channel_sessions (channel_id, stage_id, session_id, n)
    SELECT channel_id, stage_id, session_id, count(*) FROM {_BATCH}
    WHERE evidence AND channel_id IS NOT NULL AND lane = 'touchpoint'
    GROUP BY channel_id, stage_id, session_id
    ON CONFLICT (channel_id, stage_id, session_id) DO UPDATE SET n = n + excluded.n""",
    f"DROP TABLE {_BATCH}",
)


@contextmanager
def counted_in_bulk(db: Database) -> Iterator[None]:
    """Inside the caller's write transaction: entries inserted in the block are counted
    into the summaries when it ends, all at once, instead of row by row. Only inserts:
    an entry updated or deleted in the block is counted as usual."""
    (since,) = db.conn.execute("SELECT coalesce(max(rowid), 0) FROM entries").fetchone()
    for name in _PER_ROW:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for statement in _COUNT_BATCH:
        db.execute(statement, [since] if "?" in statement else [])
    for name in _PER_ROW:
        db.execute(TRIGGERS[name])
