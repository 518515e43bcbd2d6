"""The short form before an interview: study, participant, segment, interviewer, consent."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from capture.session import InterviewSession
from storage.errors import JourneyError
from storage.sessions import next_participant_code
from storage.studies import get_study, list_studies
from tui.text import literal
from tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from tui.app import JourneyApp


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class NewInterviewScreen(ModalScreen[InterviewSession | None]):
    """Returns the started (or resumed) session, or None when cancelled."""

    DEFAULT_CSS = """
    NewInterviewScreen {
        align: center middle;
    }
    NewInterviewScreen > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 2;
        overflow-y: auto;
    }
    NewInterviewScreen .row {
        height: auto;
    }
    NewInterviewScreen .row > Label {
        width: 14;
        padding-top: 1;
    }
    NewInterviewScreen .row > Input, NewInterviewScreen .row > Select {
        width: 1fr;
    }
    NewInterviewScreen #error {
        color: $error;
        height: auto;
    }
    NewInterviewScreen #buttons {
        height: auto;
        align-horizontal: right;
    }
    NewInterviewScreen Button {
        margin-left: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, study_id: str | None = None, mode: str = "interview") -> None:
        super().__init__()
        self.study_id = study_id
        self.mode = mode

    @property
    def journey(self) -> JourneyApp:
        return cast("JourneyApp", self.app)

    def compose(self) -> ComposeResult:
        studies = list_studies(self.journey.db)
        study_id = self.study_id or (studies[0].id if studies else None)
        with Vertical():
            yield Static("New interview", classes="title")
            with Horizontal(classes="row"):
                yield Label("Study")
                yield Select(
                    [(literal(s.name), s.id) for s in studies],
                    value=study_id if study_id else Select.NULL,
                    allow_blank=False,
                    id="study",
                )
            with Horizontal(classes="row"):
                yield Label("Participant")
                yield TextInput(
                    next_participant_code(self.journey.db, study_id) if study_id else "P01",
                    id="participant",
                )
            with Horizontal(classes="row"):
                yield Label("Segment")
                yield TextInput(placeholder="e.g. first-time buyer (optional)", id="segment")
            with Horizontal(classes="row"):
                yield Label("Interviewer")
                yield TextInput(login_name(), id="interviewer")
            with Horizontal(classes="row"):
                yield Label("Mode")
                yield Select(
                    [
                        ("interview (you type what you hear)", "interview"),
                        ("survey (the participant types)", "survey"),
                    ],
                    value=self.mode,
                    allow_blank=False,
                    id="mode",
                )
            yield Checkbox("Consent given (recorded with the time)", id="consent")
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Start", id="start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#participant", Input).focus()

    @on(Select.Changed, "#study")
    def _study_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#participant", Input).value = next_participant_code(
                self.journey.db, event.value
            )

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        study_id = self.query_one("#study", Select).value
        code = self.query_one("#participant", Input).value.strip()
        error = self.query_one("#error", Static)
        if not isinstance(study_id, str):
            error.update("Choose a study (create one on the home screen first).")
            return
        if not code:
            error.update("Give the participant a code, such as P07 (never their name).")
            return
        if not self.query_one("#consent", Checkbox).value:
            error.update("Tick 'Consent given' once the participant has agreed to take part.")
            self.query_one("#consent", Checkbox).focus()
            return
        db = self.journey.db
        try:
            session = InterviewSession.start(
                db,
                get_study(db, study_id),
                code,
                segment=self.query_one("#segment", Input).value,
                interviewer=self.query_one("#interviewer", Input).value,
                mode=str(self.query_one("#mode", Select).value),
                consent=True,
            )
        except JourneyError as problem:
            error.update(literal(str(problem)))
            return
        self.dismiss(session)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
