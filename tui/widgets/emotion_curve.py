"""The emotion curve of a journey: stages left to right, the -2..+2 scale top to bottom.

Drawn by tui/curve_drawing.py (braille lines and whiskers, ● ■ means, ○ □ thin). A
widget of our own rather than a plotting library: a chart library draws axes and ticks
of its own and cannot put n, "thin" and the moments of truth under each stage in the
map's words. It repaints only when what it shows changes (or the terminal is resized):
an idle screen writes nothing. On the Linux console (TERM=linux), whose fonts have no
braille, it draws with ASCII marks instead.
"""

from __future__ import annotations

import os

from rich.console import Group
from rich.text import Text
from textual.widget import Widget

from journey.tui.curve_drawing import LABEL_ROWS, CurveSeries, draw_curve, legend


class EmotionCurve(Widget):
    """`show(names, series)`; the chart takes the widget's height less the label rows."""

    DEFAULT_CSS = """
    EmotionCurve {
        height: 9;
        border-top: solid $primary-darken-2;
        border-title-align: left;
        border-title-color: $text;
        padding: 0 1 0 0;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[Text] = []
        self.series: list[CurveSeries] = []
        self._shown: tuple = ()
        self.plain = os.environ.get("TERM") == "linux"

    def show(self, names: list[Text], series: list[CurveSeries]) -> None:
        key = (tuple((n.plain, tuple(n.spans)) for n in names), tuple(series))
        if key == self._shown:
            return  # the same picture: nothing to send to the terminal
        self._shown = key
        self.names, self.series = names, series
        title = Text("Emotion -2..+2  ", style="bold")
        title.append_text(legend(series, self.plain))
        self.border_title = title
        self.refresh()

    def render(self) -> Group:
        if not self.series:
            return Group(Text("no emotions recorded yet", style="dim"))
        rows = max(1, self.size.height - LABEL_ROWS)
        return Group(*draw_curve(self.size.width, rows, self.names, self.series, self.plain))
