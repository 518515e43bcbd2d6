"""The home screen: the studies of the database, or a first-run offer when there are none.

Every face of journey starts here for the highlighted study: a new interview, the
review, a workshop; and the study's own life: a new study, rename, delete (after
typing its name), demo data (after a question, into a study of its own). What the
screen shows is read in worker threads, so moving the cursor never waits for a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from journey.capture.demo import DEMO_STUDY, add_demo_sessions
from journey.capture.sanitize import clean_line, name_text
from journey.capture.session import InterviewSession
from journey.capture.study import login_name
from journey.capture.workshop import WorkshopSession
from journey.storage import connect
from journey.storage.aggregates import StageStats, study_stats
from journey.storage.errors import JourneyError
from journey.storage.models import SessionListing, StudySummary
from journey.storage.privacy import ERASE_WAIT_SECONDS, erase_study, waiting_notice
from journey.storage.session_filter import NO_FILTER
from journey.storage.sessions import list_sessions
from journey.storage.studies import get_study, rename_study, study_summaries
from journey.tui.change_watch import ChangeWatch
from journey.tui.help_topics import HOME
from journey.tui.screens.confirm_screen import ConfirmScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.screens.new_interview_screen import NewInterviewScreen
from journey.tui.screens.new_study_screen import NewStudyScreen
from journey.tui.screens.text_prompt_screen import TextPromptScreen
from journey.tui.text import literal, short_time
from journey.tui.widgets.stage_summary import StageSummary

DEMO_SESSIONS = 30


@dataclass(frozen=True)
class StudyDetails:
    """What the screen shows of the highlighted study below the list."""

    study_id: str
    stats: list[StageStats]
    in_progress: list[SessionListing]


def study_details(db: Database, study_id: str) -> StudyDetails:
    return StudyDetails(
        study_id,
        study_stats(db, study_id),
        [
            listing
            for listing in list_sessions(db, study_id, status="in_progress")
            if listing.session.mode != "workshop"
        ],
    )


class HomeScreen(JourneyScreen):
    BINDINGS = [
        Binding("i", "new_interview", "Interview"),
        Binding("r", "review", "Review"),
        Binding("w", "workshop", "Workshop"),
        Binding("n", "new_study", "New study"),
        Binding("e", "rename", "Rename"),
        Binding("x", "delete", "Delete"),
        Binding("d", "load_demo", "Demo"),
        Binding("q", "app.quit", "Quit"),
    ]
    HELP_TITLE = "Home: the studies of this file"
    HELP_KEYS = (
        ("arrows", "move between the studies"),
        ("Enter", "resume the highlighted interview in progress"),
    )
    HELP_SYMBOLS = HOME

    def __init__(self) -> None:
        super().__init__()
        self._study_ids: list[str] = []
        self._names: dict[str, str] = {}
        self._go_to: str | None = None  # a study just made: the cursor goes there

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
        # Every face of journey starts here: all its keys in sight at 80 columns (^p still
        # opens the palette).
        yield Footer(compact=True, show_command_palette=False)

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
        # Nothing shows until the first read says whether there are studies at all.
        for shown in ("#empty", "#studies", "#in-progress", "#summary"):
            self.query_one(shown).display = False
        self._watch = ChangeWatch(self, self.journey.db, self.reload, self.journey.poll_seconds)
        self.reload()

    # -- what the screen shows, read off the UI thread ----------------------------------

    def reload(self) -> None:
        self._watch.mark_seen()
        self.run_read(study_summaries, self._show_studies, group="studies")

    def _show_studies(self, summaries: list[StudySummary]) -> None:
        table = self.query_one("#studies", DataTable)
        selected = self._go_to or self._selected_id()
        self._go_to = None
        table.clear()
        self._study_ids = [s.id for s in summaries]
        self._names = {s.id: s.name for s in summaries}
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
        if empty:
            self.query_one("#in-progress", DataTable).display = False
        else:
            table.focus()
        self._load_details()

    def _load_details(self) -> None:
        study_id = self._selected_id()
        if study_id is not None:
            self.run_read(
                lambda db: study_details(db, study_id), self._show_details, group="details"
            )

    def _show_details(self, details: StudyDetails) -> None:
        if details.study_id != self._selected_id():
            return  # the cursor moved on meanwhile: a newer read is on its way
        self.query_one(StageSummary).show(self._names.get(details.study_id), details.stats)
        table = self.query_one("#in-progress", DataTable)
        table.clear()
        for listing in details.in_progress:
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

    def _selected_id(self) -> str | None:
        table = self.query_one("#studies", DataTable)
        if not self._study_ids or table.cursor_row < 0:
            return None
        return self._study_ids[min(table.cursor_row, len(self._study_ids) - 1)]

    @on(DataTable.RowHighlighted, "#studies")
    def _highlighted(self) -> None:
        self._load_details()

    def on_screen_resume(self) -> None:
        self.reload()

    def _study_or_offer(self) -> str | None:
        """The highlighted study; without any, the offer to create one (and None)."""
        study_id = self._selected_id()
        if study_id is None:
            self.notify("There is no study yet: create one first.", markup=False)
            self.action_new_study()
        return study_id

    # -- the faces ---------------------------------------------------------------------

    @on(DataTable.RowSelected, "#studies")
    def action_new_interview(self) -> None:
        study_id = self._selected_id()
        if study_id is None:
            # No study to interview in: make one, then the interview's form.
            self.app.push_screen(NewStudyScreen(), self._interview_in_new_study)
            return
        self._new_interview(study_id)

    def _interview_in_new_study(self, study_id: str | None) -> None:
        self._created(study_id)
        if study_id is not None:
            self._new_interview(study_id)

    def _new_interview(self, study_id: str) -> None:
        def started(session: InterviewSession | None) -> None:
            if session is not None:
                self.journey.open_session(session)

        self.app.push_screen(NewInterviewScreen(study_id), started)

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

    def action_review(self) -> None:
        from journey.tui.screens.review_screen import ReviewScreen

        study_id = self._study_or_offer()
        if study_id is not None:
            self.app.push_screen(ReviewScreen(get_study(self.journey.db, study_id), NO_FILTER))

    def action_workshop(self) -> None:
        from journey.tui.screens.workshop_screen import WorkshopScreen

        study_id = self._study_or_offer()
        if study_id is None:
            return
        if self.journey.read_only:
            self.notify("Read-only: a workshop writes; open the database writable.", markup=False)
            return
        try:
            session, resumed = WorkshopSession.open_workshop(
                self.journey.db, get_study(self.journey.db, study_id), facilitator=login_name()
            )
        except JourneyError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if resumed:
            self.notify("Carrying on your workshop in progress on this study.", markup=False)
        self.app.push_screen(WorkshopScreen(session))

    # -- the study's own life ----------------------------------------------------------

    @on(Button.Pressed, "#create-study")
    def action_new_study(self) -> None:
        self.app.push_screen(NewStudyScreen(), self._created)

    def _created(self, study_id: str | None) -> None:
        if study_id is None:
            return
        self._go_to = study_id
        self.reload()

    def action_rename(self) -> None:
        study_id = self._study_or_offer()
        if study_id is None:
            return
        old = self._names.get(study_id, "")

        def named(name: str | None) -> None:
            if not name or clean_line(name) == old:
                return
            try:
                renamed = rename_study(self.journey.db, study_id, name_text(name, "study name"))
            except JourneyError as error:
                self.notify(str(error), severity="error", markup=False)
                return
            self.notify(f"Renamed {old!r} to {renamed.name!r}", markup=False)
            self.reload()

        self.app.push_screen(TextPromptScreen(f"New name of the study {old!r}:", old), named)

    def action_delete(self) -> None:
        study_id = self._study_or_offer()
        if study_id is None:
            return
        name = self._names.get(study_id, "")

        def typed(answer: str | None) -> None:
            if answer is None:
                return
            if clean_line(answer).casefold() != name.casefold():
                self.notify("The name typed is not the study's: nothing was erased.", markup=False)
                return
            self.notify(f"Erasing {name!r}…", markup=False)
            self._erase(study_id)

        question = (
            f"This erases the study {name!r} and everything recorded in it, from the file's "
            "bytes too; earlier backups and exports keep what they hold. Type the study's "
            "name to erase it:"
        )
        self.app.push_screen(TextPromptScreen(question), typed)

    @work(thread=True, group="erase")
    def _erase(self, study_id: str) -> None:
        # A worker thread needs its own connection (check_same_thread); the erasure ends
        # with a rewrite of the file, which may wait for other programs reading it and
        # must not hold the UI.
        def waiting() -> None:
            notice = waiting_notice(ERASE_WAIT_SECONDS)
            self.app.call_from_thread(self.notify, notice, markup=False)

        try:
            with connect(self.journey.db_path) as db:
                erased = erase_study(db, study_id, waiting=waiting)
        except JourneyError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.app.call_from_thread(self.reload)
        said = f"Erased {erased.study!r}: {erased.sessions} sessions, {erased.entries} entries"
        if erased.overwrite.done:
            self.app.call_from_thread(self.notify, said, markup=False)
            return
        self.app.call_from_thread(
            self.notify,
            f"{said}; {erased.overwrite.remains}",
            severity="warning",
            timeout=10,
            markup=False,
        )

    @on(Button.Pressed, "#load-demo")
    def action_load_demo(self) -> None:
        question = (
            f"Add {DEMO_SESSIONS} generated interviews (with some surveys and workshops) to "
            f"the study {DEMO_STUDY!r} in {self.journey.db_path}? Demo data always goes into "
            "a study of its own; `journey study delete` removes it."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.notify(f"Adding demo interviews to {DEMO_STUDY!r}…", markup=False)
                self._add_demo()

        self.app.push_screen(ConfirmScreen(question, yes="Add the demo", no="Cancel"), answered)

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
