"""The journey map: a study's stages as columns and lanes as rows, every figure with its n.

Built from the storage aggregates in one read snapshot; the review screen, the
workshop and the exports all show this same model. Every customer figure counts
evidence (interviews and surveys) only; what workshops added (stickies, dot-votes,
themes, links) is a layer of its own beside it (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from journey.storage import aggregates, channel_figures, studies, workshop
from journey.storage.connection import read
from journey.storage.models import LANES, Channel, Stage, Study
from journey.storage.session_filter import NO_FILTER, SessionFilter

THIN_EVIDENCE = 3  # figures resting on fewer sessions than this are marked thin
ITEM_LANES = ("goal", "need", "expectation", "pain", "delight", "opportunity", "quote", "note")


@dataclass(frozen=True)
class MapItem:
    text: str  # a theme's title, or the first of the item's spellings
    entries: int  # evidence entries saying it
    sessions: int  # evidence sessions saying it
    votes: int  # workshop dot-votes on any of its entries
    entry_id: str  # the group's earliest entry (a vote on the item goes there)
    theme_id: str | None = None
    workshop_entries: int = 0  # workshop stickies saying it

    @property
    def workshop_only(self) -> bool:
        """Said in a workshop only: the team's opinion, no customer said it."""
        return self.entries == 0


@dataclass(frozen=True)
class MapCell:
    """One stage x lane cell: evidence entries and sessions, the items, the tags as
    facets, and the workshop layer (stickies and votes)."""

    stage: Stage
    lane: str
    entries: int
    sessions: int
    items: tuple[MapItem, ...]  # most evidence first
    stickies: int = 0
    votes: int = 0
    tags: tuple[tuple[str, int], ...] = ()  # (tag, evidence entries), most used first

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
    emotion_n: int  # evidence entries with an emotion
    emotion_sessions: int
    went_on: int = 0  # sessions that reached this stage and a later one

    @property
    def thin(self) -> bool:
        return self.emotion_sessions < THIN_EVIDENCE


@dataclass(frozen=True)
class ChannelCell:
    """A channel at a stage: touchpoint mentions, their mean emotion, and its go-on."""

    channel: Channel
    stage: Stage
    mentions: int
    sessions: int
    mean_emotion: float | None
    rated: int
    went_on: int | None  # None at the last stage: there is no later stage to reach
    did_not: int | None
    in_progress: int | None = None

    @property
    def thin(self) -> bool:
        return self.sessions < THIN_EVIDENCE

    @property
    def went_on_share(self) -> float | None:
        """went_on / (went_on + did_not): of the sessions that met it here and have an
        outcome, the share that reached a later stage; None without any."""
        if self.went_on is None or self.did_not is None:
            return None
        decided = self.went_on + self.did_not
        return self.went_on / decided if decided else None


@dataclass(frozen=True)
class JourneyMap:
    study: Study
    stages: tuple[StageColumn, ...]
    cells: dict[tuple[str, str], MapCell]  # (stage id, lane)
    channels: tuple[Channel, ...]  # those with at least one mention, in study order
    channel_cells: dict[tuple[str, str], ChannelCell]  # (channel id, stage id)
    where: SessionFilter
    # opportunity item (its earliest entry) -> the pain items it answers, as shown
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def cell(self, stage: Stage, lane: str) -> MapCell:
        return self.cells.get((stage.id, lane)) or MapCell(stage, lane, 0, 0, ())

    def channel_cell(self, channel: Channel, stage: Stage) -> ChannelCell | None:
        return self.channel_cells.get((channel.id, stage.id))

    @property
    def sessions(self) -> int:
        """Evidence sessions that reached the first stage: the top of the funnel."""
        return self.stages[0].reached if self.stages else 0


def build_map(
    db: Database, study: Study, where: SessionFilter = NO_FILTER, top: int | None = 5
) -> JourneyMap:
    """The whole map of a study, for the sessions `where` selects, from one snapshot."""
    with read(db):
        figures = _MapFigures(
            stages=studies.stages(db, study.id),
            channels=studies.channels(db, study.id),
            reach={r.stage_id: r for r in aggregates.stage_reach(db, study.id, where)},
            emotions={e.stage_id: e for e in aggregates.stage_emotions(db, study.id, where)},
            counts=aggregates.lane_counts(db, study.id, where),
            items=aggregates.item_counts(db, study.id, LANES, where),
            layers=aggregates.workshop_layers(db, study.id, where),
            tags=aggregates.tag_counts(db, study.id, where),
            channel_stages=channel_figures.channel_stages(db, study.id, where),
            contributions={
                (c.channel_id, c.stage_id): c
                for c in channel_figures.channel_contributions(db, study.id, where)
            },
        )
        links = workshop.item_links(db, study.id)
    channel_cells = _channel_cells(figures)
    mentioned = {channel_id for channel_id, _ in channel_cells}
    return JourneyMap(
        study,
        _columns(figures),
        _cells(figures, top),
        tuple(c for c in figures.channels if c.id in mentioned),
        channel_cells,
        where,
        links,
    )


@dataclass(frozen=True)
class _MapFigures:
    """What build_map reads, in one snapshot, before it is shaped into the map."""

    stages: list[Stage]
    channels: list[Channel]
    reach: dict
    emotions: dict
    counts: list
    items: list
    layers: list
    tags: list
    channel_stages: list
    contributions: dict


def _columns(figures: _MapFigures) -> tuple[StageColumn, ...]:
    reach, emotions = figures.reach, figures.emotions
    return tuple(
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
            reach[stage.id].went_on,
        )
        for stage in figures.stages
    )


def _cells(figures: _MapFigures, top: int | None) -> dict[tuple[str, str], MapCell]:
    """Each (stage, lane) cell: customer counts, its items (top=None: every item), the
    workshop layer and tag facets."""
    by_id = {s.id: s for s in figures.stages}
    grouped: dict[tuple[str, str], list[MapItem]] = {}
    for item in figures.items:
        grouped.setdefault((item.stage_id, item.lane), []).append(
            MapItem(
                item.text,
                item.entries,
                item.sessions,
                item.votes,
                item.entry_id,
                item.theme_id,
                item.workshop_entries,
            )
        )
    faceted: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for tag in figures.tags:
        faceted.setdefault((tag.stage_id, tag.lane), []).append((tag.tag, tag.entries))
    evidence = {(c.stage_id, c.lane): c for c in figures.counts}
    opinion = {(layer.stage_id, layer.lane): layer for layer in figures.layers}
    cells = {}
    for key in evidence.keys() | opinion.keys() | grouped.keys():
        count, layer = evidence.get(key), opinion.get(key)
        cells[key] = MapCell(
            by_id[key[0]],
            key[1],
            count.entries if count else 0,
            count.sessions if count else 0,
            tuple(grouped.get(key, [])[:top]),
            layer.stickies if layer else 0,
            layer.votes if layer else 0,
            tuple(faceted.get(key, ())),
        )
    return cells


def _channel_cells(figures: _MapFigures) -> dict[tuple[str, str], ChannelCell]:
    """Each (channel, stage) a touchpoint names; no go-on figures at the last stage."""
    by_id = {s.id: s for s in figures.stages}
    channels_by_id = {c.id: c for c in figures.channels}
    last_stage = figures.stages[-1].id if figures.stages else None
    channel_cells = {}
    for cs in figures.channel_stages:
        contribution = figures.contributions.get((cs.channel_id, cs.stage_id))
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
            None if at_last else (contribution.in_progress if contribution else 0),
        )
    return channel_cells
