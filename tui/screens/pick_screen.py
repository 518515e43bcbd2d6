"""Pick several items from a list (space marks, Enter confirms)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from tui.text import literal


class _Choices(SelectionList[str]):
    """Space marks the highlighted item at once and Enter confirms, each in the order the
    keys came. (A priority Enter runs as soon as it arrives, and SelectionList's space
    only posts a message that marks the item later: a space typed just ahead of Enter
    was lost.)"""

    BINDINGS = [Binding("enter", "screen.confirm", "Confirm", show=False)]

    def action_select(self) -> None:
        self._toggle_highlighted_selection()


class PickScreen(ModalScreen[list[str] | None]):
    """Returns the chosen values, or None when cancelled."""

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

    def __init__(self, question: str, options: list[tuple[Text | str, str]]) -> None:
        super().__init__()
        self.question = question
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.question + "  (space marks, Enter confirms)"), id="question")
            yield _Choices(*[(label, value) for label, value in self.options])

    def action_confirm(self) -> None:
        if self.app.screen is self:  # once: a second Enter must not close the screen below
            self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)
