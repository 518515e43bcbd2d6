"""Form mode: an entry with lane, channel, emotion and effort chosen with the keyboard,
for people who would rather not learn the quick-entry syntax."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from journey.capture.entry_syntax import lane_fields
from journey.capture.quick_entry import ParsedEntry
from journey.capture.sanitize import entry_text
from journey.capture.session import InterviewSession
from journey.storage.errors import JourneyError
from journey.storage.models import LANE_TITLES, LANES
from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.text import emotion_text, literal
from journey.tui.widgets.text_input import TextInput

EMOTION_WORDS = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}


class EntryFormScreen(JourneyDialog[ParsedEntry | None]):
    DEFAULT_CSS = """
    EntryFormScreen {
        align: center middle;
    }
    EntryFormScreen > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 2;
        overflow-y: auto;
    }
    EntryFormScreen .row {
        height: auto;
    }
    EntryFormScreen .row > Label {
        width: 10;
        padding-top: 1;
    }
    EntryFormScreen .row > Input, EntryFormScreen .row > Select {
        width: 1fr;
    }
    /* The error shares the row of the buttons, so the form fits 80x24 with or without. */
    EntryFormScreen #error {
        color: $error;
        width: 1fr;
        height: auto;
        min-height: 3;
        content-align-vertical: middle;
    }
    EntryFormScreen #buttons {
        height: auto;
    }
    EntryFormScreen Button {
        margin-left: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, session: InterviewSession, lane: str = "note") -> None:
        super().__init__()
        self.session = session
        self.lane = lane

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(f"New entry at {self.session.current_stage.name}"))
            with Horizontal(classes="row"):
                yield Label("Lane")
                yield Select(
                    [(LANE_TITLES[lane], lane) for lane in LANES],
                    value=self.lane,
                    allow_blank=False,
                    id="lane",
                )
            with Horizontal(classes="row"):
                yield Label("Text")
                yield TextInput(placeholder="what the customer said", id="text")
            with Horizontal(classes="row"):
                yield Label("Channel")
                yield Select(
                    [(literal(c.name), c.id) for c in self.session.channels],
                    prompt="(none)",
                    id="channel",
                )
            with Horizontal(classes="row"):
                yield Label("Emotion")
                yield Select(
                    [
                        (emotion_text(value).append(f" {EMOTION_WORDS[value]}"), value)
                        for value in (2, 1, 0, -1, -2)
                    ],
                    prompt="(none)",
                    id="emotion",
                )
            with Horizontal(classes="row"):
                yield Label("Effort")
                yield Select(
                    [
                        (f"{n} {'(easy)' if n == 1 else '(hard)' if n == 7 else ''}", n)
                        for n in range(1, 8)
                    ],
                    prompt="(none)",
                    id="effort",
                )
            with Horizontal(classes="row"):
                yield Label("Tags")
                yield TextInput(placeholder="e.g. pricing checkout", id="tags")
            with Horizontal(id="buttons"):
                yield Static("", id="error")
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self._enable_fields(self.lane)
        self.query_one("#lane", Select).focus()

    @on(Select.Changed, "#lane")
    def _lane_changed(self, event: Select.Changed) -> None:
        self._enable_fields(str(event.value))

    def _enable_fields(self, lane: str) -> None:
        """Only the fields the lane takes can be filled in (as in the quick-entry syntax)."""
        takes = lane_fields(lane)
        for field in ("channel", "emotion", "effort"):
            select = self.query_one(f"#{field}", Select)
            select.disabled = field not in takes
            if select.disabled and not select.is_blank():
                select.clear()  # a greyed-out choice would look as if it were saved

    def _error(self, message: str, widget_id: str) -> None:
        self.query_one("#error", Static).update(literal(message))
        self.query_one(widget_id).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        lane = str(self.query_one("#lane", Select).value)
        takes = lane_fields(lane)

        def chosen(field: str):
            value = self.query_one(f"#{field}", Select).value
            return None if value is Select.NULL or field not in takes else value

        try:
            text = entry_text(self.query_one("#text", Input).value)
        except JourneyError as error:
            self._error(str(error), "#text")
            return
        channel_id = chosen("channel")
        channel = next((c for c in self.session.channels if c.id == channel_id), None)
        if "channel" in takes and channel is None:
            self._error("a touchpoint needs its channel: choose one", "#channel")
            return
        tags = tuple(
            t.lstrip("#") for t in self.query_one("#tags", Input).value.replace(",", " ").split()
        )
        self.dismiss(
            ParsedEntry(
                lane=lane,
                text=text,
                channel=channel,
                emotion=chosen("emotion"),
                effort=chosen("effort"),
                tags=tags,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
