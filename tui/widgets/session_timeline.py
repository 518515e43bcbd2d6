"""This interview's stages left to right with its emotion curve so far."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from journey.capture.figures import nearest_whole
from journey.storage.models import Stage
from journey.tui.text import emotion_text

ROWS = (2, 1, 0, -1, -2)


class SessionTimeline(Widget):
    """One line when space is short; a five-row curve (+2 at the top, -2 at the bottom)
    when the screen is tall enough (the -tall class)."""

    DEFAULT_CSS = """
    SessionTimeline {
        height: 2;
        padding: 0 1;
        border-top: solid $primary-darken-2;
    }
    SessionTimeline.-tall {
        height: 8;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.curve: list[tuple[Stage, float | None, int]] = []

    def show(self, curve: list[tuple[Stage, float | None, int]]) -> None:
        self.curve = curve
        self.refresh()

    def render(self) -> Text:
        if self.has_class("-tall"):
            return self._chart()
        line = Text("Emotion ", style="bold")
        for index, (stage, mean, n) in enumerate(self.curve):
            if index:
                line.append(" ─ ", style="dim")
            line.append(f"{stage.position}:")
            line.append_text(emotion_text(mean))
            if n:
                line.append(f" n{n}", style="dim")
        return line

    def _chart(self) -> Text:
        width = max(8, ((self.size.width or 80) - 6) // max(len(self.curve), 1))
        chart = Text()
        for row in ROWS:
            chart.append(f"{row:+d} │" if row else " 0 │", style="dim")
            for _stage, mean, _n in self.curve:
                cell = " " * width
                if mean is not None and nearest_whole(mean) == row:
                    glyph = emotion_text(mean)
                    cell = glyph.plain.center(width)
                    chart.append(cell, style=glyph.style)
                else:
                    chart.append(cell)
            chart.append("\n")
        chart.append("   └", style="dim")
        for stage, _mean, n in self.curve:
            label = f"{stage.position} n{n}" if n else str(stage.position)
            chart.append(label.center(width), style="dim")
        return chart
