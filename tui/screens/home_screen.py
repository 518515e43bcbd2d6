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
from storage import connect, data_version
from storage.aggregates import study_stats
from storage.errors import JourneyError
from storage.studies import study_summaries
from tui.screens.new_study_screen import NewStudyScreen
from tui.text import literal, short_time
from tui.widgets.stage_summary import StageSummary

if TYPE_CHECKING:
    from tui.app import JourneyApp

DEMO_SESSIONS = 30


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "new_study", "New study"),
        Binding("d", "load_demo", "Add demo interviews"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._seen_version: int | None = None
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
        yield StageSummary(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#studies", DataTable)
        table.add_column("Study", key="name")
        table.add_column("Stage model", key="template")
        table.add_column("Sessions", key="sessions")
        table.add_column("Entries", key="entries")
        table.add_column("Last activity", key="last")
        self.reload()
        # Live: only a commit by another process changes data_version, and only
        # that triggers a query; an idle screen draws nothing.
        self.set_interval(self.journey.poll_seconds, self._poll)

    def _poll(self) -> None:
        try:
            version = data_version(self.journey.db)
        except JourneyError:
            return
        if version != self._seen_version:
            self.reload()

    def reload(self) -> None:
        db = self.journey.db
        self._seen_version = data_version(db)
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

    @on(DataTable.RowHighlighted, "#studies")
    def _highlighted(self) -> None:
        self._show_summary()

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
                study, entries = add_demo_sessions(db, DEMO_SESSIONS)
        except JourneyError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.app.call_from_thread(self.reload)
        self.app.call_from_thread(
            self.notify,
            f"Added {DEMO_SESSIONS} interviews ({entries} entries) to {study.name!r}",
            markup=False,
        )
