"""The journey-map aggregates: what the map, `journey stats` and the exports show.

Every figure carries its n. The filter narrows the sessions counted (segment,
interviewer, mode, dates); deleted entries never count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlite_utils import Database

from storage.connection import read


@dataclass(frozen=True)
class SessionFilter:
    segment: str | None = None
    interviewer: str | None = None
    mode: str | None = None
    since: str | None = None  # ISO date or time; sessions started on or after it
    until: str | None = None  # sessions started before it

    def sql(self) -> tuple[str, list]:
        """A condition on sessions `x` (joined to participants `p`) and its parameters."""
        clauses: list[str] = []
        params: list = []
        if self.segment is not None:
            clauses.append("p.segment = ? COLLATE NOCASE")
            params.append(self.segment)
        if self.interviewer is not None:
            clauses.append("x.interviewer = ? COLLATE NOCASE")
            params.append(self.interviewer)
        if self.mode is not None:
            clauses.append("x.mode = ?")
            params.append(self.mode)
        if self.since is not None:
            clauses.append("x.started_at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("x.started_at < ?")
            params.append(self.until)
        return " AND ".join(clauses) or "1", params

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (self.segment, self.interviewer, self.mode, self.since, self.until)
        )


NO_FILTER = SessionFilter()


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
    n: int  # entries that carry an emotion
    sessions: int


@dataclass(frozen=True)
class ChannelStage:
    channel_id: str
    channel: str
    stage_id: str
    mentions: int
    sessions: int
    mean_emotion: float | None
    rated: int


@dataclass(frozen=True)
class StageReach:
    stage_id: str
    position: int
    name: str
    reached: int  # sessions that got to this stage (including those that dropped there)
    dropped: int
    skipped: int
    top_reasons: tuple[tuple[str, int], ...]


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


def _session_scope(study_id: str, where: SessionFilter, column: str) -> tuple[str, list]:
    """`AND column IN (the filtered sessions)`, or nothing when no filter is set (every
    row reached through the study's stages is already the study's, and the planner
    would otherwise test each row against the subquery)."""
    if not where.active:
        return "", []
    condition, params = where.sql()
    return (
        f"AND {column} IN (SELECT x.id FROM sessions x "
        "LEFT JOIN participants p ON p.id = x.participant_id "
        f"WHERE x.study_id = ? AND {condition})",
        [study_id, *params],
    )


def lane_counts(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> list[LaneCount]:
    if not where.active:
        return [
            LaneCount(*row)
            for row in db.conn.execute(
                "SELECT a.stage_id, a.lane, a.entries, a.sessions FROM agg_cells a "
                "JOIN stages st ON st.id = a.stage_id WHERE st.study_id = ? AND a.entries > 0",
                [study_id],
            )
        ]
    scope, params = _session_scope(study_id, where, "e.session_id")
    return [
        LaneCount(row[0], row[1], row[2], row[3])
        for row in db.conn.execute(
            f"""
            SELECT e.stage_id, e.lane, count(*), count(DISTINCT e.session_id)
            FROM entries e JOIN stages st ON st.id = e.stage_id
            WHERE st.study_id = ? AND e.deleted_at IS NULL {scope}
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
    """Per stage, over every entry with an emotion (touchpoints, pains, delights)."""
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
    scope, params = _session_scope(study_id, where, "e.session_id")
    return [
        EmotionSummary(row[0], row[1], _spread(row[1], row[2]), row[3], row[4])
        for row in db.conn.execute(
            f"""
            SELECT st.id, avg(e.emotion), avg(e.emotion * e.emotion), count(e.emotion),
                count(DISTINCT e.session_id)
            FROM stages st LEFT JOIN entries e ON e.stage_id = st.id
                AND e.deleted_at IS NULL AND e.emotion IS NOT NULL
                {scope}
            WHERE st.study_id = ?
            GROUP BY st.id ORDER BY st.position
            """,
            [*params, study_id],
        )
    ]


