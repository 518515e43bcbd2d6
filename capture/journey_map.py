"""The journey map: a study's stages as columns and lanes as rows, every figure with its n.

Built from the storage aggregates in one read snapshot; the review screen, the
workshop and the exports all show this same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from storage import aggregates, studies, workshop
from storage.aggregates import NO_FILTER, SessionFilter
from storage.connection import read
from storage.models import LANES, Channel, Stage, Study

THIN_EVIDENCE = 3  # cells resting on fewer sessions than this are marked thin
ITEM_LANES = ("goal", "need", "expectation", "pain", "delight", "opportunity", "quote", "note")


@dataclass(frozen=True)
class MapItem:
    text: str  # as typed (one of the group), "#tag", or a theme's title
    entries: int
    sessions: int
    votes: int
    entry_id: str  # the group's earliest entry (a vote on the item goes there)
    theme_id: str | None = None


@dataclass(frozen=True)
class MapCell:
    """One stage x lane cell."""

    stage: Stage
    lane: str
    entries: int
    sessions: int
    items: tuple[MapItem, ...]  # most frequent first

    @property
    def thin(self) -> bool:
        return self.sessions < THIN_EVIDENCE


@dataclass(frozen=True)
class StageColumn:
    stage: Stage
    reached: int
    dropped: int
    skipped: int
    top_reasons: tuple[tuple[str, int], ...]
    emotion_mean: float | None
    emotion_spread: float | None
    emotion_n: int  # entries with an emotion
    emotion_sessions: int

    @property
    def thin(self) -> bool:
        return self.emotion_sessions < THIN_EVIDENCE

    @property
    def went_on(self) -> int:
        return self.reached - self.dropped


@dataclass(frozen=True)
class ChannelCell:
    """A channel at a stage: touchpoint mentions, their mean emotion, and its contribution."""

    channel: Channel
    stage: Stage
    mentions: int
    sessions: int
    mean_emotion: float | None
    rated: int
    went_on: int | None  # None at the last stage: there is no next stage to reach
    did_not: int | None

    @property
    def thin(self) -> bool:
        return self.sessions < THIN_EVIDENCE


@dataclass(frozen=True)
class JourneyMap:
    study: Study
    stages: tuple[StageColumn, ...]
    cells: dict[tuple[str, str], MapCell]  # (stage id, lane)
    channels: tuple[Channel, ...]  # those with at least one mention, in study order
    channel_cells: dict[tuple[str, str], ChannelCell]  # (channel id, stage id)
    where: SessionFilter
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # opportunity -> pains

    def cell(self, stage: Stage, lane: str) -> MapCell:
        return self.cells.get((stage.id, lane)) or MapCell(stage, lane, 0, 0, ())

    def channel_cell(self, channel: Channel, stage: Stage) -> ChannelCell | None:
        return self.channel_cells.get((channel.id, stage.id))

    @property
    def sessions(self) -> int:
        """Sessions that reached the first stage: the top of the funnel."""
        return self.stages[0].reached if self.stages else 0


def build_map(
    db: Database, study: Study, where: SessionFilter = NO_FILTER, top: int | None = 5
) -> JourneyMap:
    """The whole map of a study, for the sessions `where` selects, from one snapshot."""
    with read(db):
        stage_list = studies.stages(db, study.id)
        channel_list = studies.channels(db, study.id)
        reach = {r.stage_id: r for r in aggregates.stage_reach(db, study.id, where)}
        emotions = {e.stage_id: e for e in aggregates.stage_emotions(db, study.id, where)}
        counts = aggregates.lane_counts(db, study.id, where)
        items = aggregates.item_counts(db, study.id, LANES, where)
        channel_stages = aggregates.channel_stages(db, study.id, where)
        contributions = {
            (c.channel_id, c.stage_id): c
            for c in aggregates.channel_contributions(db, study.id, where)
        }
        links: dict[str, tuple[str, ...]] = {}
        for found in workshop.study_links(db, study.id):
            links[found.opportunity_id] = (*links.get(found.opportunity_id, ()), found.pain)
    by_id = {s.id: s for s in stage_list}
    columns = tuple(
        StageColumn(
            stage,
            reach[stage.id].reached,
            reach[stage.id].dropped,
            reach[stage.id].skipped,
            reach[stage.id].top_reasons,
            emotions[stage.id].mean,
            emotions[stage.id].spread,
            emotions[stage.id].n,
            emotions[stage.id].sessions,
        )
        for stage in stage_list
    )
    grouped: dict[tuple[str, str], list[MapItem]] = {}
    for item in items:
        grouped.setdefault((item.stage_id, item.lane), []).append(
            MapItem(
                item.text, item.entries, item.sessions, item.votes, item.entry_id, item.theme_id
            )
        )
    cells = {
        (c.stage_id, c.lane): MapCell(
            by_id[c.stage_id],
            c.lane,
            c.entries,
            c.sessions,
            tuple(grouped.get((c.stage_id, c.lane), [])[:top]),  # top=None: every item
        )
        for c in counts
    }
    channels_by_id = {c.id: c for c in channel_list}
    last_stage = stage_list[-1].id if stage_list else None
    channel_cells = {}
    for cs in channel_stages:
        contribution = contributions.get((cs.channel_id, cs.stage_id))
        at_last = cs.stage_id == last_stage
        channel_cells[(cs.channel_id, cs.stage_id)] = ChannelCell(
            channels_by_id[cs.channel_id],
            by_id[cs.stage_id],
            cs.mentions,
            cs.sessions,
            cs.mean_emotion,
            cs.rated,
            None if at_last else (contribution.went_on if contribution else 0),
            None if at_last else (contribution.did_not if contribution else 0),
        )
    mentioned = {channel_id for channel_id, _ in channel_cells}
    return JourneyMap(
        study,
        columns,
        cells,
        tuple(c for c in channel_list if c.id in mentioned),
        channel_cells,
        where,
        links,
    )
