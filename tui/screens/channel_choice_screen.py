"""Asked once when a typed channel is unknown or ambiguous: add it, or pick one."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from journey.capture.session import InterviewSession
from journey.storage.errors import JourneyError
from journey.storage.models import Channel
from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.text import literal

ADD = "\x00add"


class ChannelChoiceScreen(JourneyDialog[Channel | None]):
    DEFAULT_CSS = """
    ChannelChoiceScreen {
        align: center middle;
    }
    ChannelChoiceScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    /* The question docked on top: the list takes the rest of the dialog, every option
       when the screen has room, and scrolls only when it has not. */
    ChannelChoiceScreen #question {
        dock: top;
    }
    ChannelChoiceScreen OptionList {
        height: auto;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, session: InterviewSession, word: str, candidates: Sequence[Channel] = ()
    ) -> None:
        super().__init__()
        self.session = session
        self.word = word
        self.candidates = list(candidates)

    def compose(self) -> ComposeResult:
        known = self.candidates or self.session.channels
        question = Text()
        if self.candidates:
            question.append("Which channel is ")
            question.append_text(literal(self.word, style="bold"))
            question.append("?")
        elif not self.word:  # "t: -1 slow": no channel typed at all
            question.append("Which channel was it? Pick one:")
        else:
            question.append("No channel is called ")
            question.append_text(literal(self.word, style="bold"))
            question.append(". Add it to the study, or pick one:")
        options: list[Option] = []
        if self.word and not self.candidates:
            label = Text("+ Add ")
            label.append_text(literal(self.word, style="bold"))
            label.append(" as a new channel")
            options.append(Option(label, id=ADD))
        options.extend(Option(literal(c.name), id=c.id) for c in known)
        with Vertical():
            yield Static(question, id="question")
            yield OptionList(*options, id="choices")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == ADD:
            try:
                self.dismiss(self.session.add_channel(self.word))
            except JourneyError as error:
                self.notify(str(error), severity="error", markup=False)
            return
        for channel in self.session.channels:
            if channel.id == event.option_id:
                self.dismiss(channel)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)
