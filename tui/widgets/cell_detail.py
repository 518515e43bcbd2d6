"""The highlighted map cell in full, under the map: its items and reasons whole, where the
map's columns cut them to fit."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from journey.capture.figures import percent_text
from journey.capture.journey_map import JourneyMap, StageColumn
from journey.capture.moments import MomentsOfTruth
from journey.storage.models import LANE_TITLES
from journey.tui.text import emotion_text, literal
from journey.tui.widgets.journey_map_table import (
    LARGEST_DROP,
    LOWEST,
    MOMENT_WORDS,
    TOP_PAIN,
    JourneyMapTable,
)


class CellDetail(Static):
    DEFAULT_CSS = """
    CellDetail {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown = ""

    def show_cell(self, table: JourneyMapTable) -> None:
        keys = table.keys_at_cursor()
        journey_map = table.journey_map
        text = Text()
        if keys is not None and journey_map is not None:
            text = cell_detail(journey_map, table.moments, *keys)
        if text.plain != self._shown:  # only a change is sent to the terminal
            self._shown = text.plain
            self.update(text)


def cell_detail(journey_map: JourneyMap, moments: MomentsOfTruth, row: str, stage_id: str) -> Text:
    """The cell at (row key, stage id) in one paragraph, nothing cut."""
    column = next((c for c in journey_map.stages if c.stage.id == stage_id), None)
    if column is None:
        return Text()
    text = literal(f"{column.stage.position} {column.stage.name}", style="bold")
    if row in ("reach", "dropped", "emotion"):
        text.append(" · ")
        text.append_text(_stage_figures(column, moments))
    elif row.startswith("channel:"):
        channel = next(c for c in journey_map.channels if c.id == row.split(":", 1)[1])
        text.append_text(literal(f" · touchpoint {channel.name}: "))
        cell = journey_map.channel_cell(channel, column.stage)
        if cell is not None:
            text.append(f"{cell.mentions} mentions in {cell.sessions} sessions, ")
            text.append_text(emotion_text(cell.mean_emotion))
    elif row in LANE_TITLES:
        text.append_text(_items(journey_map, moments, column, row))
    return text


def _stage_figures(column: StageColumn, moments: MomentsOfTruth) -> Text:
    text = Text(f"{column.reached} reached, {column.dropped} dropped")
    if moments.largest_drop is column:
        text.append(f" ({LARGEST_DROP} {MOMENT_WORDS[LARGEST_DROP]})", style="bold")
    for reason, count in column.top_reasons:
        text.append_text(literal(f" · {count} {reason}"))
    text.append(" · emotion ")
    text.append_text(emotion_text(column.emotion_mean))
    text.append(f" n={column.emotion_n}")
    if column.thin:
        text.append(" thin")
    if moments.lowest is column:
        text.append(f" ({LOWEST} {MOMENT_WORDS[LOWEST]})", style="bold")
    if column.reached and column.went_on:
        text.append(f" · went on {percent_text(column.went_on / column.reached)}")
    return text


def _items(
    journey_map: JourneyMap, moments: MomentsOfTruth, column: StageColumn, lane: str
) -> Text:
    cell = journey_map.cell(column.stage, lane)
    text = Text(f" · {LANE_TITLES[lane].lower()}: ")
    if not cell.items:
        text.append("none", style="dim")
    top = moments.top_pains.get(column.stage.id)
    for index, item in enumerate(cell.items):
        if index:
            text.append(" · ")
        if top is not None and item.entry_id == top.entry_id and lane == "pain":
            text.append(f"{TOP_PAIN} {MOMENT_WORDS[TOP_PAIN]}: ", style="bold")
        count = f"◇{item.workshop_entries}" if item.workshop_only else str(item.entries)
        text.append(f"{count} ", style="bold")
        text.append_text(literal(item.text))
    return text
