"""A modal form: name a study and pick its stage model."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from journey.capture.study import new_study
from journey.capture.template import BUILT_IN, DEFAULT_TEMPLATE, load_template
from journey.storage.errors import JourneyError
from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.screens.journey_screen import UsesJourney
from journey.tui.text import literal
from journey.tui.widgets.text_input import TextInput


class NewStudyScreen(UsesJourney, JourneyDialog[str | None]):
    """Returns the new study's id, or None when cancelled."""

    DEFAULT_CSS = """
    NewStudyScreen {
        align: center middle;
    }
    NewStudyScreen > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    NewStudyScreen Label {
        margin-top: 1;
    }
    NewStudyScreen #error {
        color: $error;
        height: auto;
    }
    NewStudyScreen #buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    NewStudyScreen Button {
        margin-left: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New study")
            yield Label("Name")
            yield TextInput(placeholder="e.g. Checkout study", id="name")
            yield Label("Stage model")
            yield Select(
                [(f"{name}: {load_template(name).description}", name) for name in BUILT_IN],
                value=DEFAULT_TEMPLATE,
                allow_blank=False,
                id="template",
            )
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#create")
    def create(self) -> None:
        name = self.query_one("#name", Input).value
        template = str(self.query_one("#template", Select).value)
        db = self.journey.db
        try:
            study = new_study(db, name, template)
        except JourneyError as error:
            self.query_one("#error", Static).update(literal(str(error)))
            return
        self.app.notify(f"Created study {study.name!r}", markup=False)
        self.dismiss(study.id)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
