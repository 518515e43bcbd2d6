"""Pick several items from a list (space marks, Enter confirms), some marked at first."""

from __future__ import annotations

from collections.abc import Collection

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.strip import Strip
from textual.widgets import SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist

from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.text import literal


class _Choices(SelectionList[str]):
    """Space marks the highlighted item at once and Enter confirms, each in the order the
    keys came. (A priority Enter runs as soon as it arrives, and SelectionList's space
    only posts a message that marks the item later: a space typed just ahead of Enter
    was lost.)"""

    BINDINGS = [Binding("enter", "screen.confirm", "Confirm", show=False)]

    def action_select(self) -> None:
        self._toggle_highlighted_selection()

    def render_line(self, y: int) -> Strip:
        """A marked choice shows `▐X▌`, an unmarked one an empty box `▐ ▌`, not only a
        dimmer X: nothing is told by colour alone (NO_COLOR, `TERM=linux`)."""
        line = super().render_line(y)
        try:
            choice = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)  # ▐ X ▌, a space, the prompt: as SelectionList draws them
        if choice.value in self._selected or len(segments) < 3 or segments[1].text != "X":
            return line
        segments[1] = Segment(" ", segments[1].style, segments[1].control)
        return Strip(segments, line.cell_length)


class PickScreen(JourneyDialog[list[str] | None]):
    """Returns the chosen values, or None when cancelled; the values in `marked` are
    marked when the list opens."""

    DEFAULT_CSS = """
    PickScreen {
        align: center middle;
    }
    PickScreen > Vertical {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    /* The question docked on top: the list takes the rest of the dialog (at most 90% of
       the screen) and scrolls when the options do not fit. */
    PickScreen #question {
        dock: top;
    }
    /* A choice longer than the list is wide is cut with an ellipsis, not silently. */
    PickScreen SelectionList {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Confirm"),  # shown in the footer; _Choices runs it
    ]

    def __init__(
        self,
        question: str,
        options: list[tuple[Text | str, str]],
        marked: Collection[str] = (),
    ) -> None:
        super().__init__()
        self.question = question
        self.options = options
        self.marked = marked

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.question + "  (space marks, Enter confirms)"), id="question")
            yield _Choices(*[(label, value, value in self.marked) for label, value in self.options])

    def action_confirm(self) -> None:
        if self.app.screen is self:  # once: a second Enter must not close the screen below
            self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)