def channel_stages(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[ChannelStage]:
    """Touchpoint mentions per channel and stage, with their mean emotion."""
    if not where.active:
        return [
            ChannelStage(*row)
            for row in db.conn.execute(
                """
                SELECT c.id, c.name, a.stage_id, a.mentions, a.sessions,
                    CAST(a.emo_sum AS REAL) / nullif(a.emo_n, 0), a.emo_n
                FROM agg_channels a JOIN channels c ON c.id = a.channel_id
                WHERE c.study_id = ? AND a.mentions > 0
                ORDER BY c.created_at, c.rowid
                """,
                [study_id],
            )
        ]
    scope, params = _session_scope(study_id, where, "e.session_id")
    return [
        ChannelStage(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
        for row in db.conn.execute(
            f"""
            SELECT c.id, c.name, e.stage_id, count(*), count(DISTINCT e.session_id),
                avg(e.emotion), count(e.emotion)
            FROM entries e JOIN channels c ON c.id = e.channel_id
            WHERE c.study_id = ? AND e.deleted_at IS NULL {scope}
            GROUP BY c.id, e.stage_id
            ORDER BY c.created_at, c.rowid
            """,
            [study_id, *params],
        )
    ]


def stage_reach(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER, top: int = 3
) -> list[StageReach]:
    """The funnel: sessions that reached each stage, dropped there or skipped it."""
    scope, params = _session_scope(study_id, where, "sp.session_id")
    counts = {
        row[0]: row[1:]
        for row in db.conn.execute(
            f"""
            SELECT sp.stage_id,
                sum(sp.outcome IN ('reached', 'dropped')),
                sum(sp.outcome = 'dropped'),
                sum(sp.outcome = 'skipped')
            FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id
            WHERE st.study_id = ? {scope}
            GROUP BY sp.stage_id
            """,
            [study_id, *params],
        )
    }
    reasons: dict[str, list[tuple[str, int]]] = {}
    for stage_id, reason, n in db.conn.execute(
        f"""
        SELECT sp.stage_id, lower(trim(sp.reason)), count(*)
        FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id
        WHERE st.study_id = ? AND sp.outcome = 'dropped' AND coalesce(trim(sp.reason), '') != ''
            {scope}
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
        reached, dropped, skipped = counts.get(stage_id, (0, 0, 0))
        result.append(
            StageReach(
                stage_id,
                position,
                name,
                reached or 0,
                dropped or 0,
                skipped or 0,
                tuple(reasons.get(stage_id, [])[:top]),
            )
        )
    return result


def study_stats(db: Database, study_id: str, where: SessionFilter = NO_FILTER) -> list[StageStats]:
    """Per stage: sessions reached and dropped, entries per lane, mean emotion."""
    with read(db):
        reach = stage_reach(db, study_id, where)
        emotions = {e.stage_id: e for e in stage_emotions(db, study_id, where)}
        lanes: dict[str, dict[str, int]] = {}
        for count in lane_counts(db, study_id, where):
            lanes.setdefault(count.stage_id, {})[count.lane] = count.entries
    return [
        StageStats(
            stage.position,
            stage.name,
            stage.reached,
            stage.dropped,
            stage.skipped,
            lanes.get(stage.stage_id, {}),
            emotions[stage.stage_id],
        )
        for stage in reach
    ]


@dataclass(frozen=True)
class ItemCount:
    """Entries of one stage and lane that say the same thing: one theme (items grouped in a
    workshop), else the same first tag, else the same text ignoring case and spaces."""

    stage_id: str
    lane: str
    key: str  # "theme:<id>", "#tag" (lower case) or the lower-cased text
    text: str  # how it is shown: the theme's title, "#tag", or one of the texts as typed
    entries: int
    sessions: int
    votes: int
    entry_id: str  # the group's earliest entry: where a vote on the whole item goes
    theme_id: str | None


def _item_count(row: tuple) -> ItemCount:
    stage_id, lane, key, text, entries, sessions, votes, first, theme_id = row
    # `first` is the earliest entry's created_at, char 31, and its id
    entry_id = first.split("\x1f", 1)[1]
    return ItemCount(stage_id, lane, key, text, entries, sessions, votes, entry_id, theme_id)


def item_counts(
    db: Database, study_id: str, lanes: tuple[str, ...], where: SessionFilter = NO_FILTER
) -> list[ItemCount]:
    """Every group of same-meaning entries per stage and lane, most frequent first."""
    if not where.active:
        lane_marks = ", ".join("?" for _ in lanes)
        return [
            _item_count(row)
            for row in db.conn.execute(
                f"""
                SELECT a.stage_id, a.lane, a.key, a.label, a.entries, a.sessions, a.votes,
                    a.first, a.theme_id
                FROM agg_items a JOIN stages st ON st.id = a.stage_id
                WHERE st.study_id = ? AND a.lane IN ({lane_marks}) AND a.entries > 0
                ORDER BY a.entries DESC, a.votes DESC, a.key
                """,
                [study_id, *lanes],
            )
        ]
    scope, params = _session_scope(study_id, where, "e.session_id")
    lane_marks = ", ".join("?" for _ in lanes)
    return [
        _item_count(row)
        for row in db.conn.execute(
            f"""
            WITH keyed AS (
                SELECT e.id, e.created_at, e.stage_id, e.lane, e.text, e.votes, e.session_id,
                    th.id AS theme_id, th.title AS theme_title,
                    (SELECT '#' || t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                        WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE LIMIT 1) AS tag
                FROM entries e JOIN stages st ON st.id = e.stage_id
                LEFT JOIN themes th ON th.id = e.theme_id AND th.deleted_at IS NULL
                WHERE st.study_id = ? AND e.deleted_at IS NULL AND e.lane IN ({lane_marks})
                    {scope}
            )
            SELECT stage_id, lane,
                CASE WHEN theme_id IS NOT NULL THEN 'theme:' || theme_id
                    WHEN tag IS NOT NULL THEN lower(tag)
                    ELSE lower(trim(text)) END AS key,
                coalesce(theme_title, tag, min(trim(text))), count(*),
                count(DISTINCT session_id), sum(votes),
                min(created_at || char(31) || id), theme_id
            FROM keyed
            GROUP BY stage_id, lane, key
            ORDER BY count(*) DESC, sum(votes) DESC, key
            """,
            [study_id, *lanes, *params],
        )
    ]


@dataclass(frozen=True)
class Contribution:
    """Of the sessions that met a channel at a stage, how many went on to the next stage."""

    channel_id: str
    stage_id: str
    sessions: int
    went_on: int
    did_not: int


def channel_contributions(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[Contribution]:
    """Per channel and stage (but the last): sessions with a touchpoint there, split by
    whether they reached the next stage (one that was skipped counts: the session went on
    past it)."""
    if not where.active:
        return [
            Contribution(row[0], row[1], row[2], row[3], row[2] - row[3])
            for row in db.conn.execute(
                """
                SELECT a.channel_id, a.stage_id, a.sessions, a.went_on
                FROM agg_channels a JOIN stages st ON st.id = a.stage_id
                WHERE st.study_id = ? AND a.sessions > 0
                    AND st.position < (SELECT max(position) FROM stages WHERE study_id = ?)
                """,
                [study_id, study_id],
            )
        ]
    scope, params = _session_scope(study_id, where, "e.session_id")
    return [
        Contribution(row[0], row[1], row[2], row[3], row[2] - row[3])
        for row in db.conn.execute(
            f"""
            WITH met AS (
                SELECT DISTINCT e.channel_id, e.stage_id, e.session_id, st.position
                FROM entries e JOIN stages st ON st.id = e.stage_id
                WHERE st.study_id = ? AND e.deleted_at IS NULL
                    AND e.channel_id IS NOT NULL {scope}
            )
            SELECT met.channel_id, met.stage_id, count(*),
                sum(EXISTS (
                    SELECT 1 FROM stage_progress sp JOIN stages nx ON nx.id = sp.stage_id
                    WHERE sp.session_id = met.session_id AND nx.study_id = ?
                        AND nx.position = met.position + 1
                        AND sp.outcome IN ('reached', 'dropped', 'skipped')))
            FROM met
            WHERE met.position < (SELECT max(position) FROM stages WHERE study_id = ?)
            GROUP BY met.channel_id, met.stage_id
            """,
            [study_id, *params, study_id, study_id],
        )
    ]
