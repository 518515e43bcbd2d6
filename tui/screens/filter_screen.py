"""Choose which sessions the map counts: segment, interviewer, mode, date range."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from journey.capture.filters import parse_moment
from journey.storage.errors import InvalidValue
from journey.storage.session_filter import SessionFilter
from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.text import literal
from journey.tui.widgets.text_input import TextInput


class FilterScreen(JourneyDialog[SessionFilter | None]):
    DEFAULT_CSS = """
    FilterScreen {
        align: center middle;
    }
    FilterScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 2;
        overflow-y: auto;
    }
    FilterScreen .row {
        height: auto;
    }
    FilterScreen .row > Label {
        width: 13;
        padding-top: 1;
    }
    FilterScreen .row > Select, FilterScreen .row > Input {
        width: 1fr;
    }
    FilterScreen #error {
        color: $error;
        height: auto;
    }
    FilterScreen #buttons {
        height: auto;
        align-horizontal: right;
    }
    FilterScreen Button {
        margin-left: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: SessionFilter, values: dict[str, list[str]]) -> None:
        super().__init__()
        self.current = current
        self.values = values

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Which sessions to count (empty = all)")
            for field in ("segment", "interviewer", "mode"):
                with Horizontal(classes="row"):
                    yield Label(field.capitalize())
                    value = getattr(self.current, field)
                    yield Select(
                        [(literal(v), v) for v in self.values.get(field, [])],
                        prompt="(all)",
                        value=value if value in self.values.get(field, []) else Select.NULL,
                        id=field,
                    )
            with Horizontal(classes="row"):
                yield Label("Since")
                yield TextInput(self.current.since or "", placeholder="YYYY-MM-DD", id="since")
            with Horizontal(classes="row"):
                yield Label("Before")
                yield TextInput(self.current.until or "", placeholder="YYYY-MM-DD", id="before")
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Clear", id="clear")
                yield Button("Apply", id="apply", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def apply(self) -> None:
        def chosen(field: str) -> str | None:
            value = self.query_one(f"#{field}", Select).value
            return None if value is Select.NULL else str(value)

        try:
            since = parse_moment(self.query_one("#since", Input).value, "since")
            until = parse_moment(self.query_one("#before", Input).value, "before")
        except InvalidValue as error:
            self.query_one("#error", Static).update(literal(str(error)))
            return
        self.dismiss(
            SessionFilter(
                segment=chosen("segment"),
                interviewer=chosen("interviewer"),
                mode=chosen("mode"),
                since=since,
                until=until,
            )
        )

    @on(Button.Pressed, "#clear")
    def clear(self) -> None:
        self.dismiss(SessionFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)
