"""The sessions behind a stage's Dropped figure: who left the journey there, and why.

Enter on a session opens its entries in time order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from journey.storage.browse import DroppedSession, EntryScope
from journey.tui.screens.drill_down_screen import DrillDownScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import literal, short_time

if TYPE_CHECKING:
    pass

COLUMNS = (("Who", 5), ("Segment", 18), ("By", 6), ("Dropped", 16))
NARROW = 100  # below this width the drop shows its date only, for room for the reason
MIN_REASON = 20
PADDING = 2  # each column's cell padding, both sides
SCROLLBAR = 2


class DroppedSessionsScreen(JourneyScreen):
    BINDINGS = [Binding("escape", "close", "Back")]
    HELP_TITLE = "Sessions that dropped out"
    HELP_KEYS = (("arrows", "move between the sessions"),)
    HELP_SYMBOLS = ()
    DEFAULT_CSS = """
    DroppedSessionsScreen #count {
        height: 1;
        padding: 0 1;
    }
    DroppedSessionsScreen DataTable {
        height: 1fr;
    }
    """

    def __init__(self, title: str, study_id: str, sessions: list[DroppedSession]) -> None:
        super().__init__()
        self.heading = title
        self.study_id = study_id
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="count")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey review"
        self.sub_title = self.heading
        count = len(self.sessions)
        line = Text(f"{count} {'session' if count == 1 else 'sessions'} dropped out here")
        if count:
            line.append(" · Enter shows a session's entries", style="dim")
        self.query_one("#count", Static).update(line)
        table = self.query_one(DataTable)
        narrow = self.app.size.width < NARROW
        columns = [(label, 10 if narrow and label == "Dropped" else w) for label, w in COLUMNS]
        for label, width in columns:
            table.add_column(label, width=width)
        # The reason takes what the other columns leave of the screen's width.
        used = sum(width + PADDING for _, width in columns) + PADDING + SCROLLBAR
        table.add_column("Reason", width=max(MIN_REASON, self.app.size.width - used))
        for session in self.sessions:
            table.add_row(
                literal(session.participant_code or f"({session.mode})"),
                literal(session.segment or "-"),
                literal(session.interviewer or "-"),
                short_time(session.at)[: 10 if narrow else None],
                literal(session.reason or "(no reason given)"),
                key=session.session_id,
            )
        table.focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        session = next(s for s in self.sessions if s.session_id == event.row_key.value)
        who = session.participant_code or session.mode
        scope = EntryScope(self.study_id, session_id=session.session_id)
        self.app.push_screen(DrillDownScreen(f"{who}: entries in time order", scope))

    def action_close(self) -> None:
        self.dismiss(None)
