"""What the HTML poster shows, taken from the journey map (`capture.journey_map`).

The poster is a view of the same `JourneyMap` the review screen, the Markdown report
and the CSV map and touchpoints shapes are made from: nothing here counts or averages;
figures are only chosen and written (`capture.figures`: halves away from zero). The
parts:

- the map: stages as columns, lanes as rows (every lane but touchpoints, which have
  their grid; `--lanes` narrows them), each cell with its evidence entries and sessions,
  "thin" under three sessions, its top items as the CSV map has them and its tags;
- the emotion curve (`poster_curve`) and the funnel: reached, dropped (with its share
  of those that reached the stage, and the top reasons), skipped, went on;
- the touchpoint x stage grid: mentions, sessions, mean emotion and go-on;
- the workshop layer, apart: stickies, dot-votes, themes and opportunity -> pain
  links, the team's opinion, counted in none of the figures above.

People's text is cleaned of control characters (and masked under `--anonymize`) here;
it becomes HTML only through the template's autoescaping.
"""

from __future__ import annotations

from dataclasses import dataclass

from journey.capture.figures import decimal_text, percent_text
from journey.capture.journey_map import ChannelCell, JourneyMap, MapCell, MapItem
from journey.capture.sanitize import clean_text
from journey.exports.export_scope import ExportScope
from journey.exports.writers.codebook import TOP_ITEMS
from journey.exports.writers.poster_curve import Curve, build_curve
from journey.storage.models import LANE_TITLES, LANES

POSTER_ITEMS = 3  # items per map cell on the poster (the CSV map has TOP_ITEMS)
WORKSHOP_ITEMS = 2  # items per cell of the workshop layer, most votes first
assert POSTER_ITEMS <= TOP_ITEMS


@dataclass(frozen=True)
class ItemView:
    text: str
    entries: int
    sessions: int


@dataclass(frozen=True)
class CellView:
    entries: int
    sessions: int
    thin: bool
    items: tuple[ItemView, ...]
    tags: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class LaneRow:
    lane: str
    title: str
    cells: tuple[CellView, ...]


@dataclass(frozen=True)
class StageHead:
    position: int
    name: str


@dataclass(frozen=True)
class FunnelRow:
    name: str
    reached: int
    reached_share: str  # of the sessions that reached the first stage
    bar: float  # the same share, 0..100, for the bar's length
    dropped: int
    dropped_share: str  # of those that reached the stage
    skipped: int
    went_on: int
    reasons: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ChannelCellView:
    mentions: int
    sessions: int
    mean: str
    rated: int
    went_on: int | None  # None at the last stage
    did_not: int | None
    in_progress: int | None
    share: str | None  # went_on / (went_on + did_not), as a percentage
    thin: bool


@dataclass(frozen=True)
class ChannelRow:
    name: str
    cells: tuple[ChannelCellView | None, ...]


@dataclass(frozen=True)
class WorkshopItem:
    text: str
    stickies: int  # workshop stickies saying it
    votes: int
    theme: bool
    customers: int  # evidence entries saying it (0: workshop only)
    answers: tuple[str, ...]  # the pains an opportunity answers (links)


@dataclass(frozen=True)
class WorkshopCell:
    stickies: int
    votes: int
    items: tuple[WorkshopItem, ...]


@dataclass(frozen=True)
class WorkshopRow:
    lane: str
    title: str
    cells: tuple[WorkshopCell | None, ...]


@dataclass(frozen=True)
class Poster:
    title: str
    description: str
    sessions: int
    facts: tuple[str, ...]  # the filter, the lanes, anonymizing
    stages: tuple[StageHead, ...]
    lanes: tuple[LaneRow, ...]
    curve: Curve
    funnel: tuple[FunnelRow, ...]
    channels: tuple[ChannelRow, ...]
    workshop: tuple[WorkshopRow, ...]
    stickies: int
    votes: int
    links: int


def build_poster(journey_map: JourneyMap, scope: ExportScope) -> Poster:
    said = _Said(scope)
    lanes = scope.lanes or LANES
    columns = journey_map.stages
    workshop = _workshop_rows(journey_map, lanes, said)
    return Poster(
        title=clean_text(journey_map.study.name),
        description=clean_text(journey_map.study.description.strip()),
        sessions=journey_map.sessions,
        facts=_facts(scope),
        stages=tuple(StageHead(c.stage.position, clean_text(c.stage.name)) for c in columns),
        lanes=tuple(
            LaneRow(
                lane,
                LANE_TITLES[lane],
                tuple(_cell(journey_map.cell(c.stage, lane), said) for c in columns),
            )
            for lane in lanes
            if lane != "touchpoint"
        ),
        curve=build_curve(columns),
        funnel=_funnel(journey_map, said),
        channels=tuple(
            ChannelRow(
                clean_text(channel.name),
                tuple(_channel(journey_map.channel_cell(channel, c.stage)) for c in columns),
            )
            for channel in journey_map.channels
        ),
        workshop=workshop,
        stickies=sum(journey_map.cell(c.stage, lane).stickies for c in columns for lane in lanes),
        votes=sum(journey_map.cell(c.stage, lane).votes for c in columns for lane in lanes),
        links=_links(journey_map) if "opportunity" in lanes else 0,
    )


