"""Views for people who open the database file themselves (sqlite3, Datasette, pandas):
names instead of ids, one row per thing they ask about.

- `entry_details`: one row per live (not deleted) entry: its study, session, participant
  code, segment, interviewer, mode, stage position and name, lane, channel name,
  emotion, effort, votes, text, tags (sorted, joined with `;`), workshop theme and
  times. The same rows and values as `journey export --shape entries` of every study.
- `session_details`: one row per session: its study, participant code, segment,
  interviewer, mode, times, status, the furthest stage reached (or dropped at), the
  stage it was dropped at and why, its live entries, and `stage_outcomes`, a JSON
  object of stage name to outcome (reached, dropped, skipped) in stage order. The same
  rows as `journey export --shape sessions`.
- `table_guide`: every table and view of the file, what it holds, and whether it is
  data, a view to query, or derived: the `agg_*` tables are map summaries that
  journey recounts from the entries (`storage/summaries.py`); never query them for
  analysis nor edit them.

This is the views' schema of migration m005; a later change is a new migration (views
are dropped and created again by it).
"""

from __future__ import annotations

from sqlite_utils import Database

VIEW_NAMES = ("entry_details", "session_details", "table_guide")

ENTRY_DETAILS = """
CREATE VIEW entry_details AS
SELECT
    e.id AS entry_id,
    s.name AS study,
    x.id AS session_id,
    p.code AS participant_code,
    p.segment AS segment,
    x.interviewer AS interviewer,
    x.mode AS mode,
    st.position AS stage_position,
    st.name AS stage,
    e.lane AS lane,
    c.name AS channel,
    e.emotion AS emotion,
    e.effort AS effort,
    e.votes AS votes,
    e.text AS text,
    (SELECT group_concat(name, ';') FROM (
        SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE, t.name)) AS tags,
    (SELECT th.title FROM themes th
        WHERE th.id = e.theme_id AND th.deleted_at IS NULL) AS theme,
    e.created_at AS created_at,
    e.updated_at AS updated_at
FROM entries e
JOIN sessions x ON x.id = e.session_id
JOIN studies s ON s.id = x.study_id
JOIN stages st ON st.id = e.stage_id
LEFT JOIN participants p ON p.id = x.participant_id
LEFT JOIN channels c ON c.id = e.channel_id
WHERE e.deleted_at IS NULL
"""

# The furthest stage a session reached or dropped at, and the stage it dropped at.
_LAST = """(SELECT {column} FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id
        WHERE sp.session_id = x.id AND sp.outcome IN ({outcomes})
        ORDER BY st.position DESC LIMIT 1)"""

SESSION_DETAILS = f"""
CREATE VIEW session_details AS
SELECT
    s.name AS study,
    x.id AS session_id,
    p.code AS participant_code,
    p.segment AS segment,
    x.interviewer AS interviewer,
    x.mode AS mode,
    x.started_at AS started_at,
    x.ended_at AS ended_at,
    x.status AS status,
    {_LAST.format(column="st.position", outcomes="'reached', 'dropped'")} AS last_stage_position,
    {_LAST.format(column="st.name", outcomes="'reached', 'dropped'")} AS last_stage_reached,
    {_LAST.format(column="st.name", outcomes="'dropped'")} AS dropped_at_stage,
    {_LAST.format(column="sp.reason", outcomes="'dropped'")} AS drop_reason,
    (SELECT count(*) FROM entries e
        WHERE e.session_id = x.id AND e.deleted_at IS NULL) AS entries,
    (SELECT json_group_object(name, outcome) FROM (
        SELECT st.name AS name, sp.outcome AS outcome
        FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id
        WHERE sp.session_id = x.id ORDER BY st.position)) AS stage_outcomes
FROM sessions x
JOIN studies s ON s.id = x.study_id
LEFT JOIN participants p ON p.id = x.participant_id
"""

_GUIDE = [
    ("entry_details", "view", "query this: one row per live entry, with names instead of ids"),
    ("session_details", "view", "query this: one row per session, its participant and outcomes"),
    ("table_guide", "view", "this list"),
    ("studies", "data", "the studies"),
    ("stages", "data", "the stages of each study, by position"),
    ("channels", "data", "the touchpoint channels of each study"),
    ("prompts", "data", "the interview guide"),
    ("participants", "data", "participants: code (pseudonym), segment, consent"),
    ("sessions", "data", "interviews, workshops and survey responses"),
    ("entries", "data", "what was said, per stage and lane (deleted_at set: undone)"),
    ("stage_progress", "data", "per session and stage: reached, dropped or skipped"),
    ("tags", "data", "qualitative codes"),
    ("entry_tags", "data", "which entry has which tag"),
    ("edits", "data", "the audit log of changes to entries"),
    ("drafts", "data", "input typed but not yet saved, per session"),
    ("votes", "data", "workshop dot-votes"),
    ("themes", "data", "workshop themes that group items"),
    ("entry_links", "data", "workshop links between opportunities and pains"),
    ("_sqlite_migrations", "internal", "the schema migrations applied (sqlite-utils)"),
]
DERIVED = "derived: map summaries journey recounts from the entries; not for analysis, never edit"


def create(db: Database) -> None:
    """Create the views (inside the caller's transaction)."""
    for name in VIEW_NAMES:
        db.execute(f"DROP VIEW IF EXISTS {name}")
    db.execute(ENTRY_DETAILS)
    db.execute(SESSION_DETAILS)
    db.execute(_guide_view())


def _guide_view() -> str:
    rows = ",\n    ".join(f"({_quote(n)}, {_quote(k)}, {_quote(m)})" for n, k, m in _GUIDE)
    return f"""
CREATE VIEW table_guide (name, kind, holds) AS
WITH listed (name, kind, holds) AS (VALUES
    {rows})
SELECT m.name,
    CASE WHEN m.name LIKE 'agg\\_%' ESCAPE '\\' THEN 'derived'
        ELSE coalesce(l.kind, m.type) END,
    CASE WHEN m.name LIKE 'agg\\_%' ESCAPE '\\' THEN {_quote(DERIVED)}
        ELSE coalesce(l.holds, '') END
FROM sqlite_master m LEFT JOIN listed l ON l.name = m.name
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY CASE coalesce(l.kind, CASE WHEN m.name LIKE 'agg\\_%' ESCAPE '\\'
    THEN 'derived' END) WHEN 'view' THEN 0 WHEN 'data' THEN 1 WHEN 'internal' THEN 3
    WHEN 'derived' THEN 4 ELSE 2 END, m.name
"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
