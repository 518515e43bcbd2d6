"""The channel rows of the map: where each channel was met (mentions, sessions, its mean
emotion) and its go-on at each stage: of the sessions that met it there, those that
reached a later stage, those that ended there, and those still in progress."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from journey.storage.session_filter import (
    ENTRIES_FROM,
    EVIDENCE,
    NO_FILTER,
    SessionFilter,
    furthest_stages,
)


@dataclass(frozen=True)
class ChannelStage:
    channel_id: str
    channel: str
    stage_id: str
    mentions: int
    sessions: int
    mean_emotion: float | None
    rated: int


def channel_stages(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[ChannelStage]:
    """Evidence touchpoints per channel and stage, with their mean emotion."""
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
    condition, params = where.sql()
    return [
        ChannelStage(*row)
        for row in db.conn.execute(
            f"""
            SELECT c.id, c.name, e.stage_id, count(*), count(DISTINCT e.session_id),
                avg(e.emotion), count(e.emotion)
            {ENTRIES_FROM}
            JOIN channels c ON c.id = e.channel_id
            WHERE c.study_id = ? AND e.deleted_at IS NULL AND e.lane = 'touchpoint'
                AND {EVIDENCE} AND {condition}
            GROUP BY c.id, e.stage_id
            ORDER BY c.created_at, c.rowid
            """,
            [study_id, *params],
        )
    ]


@dataclass(frozen=True)
class Contribution:
    """Of the evidence sessions that met a channel at a stage: those that reached a later
    stage, those that ended there (dropped out there, or finished without reaching a
    later stage), and those still in progress there."""

    channel_id: str
    stage_id: str
    sessions: int
    went_on: int
    did_not: int

    @property
    def in_progress(self) -> int:
        return self.sessions - self.went_on - self.did_not


def channel_contributions(
    db: Database, study_id: str, where: SessionFilter = NO_FILTER
) -> list[Contribution]:
    """Per channel and stage (but the last): go-on of the sessions with a touchpoint there."""
    far, far_params = furthest_stages(study_id, where)
    if not where.active:
        met = "SELECT channel_id, stage_id, session_id FROM agg_channel_sessions"
        met_params: list = []
    else:
        condition, params = where.sql()
        met = f"""SELECT DISTINCT e.channel_id, e.stage_id, e.session_id {ENTRIES_FROM}
            WHERE st.study_id = ? AND e.deleted_at IS NULL AND e.channel_id IS NOT NULL
                AND e.lane = 'touchpoint' AND {EVIDENCE} AND {condition}"""
        met_params = [study_id, *params]
    return [
        Contribution(*row)
        for row in db.conn.execute(
            f"""
            WITH {far}, met AS ({met})
            SELECT met.channel_id, met.stage_id, count(*), sum(went_on),
                sum(NOT went_on AND (x.status = 'finished' OR EXISTS (
                    SELECT 1 FROM stage_progress d WHERE d.session_id = met.session_id
                        AND d.stage_id = met.stage_id AND d.outcome = 'dropped')))
            FROM (
                SELECT met.*, coalesce(f.far > st.position, 0) AS went_on
                FROM met
                JOIN stages st ON st.id = met.stage_id
                LEFT JOIN far f ON f.session_id = met.session_id
                WHERE st.study_id = ?
                    AND st.position < (SELECT max(position) FROM stages WHERE study_id = ?)
            ) AS met
            JOIN sessions x ON x.id = met.session_id
            GROUP BY met.channel_id, met.stage_id
            """,
            [*far_params, *met_params, study_id, study_id],
        )
    ]
