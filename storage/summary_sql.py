"""The SQL that migration m003 builds its summary triggers from: how an entry row is
counted into and out of the map summaries (agg_*), how its item is keyed, and how a
session's go-on moves. Written here once; m003 in schema.py uses it. Released
migrations never change, so neither does what they are built from."""

from __future__ import annotations

import sqlite3

ITEM_KEY = """CASE
    WHEN EXISTS (SELECT 1 FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL)
        THEN 'theme:' || {r}.theme_id
    WHEN EXISTS (SELECT 1 FROM entry_tags et WHERE et.entry_id = {r}.id)
        THEN lower('#' || (SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
            WHERE et.entry_id = {r}.id ORDER BY t.name COLLATE NOCASE LIMIT 1))
    ELSE lower(trim({r}.text)) END"""
ITEM_LABEL = """coalesce(
    (SELECT th.title FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL),
    (SELECT '#' || t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE et.entry_id = {r}.id ORDER BY t.name COLLATE NOCASE LIMIT 1),
    trim({r}.text))"""
ITEM_THEME = (
    """(SELECT th.id FROM themes th WHERE th.id = {r}.theme_id AND th.deleted_at IS NULL)"""
)


def entry_add(r: str) -> str:
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
        SELECT {r}.id, {r}.stage_id, {r}.lane, {r}.session_id, {ITEM_KEY.format(r=r)},
            {ITEM_LABEL.format(r=r)}, {ITEM_THEME.format(r=r)},
            {r}.created_at || char(31) || {r}.id, {r}.votes
        WHERE {live};
    """


def entry_remove(r: str) -> str:
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


def rekey(entry_id: str) -> str:
    """Count an entry under its item key again (its tags or theme changed)."""
    return f"""
    DELETE FROM agg_entry_keys WHERE entry_id = {entry_id};
    INSERT INTO agg_entry_keys (entry_id, stage_id, lane, session_id, key, label, theme_id,
            first, votes)
        SELECT e.id, e.stage_id, e.lane, e.session_id, {ITEM_KEY.format(r="e")},
            {ITEM_LABEL.format(r="e")}, {ITEM_THEME.format(r="e")},
            e.created_at || char(31) || e.id, e.votes
        FROM entries e WHERE e.id = {entry_id} AND e.deleted_at IS NULL;
    """


NEXT_STAGE = """(SELECT nx.id FROM stages cur JOIN stages nx ON nx.study_id = cur.study_id
    AND nx.position = cur.position + 1 WHERE cur.id = {stage})"""
PREVIOUS_STAGE = """(SELECT pv.id FROM stages cur JOIN stages pv ON pv.study_id = cur.study_id
    AND pv.position = cur.position - 1 WHERE cur.id = {stage})"""


def went_on(r: str, sign: str) -> str:
    """Progress row `r` at a stage: the channels its session met one stage earlier gain
    (or lose) a session that went on."""
    previous = PREVIOUS_STAGE.format(stage=f"{r}.stage_id")
    return f"""
    UPDATE agg_channels SET went_on = went_on {sign} 1
        WHERE stage_id = {previous} AND channel_id IN (
            SELECT cs.channel_id FROM agg_channel_sessions cs
            WHERE cs.session_id = {r}.session_id AND cs.stage_id = {previous});
    """


def split_sql(script: str) -> list[str]:
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
