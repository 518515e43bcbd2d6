"""The journey-map aggregates: what the map, `journey stats` and the exports show.

Every figure follows DESIGN.md ("What the map's figures mean") and carries its n:

- customer figures count evidence only: interview and survey sessions, never a
  workshop's stickies or its sessions;
- a stage is reached by a session that reached it or dropped out there, and by one
  that reached a later stage without skipping it;
- an item is what was said (`entries.item_key`), or a workshop theme; workshop
  stickies and dot-votes are counted beside it as their own layer;
- go-on of a channel at a stage splits the sessions that met it there into those
  that reached a later stage, those that ended there, and those still in progress.

The filter narrows the sessions counted (segment, interviewer, mode, dates); deleted
entries never count. Without a filter the figures come from the summaries that
`storage.summaries` keeps; with one they are counted from the rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlite_utils import Database

from journey.storage.connection import read
from journey.storage.session_filter import (
    ENTRIES_FROM,
    EVIDENCE,
    NO_FILTER,
    SessionFilter,
    furthest_stages,
)


@dataclass(frozen=True)
class LaneCount:
    stage_id: str
    lane: str
    entries: int
    sessions: int


@dataclass(frozen=True)
class EmotionSummary:
    """Mean emotion (-2..+2) with its spread (population standard deviation) and n."""

    stage_id: str
    mean: float | None
    spread: float | None
    n: int  # evidence entries that carry an emotion
    sessions: int


@dataclass(frozen=True)
class StageReach:
    stage_id: str
    position: int
    name: str
    reached: int  # sessions that got to this stage: see the module's docstring
    dropped: int
    skipped: int
    top_reasons: tuple[tuple[str, int], ...]
    went_on: int = 0  # of those that reached it, sessions that reached a later stage


@dataclass(frozen=True)
class StageStats:
    """One row of `journey stats`."""

    position: int
    name: str
    reached: int
    dropped: int
    skipped: int
    entries: dict[str, int]
    emotion: EmotionSummary
    stickies: int = 0  # workshop stickies at the stage (opinion, not in the figures above)


def lane_counts(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> list[LaneCount]:
    """Evidence entries and sessions per stage and lane."""
    if not where.active:
        return [
            LaneCount(*row)
            for row in db.conn.execute(
                "SELECT a.stage_id, a.lane, a.entries, a.sessions FROM agg_cells a "
                "JOIN stages st ON st.id = a.stage_id WHERE st.study_id = ? AND a.entries > 0",
                [study_id],
            )
        ]
    condition, params = where.sql()
    return [
        LaneCount(*row)
        for row in db.conn.execute(
            f"""
            SELECT e.stage_id, e.lane, count(*), count(DISTINCT e.session_id) {ENTRIES_FROM}
            WHERE st.study_id = ? AND e.deleted_at IS NULL AND {EVIDENCE} AND {condition}
            GROUP BY e.stage_id, e.lane
            """,
            [study_id, *params],
        )
    ]


def _spread(mean: float | None, mean_square: float | None) -> float | None:
    if mean is None or mean_square is None:
        return None
    return math.sqrt(max(mean_square - mean * mean, 0.0))


def stage_emotions(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[EmotionSummary]:
    """Per stage, over every evidence entry with an emotion (touchpoints, pains, ...)."""
    if not where.active:
        summaries = []
        for stage_id, n, total, squares, sessions in db.conn.execute(
            """
            SELECT st.id, coalesce(sum(a.emo_n), 0), sum(a.emo_sum), sum(a.emo_sq),
                coalesce((SELECT emo_sessions FROM agg_stages s WHERE s.stage_id = st.id), 0)
            FROM stages st LEFT JOIN agg_cells a ON a.stage_id = st.id
            WHERE st.study_id = ? GROUP BY st.id ORDER BY st.position
            """,
            [study_id],
        ):
            mean = total / n if n else None
            spread = _spread(mean, squares / n) if n else None
            summaries.append(EmotionSummary(stage_id, mean, spread, n, sessions))
        return summaries
    condition, params = where.sql()
    rated = {
        row[0]: row[1:]
        for row in db.conn.execute(
            f"""
            SELECT e.stage_id, avg(e.emotion), avg(e.emotion * e.emotion), count(*),
                count(DISTINCT e.session_id) {ENTRIES_FROM}
            WHERE st.study_id = ? AND e.deleted_at IS NULL AND e.emotion IS NOT NULL
                AND {EVIDENCE} AND {condition}
            GROUP BY e.stage_id
            """,
            [study_id, *params],
        )
    }
    summaries = []
    for (stage_id,) in db.conn.execute(
        "SELECT id FROM stages WHERE study_id = ? ORDER BY position", [study_id]
    ):
        mean, mean_square, n, sessions = rated.get(stage_id, (None, None, 0, 0))
        summaries.append(EmotionSummary(stage_id, mean, _spread(mean, mean_square), n, sessions))
    return summaries


def stage_reach(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER, top: int = 3
) -> list[StageReach]:
    """The funnel of evidence sessions: per stage, those that reached it (or a later stage
    without skipping it), dropped out there, skipped it, and went on past it."""
    far, far_params = furthest_stages(study_id, where)
    counts = {
        row[0]: row[1:]
        for row in db.conn.execute(
            f"""
            WITH {far}
            SELECT st.id, sum(f.far >= st.position), sum(f.far > st.position),
                sum(sp.outcome = 'dropped'), sum(sp.outcome = 'skipped'),
                sum(sp.outcome = 'skipped' AND f.far > st.position)
            FROM far f JOIN stages st ON st.study_id = ?
            LEFT JOIN stage_progress sp ON sp.session_id = f.session_id AND sp.stage_id = st.id
            GROUP BY st.id
            """,
            [*far_params, study_id],
        )
    }
    condition, params = where.sql()
    reasons: dict[str, list[tuple[str, int]]] = {}
    for stage_id, reason, n in db.conn.execute(
        f"""
        SELECT sp.stage_id, lower(trim(sp.reason)), count(*)
        FROM stage_progress sp
        JOIN stages st ON st.id = sp.stage_id
        JOIN sessions x ON x.id = sp.session_id
        LEFT JOIN participants p ON p.id = x.participant_id
        WHERE st.study_id = ? AND sp.outcome = 'dropped' AND coalesce(trim(sp.reason), '') != ''
            AND {EVIDENCE} AND {condition}
        GROUP BY sp.stage_id, lower(trim(sp.reason))
        ORDER BY count(*) DESC, lower(trim(sp.reason))
        """,
        [study_id, *params],
    ):
        reasons.setdefault(stage_id, []).append((reason, n))
    result = []
    for stage_id, position, name in db.conn.execute(
        "SELECT id, position, name FROM stages WHERE study_id = ? ORDER BY position", [study_id]
    ):
        at_or_after, after, dropped, skipped, skipped_past = counts.get(stage_id, (0, 0, 0, 0, 0))
        result.append(
            StageReach(
                stage_id,
                position,
                name,
                (at_or_after or 0) - (skipped_past or 0),
                dropped or 0,
                skipped or 0,
                tuple(reasons.get(stage_id, [])[:top]),
                (after or 0) - (skipped_past or 0),
            )
        )
    return result


def study_stats(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> list[StageStats]:
    """Per stage: evidence sessions reached and dropped, entries per lane, mean emotion;
    and the workshop stickies beside them."""
    with read(db):
        reach = stage_reach(db, study_id, where)
        emotions = {e.stage_id: e for e in stage_emotions(db, study_id, where)}
        lanes: dict[str, dict[str, int]] = {}
        for count in lane_counts(db, study_id, where):
            lanes.setdefault(count.stage_id, {})[count.lane] = count.entries
        stickies: dict[str, int] = {}
        for layer in workshop_layers(db, study_id, where):
            stickies[layer.stage_id] = stickies.get(layer.stage_id, 0) + layer.stickies
    return [
        StageStats(
            stage.position,
            stage.name,
            stage.reached,
            stage.dropped,
            stage.skipped,
            lanes.get(stage.stage_id, {}),
            emotions[stage.stage_id],
            stickies.get(stage.stage_id, 0),
        )
        for stage in reach
    ]


@dataclass(frozen=True)
class ItemCount:
    """Entries of one stage and lane that say the same thing (`storage.items`): one theme
    (items grouped in a workshop), else the same item key."""

    stage_id: str
    lane: str
    key: str  # "theme:<id>" or the item key of storage.items
    text: str  # how it is shown: the theme's title, or the first of its spellings
    entries: int  # evidence entries
    sessions: int  # evidence sessions
    votes: int  # workshop dot-votes on any of its entries
    entry_id: str  # the group's earliest entry: where a vote on the whole item goes
    theme_id: str | None
    workshop_entries: int = 0  # workshop stickies saying the same


# Most evidence first; workshop-only items after every item customers said.
_ITEM_ORDER = "entries DESC, sessions DESC, workshop_entries DESC, votes DESC, label, key"


def _item_count(row: tuple) -> ItemCount:
    stage_id, lane, key, text, entries, sessions, workshop_entries, votes, first, theme_id = row
    # `first` is the earliest entry's created_at, char 31, and its id
    entry_id = first.split("\x1f", 1)[1]
    return ItemCount(
        stage_id, lane, key, text, entries, sessions, votes, entry_id, theme_id, workshop_entries
    )


def item_counts(
    db: Database, study_id: str, lanes: tuple[str, ...], where: SessionFilter = NO_FILTER
) -> list[ItemCount]:
    """Every item per stage and lane, most evidence first (see `_ITEM_ORDER`)."""
    lane_marks = ", ".join("?" for _ in lanes)
    if not where.active:
        return [
            _item_count(row)
            for row in db.conn.execute(
                f"""
                SELECT a.stage_id, a.lane, a.key, a.label, a.entries, a.sessions,
                    a.workshop_entries, a.votes, a.first, a.theme_id
                FROM agg_items a JOIN stages st ON st.id = a.stage_id
                WHERE st.study_id = ? AND a.lane IN ({lane_marks})
                    AND a.entries + a.workshop_entries > 0
                ORDER BY {_ITEM_ORDER}
                """,
                [study_id, *lanes],
            )
        ]
    condition, params = where.sql()
    return [
        _item_count(row)
        for row in db.conn.execute(
            f"""
            WITH keyed AS (
                SELECT e.id, e.created_at, e.stage_id, e.lane, e.text, e.votes, e.session_id,
                    {EVIDENCE} AS evidence, th.id AS theme_id, th.title AS theme_title,
                    CASE WHEN th.id IS NOT NULL THEN 'theme:' || th.id
                        ELSE coalesce(e.item_key, lower(trim(e.text))) END AS key
                {ENTRIES_FROM}
                LEFT JOIN themes th ON th.id = e.theme_id AND th.deleted_at IS NULL
                WHERE st.study_id = ? AND e.deleted_at IS NULL AND e.lane IN ({lane_marks})
                    AND {condition}
            )
            SELECT stage_id, lane, key, coalesce(theme_title, min(text)) AS label,
                sum(evidence) AS entries,
                count(DISTINCT CASE WHEN evidence THEN session_id END) AS sessions,
                sum(1 - evidence) AS workshop_entries, sum(votes) AS votes,
                min(created_at || char(31) || id), theme_id
            FROM keyed
            GROUP BY stage_id, lane, key
            ORDER BY {_ITEM_ORDER}
            """,
            [study_id, *lanes, *params],
        )
    ]


@dataclass(frozen=True)
class TagCount:
    """A tag as a facet of a cell: evidence entries (and sessions) carrying it."""

    stage_id: str
    lane: str
    tag: str
    entries: int
    sessions: int


def tag_counts(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> list[TagCount]:
    """Per stage and lane, the tags of its evidence entries, most used first. Tags never
    take entries away from items: an entry counts under its item and under each tag."""
    if not where.active:
        return [
            TagCount(*row)
            for row in db.conn.execute(
                """
                SELECT a.stage_id, a.lane, t.name, a.entries, a.sessions
                FROM agg_tags a JOIN tags t ON t.id = a.tag_id
                WHERE t.study_id = ? AND a.entries > 0
                ORDER BY a.entries DESC, t.name COLLATE NOCASE
                """,
                [study_id],
            )
        ]
    condition, params = where.sql()
    return [
        TagCount(*row)
        for row in db.conn.execute(
            f"""
            SELECT e.stage_id, e.lane, min(t.name), count(*), count(DISTINCT e.session_id)
            {ENTRIES_FROM}
            JOIN entry_tags et ON et.entry_id = e.id
            JOIN tags t ON t.id = et.tag_id
            WHERE st.study_id = ? AND e.deleted_at IS NULL AND {EVIDENCE} AND {condition}
            GROUP BY e.stage_id, e.lane, t.id
            ORDER BY count(*) DESC, min(t.name) COLLATE NOCASE
            """,
            [study_id, *params],
        )
    ]


@dataclass(frozen=True)
class WorkshopLayer:
    """The team's opinion on one cell: workshop stickies and the dot-votes on its items."""

    stage_id: str
    lane: str
    stickies: int
    votes: int


def workshop_layers(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[WorkshopLayer]:
    """Per stage and lane with any: stickies from workshops and dot-votes on its entries."""
    if not where.active:
        rows = db.conn.execute(
            """
            SELECT a.stage_id, a.lane, sum(a.workshop_entries), sum(a.votes)
            FROM agg_items a JOIN stages st ON st.id = a.stage_id
            WHERE st.study_id = ? GROUP BY a.stage_id, a.lane
            HAVING sum(a.workshop_entries) > 0 OR sum(a.votes) > 0
            """,
            [study_id],
        )
    else:
        condition, params = where.sql()
        rows = db.conn.execute(
            f"""
            SELECT e.stage_id, e.lane, sum(NOT {EVIDENCE}), sum(e.votes) {ENTRIES_FROM}
            WHERE st.study_id = ? AND e.deleted_at IS NULL AND {condition}
            GROUP BY e.stage_id, e.lane
            HAVING sum(NOT {EVIDENCE}) > 0 OR sum(e.votes) > 0
            """,
            [study_id, *params],
        )
    return [WorkshopLayer(*row) for row in rows]
