"""One lane of the current stage (goals, needs, touchpoints...) with what was captured."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from journey.storage.models import LANE_TITLES, Channel, Entry
from journey.tui.text import emotion_text, literal


def entry_line(entry: Entry, channels: dict[str, Channel]) -> Text:
    """An entry as one line: channel, emotion glyph, effort, text, tags."""
    line = Text()
    if entry.channel_id and entry.channel_id in channels:
        line.append_text(literal(channels[entry.channel_id].name, style="bold"))
        line.append(" ")
    if entry.emotion is not None:
        line.append_text(emotion_text(entry.emotion))
        line.append(" ")
    if entry.effort is not None:
        line.append(f"e{entry.effort} ", style="cyan")
    line.append_text(literal(entry.text))
    for tag in entry.tags:
        line.append_text(literal(f" #{tag}", style="magenta"))
    return line


class LaneCard(Static):
    DEFAULT_CSS = """
    LaneCard {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, lane: str) -> None:
        super().__init__(id=f"lane-{lane}", classes="lane")
        self.lane = lane

    def show(self, entries: list[Entry], channels: dict[str, Channel]) -> None:
        text = Text()
        text.append(f"{LANE_TITLES[self.lane]} ({len(entries)})", style="bold underline")
        if not entries:
            text.append("  none yet", style="dim")
        for entry in entries:
            text.append("\n• ")
            text.append_text(entry_line(entry, channels))
        self.set_class(not entries, "-empty")
        self.update(text)
