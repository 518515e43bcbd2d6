"""The tag summaries (`agg_tags`, `agg_tag_sessions`): per stage, lane and tag, the
evidence entries carrying the tag and their sessions, what the map shows as a cell's
tag facets. Derived data, like the other summaries (`storage.summaries`): they follow
the ledger (`agg_entry_keys`, one row per live entry, evidence or not) and the tags
of the entries (`entry_tags`), in the writing transaction.

An entry's tags count where its ledger row says it counts: a ledger row in or out
counts its entry's tags in or out; a tag put on or taken off an entry counts in or out
where that entry's ledger row is. Each side looks for the other, so an entry deleted
with its tags (in whichever order SQLite removes the two) is taken out once.

Made by migration m007 (`create`); a later change is a new migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

TABLES = (
    """CREATE TABLE agg_tags (
        stage_id TEXT NOT NULL, lane TEXT NOT NULL, tag_id TEXT NOT NULL,
        entries INTEGER NOT NULL, sessions INTEGER NOT NULL,
        PRIMARY KEY (stage_id, lane, tag_id)) WITHOUT ROWID""",
    """CREATE TABLE agg_tag_sessions (
        stage_id TEXT NOT NULL, lane TEXT NOT NULL, tag_id TEXT NOT NULL,
        session_id TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (stage_id, lane, tag_id, session_id)) WITHOUT ROWID""",
)
TABLE_NAMES = ("agg_tags", "agg_tag_sessions")

# Count in, or out, the (stage, lane, tag, session) pairs a SELECT gives as
# `stage_id, lane, tag_id, session_id` (the distinct-session counts follow the
# per-session rows through their own triggers, below).
_IN = """
    INSERT INTO agg_tags (stage_id, lane, tag_id, entries, sessions)
        SELECT stage_id, lane, tag_id, 1, 0 FROM ({pairs}) WHERE 1
        ON CONFLICT (stage_id, lane, tag_id) DO UPDATE SET entries = entries + 1;
    INSERT INTO agg_tag_sessions (stage_id, lane, tag_id, session_id, n)
        SELECT stage_id, lane, tag_id, session_id, 1 FROM ({pairs}) WHERE 1
        ON CONFLICT (stage_id, lane, tag_id, session_id) DO UPDATE SET n = n + 1;"""
_OUT = """
    UPDATE agg_tags SET entries = entries - 1
        WHERE (stage_id, lane, tag_id) IN (SELECT stage_id, lane, tag_id FROM ({pairs}));
    UPDATE agg_tag_sessions SET n = n - 1
        WHERE (stage_id, lane, tag_id, session_id) IN ({pairs});
    DELETE FROM agg_tag_sessions
        WHERE (stage_id, lane, tag_id, session_id) IN ({pairs}) AND n <= 0;
    DELETE FROM agg_tags
        WHERE (stage_id, lane, tag_id) IN (SELECT stage_id, lane, tag_id FROM ({pairs}))
            AND entries <= 0;"""
# The pairs of a ledger row (its entry's tags) and of an entry_tags row (its entry's
# ledger row); workshop entries are no evidence and count nowhere here.
_OF_LEDGER = (
    "SELECT {r}.stage_id AS stage_id, {r}.lane AS lane, et.tag_id AS tag_id, "
    "{r}.session_id AS session_id FROM entry_tags et "
    "WHERE et.entry_id = {r}.entry_id AND {r}.evidence"
)
_OF_TAG = (
    "SELECT k.stage_id AS stage_id, k.lane AS lane, {r}.tag_id AS tag_id, "
    "k.session_id AS session_id FROM agg_entry_keys k "
    "WHERE k.entry_id = {r}.entry_id AND k.evidence"
)


def _both(template: str, pairs: str) -> str:
    return template.format(pairs=pairs)


TRIGGERS: dict[str, str] = {
    "agg_tags_ledger_in": f"""
    CREATE TRIGGER agg_tags_ledger_in AFTER INSERT ON agg_entry_keys WHEN NEW.evidence BEGIN
        {_both(_IN, _OF_LEDGER.format(r="NEW"))}
    END""",
    "agg_tags_ledger_out": f"""
    CREATE TRIGGER agg_tags_ledger_out AFTER DELETE ON agg_entry_keys WHEN OLD.evidence BEGIN
        {_both(_OUT, _OF_LEDGER.format(r="OLD"))}
    END""",
    "agg_tags_tag_in": f"""
    CREATE TRIGGER agg_tags_tag_in AFTER INSERT ON entry_tags BEGIN
        {_both(_IN, _OF_TAG.format(r="NEW"))}
    END""",
    "agg_tags_tag_out": f"""
    CREATE TRIGGER agg_tags_tag_out AFTER DELETE ON entry_tags BEGIN
        {_both(_OUT, _OF_TAG.format(r="OLD"))}
    END""",
    "agg_tags_tag_change": f"""
    CREATE TRIGGER agg_tags_tag_change AFTER UPDATE OF entry_id, tag_id ON entry_tags BEGIN
        {_both(_OUT, _OF_TAG.format(r="OLD"))}
        {_both(_IN, _OF_TAG.format(r="NEW"))}
    END""",
    "agg_tag_sessions_in": """
    CREATE TRIGGER agg_tag_sessions_in AFTER INSERT ON agg_tag_sessions BEGIN
        UPDATE agg_tags SET sessions = sessions + 1
            WHERE stage_id = NEW.stage_id AND lane = NEW.lane AND tag_id = NEW.tag_id;
    END""",
    "agg_tag_sessions_out": """
    CREATE TRIGGER agg_tag_sessions_out AFTER DELETE ON agg_tag_sessions BEGIN
        UPDATE agg_tags SET sessions = sessions - 1
            WHERE stage_id = OLD.stage_id AND lane = OLD.lane AND tag_id = OLD.tag_id;
    END""",
}

_PAIRS = """SELECT k.stage_id, k.lane, et.tag_id, k.session_id
    FROM entry_tags et JOIN agg_entry_keys k ON k.entry_id = et.entry_id
    WHERE k.evidence"""
_RECOUNT = (
    f"""INSERT INTO agg_tags (stage_id, lane, tag_id, entries, sessions)
    SELECT stage_id, lane, tag_id, count(*), count(DISTINCT session_id) FROM ({_PAIRS})
    GROUP BY stage_id, lane, tag_id""",
    f"""INSERT INTO agg_tag_sessions (stage_id, lane, tag_id, session_id, n)
    SELECT stage_id, lane, tag_id, session_id, count(*) FROM ({_PAIRS})
    GROUP BY stage_id, lane, tag_id, session_id""",
)


def create(db: Database) -> None:
    """Make the tables and count what is there (inside the caller's transaction)."""
    for statement in TABLES:
        db.execute(statement)
    for statement in _RECOUNT:
        db.execute(statement)
    for sql in TRIGGERS.values():
        db.execute(sql)


# -- bulk writes -----------------------------------------------------------------------
# New entries have no tags yet when their ledger rows go in (their tags follow them), so
# a bulk insert sets the ledger's tag trigger aside; the tags it inserts then count at
# once, by one grouped upsert per table, instead of a trigger run per tag.
_LEDGER_IN = "agg_tags_ledger_in"
_TAG_IN = "agg_tags_tag_in"
_COUNT_NEW_TAGS = (
    """INSERT INTO agg_tags (stage_id, lane, tag_id, entries, sessions)
    SELECT k.stage_id, k.lane, et.tag_id, count(*), 0
    FROM entry_tags et JOIN agg_entry_keys k ON k.entry_id = et.entry_id
    WHERE et.rowid > ? AND k.evidence GROUP BY k.stage_id, k.lane, et.tag_id
    ON CONFLICT (stage_id, lane, tag_id) DO UPDATE SET entries = entries + excluded.entries""",
    """INSERT INTO agg_tag_sessions (stage_id, lane, tag_id, session_id, n)
    SELECT k.stage_id, k.lane, et.tag_id, k.session_id, count(*)
    FROM entry_tags et JOIN agg_entry_keys k ON k.entry_id = et.entry_id
    WHERE et.rowid > ? AND k.evidence GROUP BY k.stage_id, k.lane, et.tag_id, k.session_id
    ON CONFLICT (stage_id, lane, tag_id, session_id) DO UPDATE SET n = n + excluded.n""",
)


@contextmanager
def new_entries_untagged(db: Database) -> Iterator[None]:
    """Inside the caller's write transaction, around an insert of new entries (which can
    have no tags yet): their ledger rows go in without looking for tags."""
    db.execute(f"DROP TRIGGER IF EXISTS {_LEDGER_IN}")
    yield
    db.execute(TRIGGERS[_LEDGER_IN])


@contextmanager
def tags_counted_in_bulk(db: Database) -> Iterator[None]:
    """Inside the caller's write transaction: the entry_tags rows inserted in the block
    are counted when it ends, all at once."""
    (since,) = db.conn.execute("SELECT coalesce(max(rowid), 0) FROM entry_tags").fetchone()
    db.execute(f"DROP TRIGGER IF EXISTS {_TAG_IN}")
    yield
    for statement in _COUNT_NEW_TAGS:
        db.execute(statement, [since])
    db.execute(TRIGGERS[_TAG_IN])
