"""The home screen: the studies of the database, or a first-run offer when there are none."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from capture.demo import DEMO_STUDY, add_demo_sessions
from capture.session import InterviewSession
from storage import connect
from storage.aggregates import study_stats
from storage.errors import JourneyError
from storage.sessions import list_sessions
from storage.studies import study_summaries
from tui.change_watch import ChangeWatch
from tui.screens.new_interview_screen import NewInterviewScreen
from tui.screens.new_study_screen import NewStudyScreen
from tui.text import literal, short_time
from tui.widgets.stage_summary import StageSummary

if TYPE_CHECKING:
    from tui.app import JourneyApp

DEMO_SESSIONS = 30


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("i", "new_interview", "New interview"),
        Binding("n", "new_study", "New study"),
        Binding("d", "load_demo", "Add demo interviews"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._study_ids: list[str] = []

    @property
    def journey(self) -> JourneyApp:
        return cast("JourneyApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="empty"):
            yield Static(
                "This database has no study yet.\n\n"
                "A study is one research question: its stage model (the columns of the "
                "journey map), its touchpoint channels and its interview guide. "
                "Create one to start interviewing, or load the demo to look around.",
                id="empty-message",
            )
            with Horizontal(id="empty-actions"):
                yield Button("Create a study", id="create-study", variant="primary")
                yield Button("Load the demo", id="load-demo")
        table: DataTable[object] = DataTable(id="studies", cursor_type="row", zebra_stripes=True)
        yield table
        in_progress: DataTable[object] = DataTable(id="in-progress", cursor_type="row")
        in_progress.border_title = "Interviews in progress (Enter resumes)"
        yield in_progress
        yield StageSummary(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#studies", DataTable)
        table.add_column("Study", key="name")
        table.add_column("Stage model", key="template")
        table.add_column("Sessions", key="sessions")
        table.add_column("Entries", key="entries")
        table.add_column("Workshops", key="workshops")
        table.add_column("Last activity", key="last")
        in_progress = self.query_one("#in-progress", DataTable)
        in_progress.add_column("Participant", key="participant")
        in_progress.add_column("Segment", key="segment")
        in_progress.add_column("Stage", key="stage")
        in_progress.add_column("Entries", key="entries")
        in_progress.add_column("Interviewer", key="interviewer")
        in_progress.add_column("Last activity", key="last")
        self._watch = ChangeWatch(self, self.journey.db, self.reload, self.journey.poll_seconds)
        self.reload()

    def reload(self) -> None:
        db = self.journey.db
        self._watch.mark_seen()
        summaries = study_summaries(db)
        table = self.query_one("#studies", DataTable)
        selected = self._selected_id()
        table.clear()
        self._study_ids = [s.id for s in summaries]
        for summary in summaries:
            table.add_row(
                literal(summary.name),
                literal(summary.template),
                str(summary.sessions),
                str(summary.entries),
                str(summary.workshops),
                short_time(summary.last_activity),
                key=summary.id,
            )
        if selected in self._study_ids:
            table.move_cursor(row=self._study_ids.index(selected))
        empty = not summaries
        self.query_one("#empty").display = empty
        table.display = not empty
        self.query_one(StageSummary).display = not empty
        self._show_summary()
        self._show_in_progress()
        if not empty:
            table.focus()

    def _selected_id(self) -> str | None:
        table = self.query_one("#studies", DataTable)
        if not self._study_ids or table.cursor_row < 0:
            return None
        return self._study_ids[min(table.cursor_row, len(self._study_ids) - 1)]

    def _show_summary(self) -> None:
        study_id = self._selected_id()
        summary = self.query_one(StageSummary)
        if study_id is None:
            summary.show(None, [])
            return
        name = self.query_one("#studies", DataTable).get_row(study_id)[0]
        summary.show(str(name), study_stats(self.journey.db, study_id))

    def _show_in_progress(self) -> None:
        study_id = self._selected_id()
        table = self.query_one("#in-progress", DataTable)
        table.clear()
        listings = (
            list_sessions(self.journey.db, study_id, status="in_progress") if study_id else []
        )
        for listing in listings:
            if listing.session.mode == "workshop":
                continue
            table.add_row(
                literal(listing.participant_code or "-"),
                literal(listing.segment or "-"),
                literal(listing.stage_name or "-"),
                str(listing.entries),
                literal(listing.session.interviewer or "-"),
                short_time(listing.last_activity),
                key=listing.session.id,
            )
        table.display = table.row_count > 0

    @on(DataTable.RowHighlighted, "#studies")
    def _highlighted(self) -> None:
        self._show_summary()
        self._show_in_progress()

    @on(DataTable.RowSelected, "#studies")
    def action_new_interview(self) -> None:
        def started(session: InterviewSession | None) -> None:
            if session is not None:
                self.journey.open_session(session)

        self.app.push_screen(NewInterviewScreen(self._selected_id()), started)

    @on(DataTable.RowSelected, "#in-progress")
    def _resume(self, event: DataTable.RowSelected) -> None:
        session_id = event.row_key.value
        if session_id is None:
            return
        try:
            session = InterviewSession.resume(self.journey.db, session_id)
        except JourneyError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.journey.open_session(session)

    def on_screen_resume(self) -> None:
        self.reload()

    @on(Button.Pressed, "#create-study")
    def action_new_study(self) -> None:
        self.app.push_screen(NewStudyScreen(), self._created)

    def _created(self, study_id: str | None) -> None:
        if study_id is None:
            return
        self.reload()
        if study_id in self._study_ids:
            self.query_one("#studies", DataTable).move_cursor(row=self._study_ids.index(study_id))

    @on(Button.Pressed, "#load-demo")
    def action_load_demo(self) -> None:
        self.notify(f"Adding {DEMO_SESSIONS} demo interviews to {DEMO_STUDY!r}...", markup=False)
        self._add_demo()

    @work(thread=True, exclusive=True, group="demo")
    def _add_demo(self) -> None:
        # A worker thread needs its own connection (check_same_thread).
        try:
            with connect(self.journey.db_path) as db:
                added = add_demo_sessions(db, DEMO_SESSIONS)
        except JourneyError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.app.call_from_thread(self.reload)
        self.app.call_from_thread(
            self.notify,
            f"Added {added.describe()} to {added.study.name!r}",
            markup=False,
        )
