"""What an interview captured, shown after /done."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from journey.capture.session import InterviewSession
from journey.storage.models import LANES
from journey.tui.help_topics import EMOTION, STEPPER
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import emotion_text, literal

MARK_WORDS = {
    "reached": "✓ reached",
    "dropped": "✗ dropped",
    "skipped": "↷ skipped",
    None: "· not reached",
}


def summary_table(session: InterviewSession) -> Table:
    table = Table(expand=True)
    table.add_column("stage")
    table.add_column("progress")
    table.add_column("entries", justify="right")
    table.add_column("by lane")
    table.add_column("emotion", justify="right")
    curve = {stage.id: mean for stage, mean, _n in session.emotion_curve()}
    for state in session.stage_states():
        by_lane = session.stage_entries(state.stage)
        lanes = ", ".join(f"{len(by_lane[lane])} {lane}" for lane in LANES if by_lane[lane])
        progress = Text(MARK_WORDS.get(state.outcome, state.outcome or ""))
        if state.reason:
            progress.append_text(literal(f": {state.reason}"))
        table.add_row(
            literal(f"{state.stage.position} {state.stage.name}"),
            progress,
            str(state.entries),
            lanes or "-",
            emotion_text(curve[state.stage.id]),
        )
    return table


class SummaryScreen(JourneyScreen):
    BINDINGS = [Binding("enter,escape", "close", "Close")]
    HELP_TITLE = "Interview summary"
    HELP_KEYS = ()
    HELP_SYMBOLS = STEPPER + EMOTION

    def __init__(self, session: InterviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        session = self.session
        participant = session.participant
        who = participant.code if participant else (session.session.title or "workshop")
        yield Header()
        with VerticalScroll():
            heading = Text("Interview finished: ", style="bold")
            heading.append_text(literal(who))
            heading.append(f" · {len(session.entries)} entries saved")
            yield Static(heading)
            yield Static(summary_table(session))
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey capture"
        self.sub_title = self.session.study.name

    def action_close(self) -> None:
        self.journey.leave_screen()