def _links(journey_map: JourneyMap) -> int:
    """Opportunity -> pain links between live items (as the review map draws them)."""
    return sum(len(pains) for pains in journey_map.links.values())


class _Said:
    """People's text as the poster shows it: masked when anonymizing, no control codes."""

    def __init__(self, scope: ExportScope) -> None:
        self.scope = scope

    def __call__(self, text: str | None) -> str:
        return clean_text(self.scope.text(text) or "")


def _facts(scope: ExportScope) -> tuple[str, ...]:
    where = scope.where
    facts = []
    for value, label in (
        (where.segment, "segment"),
        (where.interviewer, "interviewer"),
        (where.mode, "mode"),
        (where.since, "sessions started on or after"),
        (where.until, "sessions started before"),
    ):
        if value is not None:
            facts.append(f"{label} {clean_text(value)}")
    if scope.lanes is not None:
        facts.append(f"lanes {', '.join(scope.lanes)}")
    if scope.anonymize:
        facts.append("anonymized (e-mail addresses and phone numbers in text masked)")
    return tuple(facts)


def _cell(cell: MapCell, said: _Said) -> CellView:
    # The items customers said, as the CSV map has them (workshop-only items come after
    # every item customers said, so these are the map's first items).
    items = [item for item in cell.items if not item.workshop_only][:POSTER_ITEMS]
    return CellView(
        cell.entries,
        cell.sessions,
        cell.thin,
        tuple(ItemView(said(item.text), item.entries, item.sessions) for item in items),
        tuple((clean_text(tag), n) for tag, n in cell.tags),
    )


def _funnel(journey_map: JourneyMap, said: _Said) -> tuple[FunnelRow, ...]:
    first = journey_map.sessions
    rows = []
    for column in journey_map.stages:
        share = column.reached / first if first else 0.0
        dropped = column.dropped / column.reached if column.reached else 0.0
        rows.append(
            FunnelRow(
                clean_text(f"{column.stage.position} {column.stage.name}"),
                column.reached,
                percent_text(share),
                round(share * 100, 1),
                column.dropped,
                percent_text(dropped),
                column.skipped,
                column.went_on,
                tuple((said(reason), n) for reason, n in column.top_reasons),
            )
        )
    return tuple(rows)


def _channel(cell: ChannelCell | None) -> ChannelCellView | None:
    if cell is None:
        return None
    share = cell.went_on_share
    return ChannelCellView(
        cell.mentions,
        cell.sessions,
        decimal_text(cell.mean_emotion, signed=True, none="–") or "–",
        cell.rated,
        cell.went_on,
        cell.did_not,
        cell.in_progress,
        None if share is None else percent_text(share),
        cell.thin,
    )


def _workshop_rows(
    journey_map: JourneyMap, lanes: tuple[str, ...], said: _Said
) -> tuple[WorkshopRow, ...]:
    rows = []
    for lane in lanes:
        cells = tuple(
            _workshop_cell(journey_map, journey_map.cell(c.stage, lane), said)
            for c in journey_map.stages
        )
        if any(cell is not None for cell in cells):
            rows.append(WorkshopRow(lane, LANE_TITLES[lane], cells))
    return tuple(rows)


def _workshop_cell(journey_map: JourneyMap, cell: MapCell, said: _Said) -> WorkshopCell | None:
    items = [item for item in cell.items if _from_workshop(journey_map, item)]
    if not (cell.stickies or cell.votes or items):
        return None
    items.sort(key=lambda item: (-item.votes, -item.workshop_entries, -item.entries))
    return WorkshopCell(
        cell.stickies,
        cell.votes,
        tuple(
            WorkshopItem(
                said(item.text),
                item.workshop_entries,
                item.votes,
                item.theme_id is not None,
                item.entries,
                tuple(said(pain) for pain in journey_map.links.get(item.entry_id, ())),
            )
            for item in items[:WORKSHOP_ITEMS]
        ),
    )


def _from_workshop(journey_map: JourneyMap, item: MapItem) -> bool:
    """Whether a workshop touched the item: stickies, votes, a theme, or links."""
    return bool(
        item.workshop_entries
        or item.votes
        or item.theme_id is not None
        or item.entry_id in journey_map.links
    )
