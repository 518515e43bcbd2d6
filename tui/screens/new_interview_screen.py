"""The short form before an interview: study, participant, segment, interviewer, consent."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from journey.capture.session import InterviewSession
from journey.capture.study import login_name
from journey.storage.errors import ConsentRequired, JourneyError
from journey.storage.models import Study
from journey.storage.sessions import next_participant_code
from journey.storage.studies import get_study, list_studies
from journey.tui.screens.consent_screen import ConsentScreen
from journey.tui.screens.journey_dialog import JourneyDialog
from journey.tui.screens.journey_screen import UsesJourney
from journey.tui.text import literal
from journey.tui.widgets.text_input import TextInput


def consent_label(given: bool) -> str:
    """The consent box says its state in words: ticked or not looks alike without colour."""
    if given:
        return "Consent given: yes, recorded with the time"
    return "Consent given: not yet (tick once the participant agrees)"


class NewInterviewScreen(UsesJourney, JourneyDialog[InterviewSession | None]):
    """Returns the started (or resumed) session, or None when cancelled."""

    # One line per field (compact widgets) so the whole form, Start included, fits 80x24;
    # a background of their own keeps the fields visible without their borders.
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
        padding: 0 1;
        overflow-y: auto;
    }
    NewInterviewScreen .title {
        text-style: bold;
        margin-bottom: 1;
    }
    NewInterviewScreen .row {
        height: 1;
        margin-bottom: 1;
    }
    NewInterviewScreen .row > Label {
        width: 14;
    }
    NewInterviewScreen .row > Input, NewInterviewScreen .row > Select {
        width: 1fr;
    }
    NewInterviewScreen Input, NewInterviewScreen SelectCurrent {
        background: $boost;
    }
    NewInterviewScreen Input:focus, NewInterviewScreen Select:focus > SelectCurrent {
        background: $primary 30%;
    }
    NewInterviewScreen SelectCurrent {
        padding: 0 1 0 0;
    }
    NewInterviewScreen Checkbox {
        border: none !important;
        padding: 0;
        background: $surface;
        width: 1fr;
    }
    NewInterviewScreen #error {
        color: $error;
        height: auto;
        margin-top: 1;
    }
    NewInterviewScreen #buttons {
        height: 1;
        align-horizontal: right;
    }
    NewInterviewScreen Button {
        margin-left: 2;
        min-width: 10;
    }
    NewInterviewScreen Button.-style-default {
        background: $panel;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, study_id: str | None = None, mode: str = "interview") -> None:
        super().__init__()
        self.study_id = study_id
        self.mode = mode
        self.suggested = ""  # the next free code the form offered

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
                    compact=True,
                    id="study",
                )
            with Horizontal(classes="row"):
                yield Label("Participant")
                self.suggested = (
                    next_participant_code(self.journey.db, study_id) if study_id else "P01"
                )
                yield TextInput(self.suggested, compact=True, id="participant")
            with Horizontal(classes="row"):
                yield Label("Segment")
                yield TextInput(
                    placeholder="e.g. first-time buyer (optional)", compact=True, id="segment"
                )
            with Horizontal(classes="row"):
                yield Label("Interviewer")
                yield TextInput(login_name(), compact=True, id="interviewer")
            with Horizontal(classes="row"):
                yield Label("Mode")
                yield Select(
                    [
                        ("interview (you type what you hear)", "interview"),
                        ("survey (the participant types)", "survey"),
                    ],
                    value=self.mode,
                    allow_blank=False,
                    compact=True,
                    id="mode",
                )
            consent = Checkbox(consent_label(False), compact=True, id="consent")
            consent.BUTTON_INNER = " "  # an X only when ticked, for screens without colour
            yield consent
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", compact=True, id="cancel")
                yield Button("Start", compact=True, id="start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#participant", Input).focus()

    @on(Select.Changed, "#study")
    def _study_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.suggested = next_participant_code(self.journey.db, event.value)
            self.query_one("#participant", Input).value = self.suggested

    @on(Checkbox.Changed, "#consent")
    def _consent_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.BUTTON_INNER = "X" if event.value else " "
        event.checkbox.label = consent_label(event.value)

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
        db = self.journey.db
        study = get_study(db, study_id)
        mode = str(self.query_one("#mode", Select).value)
        consent = self.query_one("#consent", Checkbox).value
        if study.consent_required and not consent and mode != "survey":
            # A survey asks the participant on its first screen instead.
            error.update("Tick 'Consent given' once the participant has agreed to take part.")
            self.query_one("#consent", Checkbox).focus()
            return
        self._start(study, code, mode, consent)

    def _start(self, study: Study, code: str, mode: str, consent: bool) -> None:
        try:
            session = InterviewSession.start(
                self.journey.db,
                study,
                code,
                segment=self.query_one("#segment", Input).value,
                interviewer=self.query_one("#interviewer", Input).value,
                mode=mode,
                consent=consent,
                suggested=code == self.suggested,
            )
        except ConsentRequired:

            def answered(agreed: bool | None) -> None:
                if agreed:
                    self._start(study, code, mode, True)
                else:
                    self.query_one("#error", Static).update(
                        literal(f"Nothing was saved: {code} did not agree to take part.")
                    )

            self.app.push_screen(ConsentScreen(code, study.name, survey=True), answered)
            return
        except JourneyError as problem:
            self.query_one("#error", Static).update(literal(str(problem)))
            return
        given = session.participant.code if session.participant else code
        if given.casefold() != code.casefold():
            self.app.notify(
                f"{code} was taken a moment ago by another interview: this participant is {given}.",
                title="Participant code",
                timeout=8,
                markup=False,
            )
        self.dismiss(session)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
