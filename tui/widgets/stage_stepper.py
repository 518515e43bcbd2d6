"""Every stage of the study across the top: the current one, progress marks, entry counts
(in brackets, apart from the marks)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from journey.capture.session import StageState
from journey.tui.text import literal, stage_name

MARKS = {
    None: ("·", "dim"),
    "reached": ("✓", "green"),
    "dropped": ("✗", "bold red"),
    "skipped": ("↷", "yellow"),
}
LEGEND = "✓ reached  ✗ dropped  ↷ skipped  · not yet  ▶ current"


class StageStepper(Widget):
    DEFAULT_CSS = """
    StageStepper {
        height: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.states: list[StageState] = []

    def show(self, states: list[StageState]) -> None:
        self.states = states
        self.refresh()

    def render(self) -> Text:
        width = self.size.width or 80
        # Full names when they fit, then shortened names, then numbers with the current name.
        for shorten in (None, 10, 6, 0):
            line = self._line(shorten)
            if line.cell_len <= width:
                return line
        return line

    def _line(self, shorten: int | None) -> Text:
        """`✓1 Awareness (2) › ▶ 2 Consideration (8) › ·3 Decision`: the mark sits before a
        stage's number, its entry count in brackets after its name, so neither is read as
        the other. The current stage keeps its full name and shows a mark only when it
        was dropped or skipped there."""
        line = Text()
        for index, state in enumerate(self.states):
            if index:
                line.append(" › ", style="dim")
            glyph, style = MARKS.get(state.outcome, MARKS[None])
            name = state.stage.name
            if state.current:
                line.append("▶ ", style="bold reverse")
                if state.outcome in ("dropped", "skipped"):
                    line.append(glyph, style=f"{style} reverse")
                line.append_text(literal(f"{state.stage.position} {name}", style="bold reverse"))
                line.append(f" ({state.entries})", style="bold")
                continue
            if shorten == 0:
                label = Text(str(state.stage.position))
            else:
                room = len(f"{state.stage.position} ") + (shorten or len(name))
                label = stage_name(state.stage.position, name, room)  # cut as everywhere
            line.append(glyph, style=style)
            line.append_text(label)
            if state.entries:
                line.append(f" ({state.entries})", style="dim")
        return line
