"""Before anything is saved: does the participant agree to take part?

Asked where the study requires consent and none is recorded for the participant: of
the interviewer (`journey capture --participant P05` without `--consent`), or of the
participant at the keyboard on a survey's first screen. Yes records consent with its
time; no (or Escape) ends the session with nothing saved.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.text import literal


class ConsentScreen(ModalScreen[bool]):
    """Returns True when the participant agrees, False when not."""

    DEFAULT_CSS = """
    ConsentScreen {
        align: center middle;
    }
    ConsentScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ConsentScreen #question {
        margin-bottom: 1;
    }
    ConsentScreen #buttons {
        height: auto;
        align-horizontal: right;
    }
    ConsentScreen Button {
        margin-left: 2;
    }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, participant: str, study: str, survey: bool) -> None:
        super().__init__()
        self.participant = participant
        self.study = study
        self.survey = survey

    def compose(self) -> ComposeResult:
        if self.survey:
            question = literal(
                f"Before we start: this survey is part of the study {self.study!r}. Your "
                "answers are saved as you give them and used for this research only.\n\n"
                "Do you agree to take part?"
            )
        else:
            question = literal(
                f"Study {self.study!r} requires consent before anything is saved, and none is "
                f"recorded for {self.participant}.\n\n"
                f"Has {self.participant} agreed to take part? Yes records it, with the time."
            )
        with Vertical():
            yield Static(question, id="question")
            with Horizontal(id="buttons"):
                yield Button("No (nothing is saved)", id="no")
                yield Button("Yes, I agree" if self.survey else "Yes, record consent", id="yes")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, agreed: bool) -> None:
        self.dismiss(agreed)
