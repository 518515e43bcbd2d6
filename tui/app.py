"""The Textual app and its factory, shared by the CLI, pilot tests and snapshot tests."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import App, SystemCommand
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen

from journey.capture.sanitize import clean_text
from journey.capture.session import InterviewSession
from journey.capture.workshop import WorkshopSession
from journey.storage import open_database
from journey.storage.connection import UI_BUSY_TIMEOUT_MS
from journey.storage.errors import ConsentRequired
from journey.storage.session_filter import NO_FILTER, SessionFilter
from journey.storage.studies import get_study
from journey.tui.commands import JourneyCommands
from journey.tui.crash_log import one_line, write_crash_log
from journey.tui.text import short_time

POLL_SECONDS = 1.0


@dataclass(frozen=True)
class CaptureRequest:
    """`journey capture`: open straight into an interview (or its new-interview form)."""

    study_id: str | None
    participant: str | None = None
    segment: str | None = None
    interviewer: str | None = None
    mode: str = "interview"
    consent: bool = False


@dataclass(frozen=True)
class ReviewRequest:
    """`journey review`: open straight into a study's map."""

    study_id: str
    where: SessionFilter = NO_FILTER


@dataclass(frozen=True)
class WorkshopRequest:
    """`journey workshop`: the facilitator's workshop in progress on a study's map, or a
    new one (always new with `new`)."""

    study_id: str
    facilitator: str | None = None
    title: str | None = None
    new: bool = False


class JourneyApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "journey"
    COMMANDS = App.COMMANDS | {JourneyCommands}
    # Notices are short: what lasts (read-only, filters, a timer that ran out) is shown in
    # the screen's banner, never in a toast over the work.
    NOTIFICATION_TIMEOUT = 3

    def __init__(
        self,
        db_path: Path,
        *,
        capture: CaptureRequest | None = None,
        review: ReviewRequest | None = None,
        workshop: WorkshopRequest | None = None,
        read_only: bool = False,
        poll_seconds: float = POLL_SECONDS,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.workshop = workshop
        self.db_path = Path(db_path)
        self.capture = capture
        self.review = review
        self.read_only = read_only
        self.poll_seconds = poll_seconds
        self.cursor_blink = cursor_blink
        # No animation anywhere: it costs bytes over SSH and distracts in a workshop.
        self.animation_level = "none"
        # The UI thread's connection gives up on a lock at once: screens retry, never freeze.
        self.db = open_database(
            self.db_path, read_only=read_only, upgrade=not read_only, busy_ms=UI_BUSY_TIMEOUT_MS
        )
        self.sub_title = str(self.db_path)

    def on_mount(self) -> None:
        if self.workshop is not None:
            from journey.tui.screens.workshop_screen import WorkshopScreen

            study = get_study(self.db, self.workshop.study_id)
            facilitator, title = self.workshop.facilitator, self.workshop.title
            if self.workshop.new:
                session = WorkshopSession.start_workshop(
                    self.db, study, facilitator=facilitator, title=title
                )
            else:
                session, resumed = WorkshopSession.open_workshop(
                    self.db, study, facilitator=facilitator, title=title
                )
                if resumed:
                    count = len(session.entries)
                    self.notify(
                        f"Resumed the workshop started {short_time(session.session.started_at)}"
                        f" ({count} {'sticky' if count == 1 else 'stickies'}); "
                        "`journey workshop --new` starts another.",
                        markup=False,
                    )
            self.push_screen(WorkshopScreen(session))
        elif self.review is not None:
            from journey.tui.screens.review_screen import ReviewScreen

            self.push_screen(
                ReviewScreen(get_study(self.db, self.review.study_id), self.review.where)
            )
        elif self.capture is None:
            from journey.tui.screens.home_screen import HomeScreen

            self.push_screen(HomeScreen())
        elif self.capture.participant is None:
            from journey.tui.screens.new_interview_screen import NewInterviewScreen

            self.push_screen(
                NewInterviewScreen(self.capture.study_id, self.capture.mode),
                self._interview_started,
            )
        else:
            self._start_capture(self.capture, self.capture.consent)

    def _start_capture(self, request: CaptureRequest, consent: bool) -> None:
        """Start (or resume) the requested interview; where the study requires consent and
        none is recorded, ask first, and save nothing on a no."""
        assert request.study_id is not None and request.participant is not None
        study = get_study(self.db, request.study_id)
        try:
            session = InterviewSession.start(
                self.db,
                study,
                request.participant,
                segment=request.segment,
                interviewer=request.interviewer,
                mode=request.mode,
                consent=consent,
            )
        except ConsentRequired:
            from journey.tui.screens.consent_screen import ConsentScreen

            def answered(agreed: bool | None) -> None:
                if agreed:
                    self._start_capture(request, True)
                else:
                    self.exit(
                        message=Text(
                            f"Nothing was saved: {request.participant} did not agree to take part."
                        )
                    )

            self.push_screen(
                ConsentScreen(request.participant, study.name, request.mode == "survey"),
                answered,
            )
            return
        self.open_session(session)

    def _interview_started(self, session: InterviewSession | None) -> None:
        if session is None:
            self.exit()
        else:
            self.open_session(session)

    def open_session(self, session: InterviewSession) -> None:
        """The capture screen (or the survey screen) for a started or resumed session."""
        if session.session.mode == "survey":
            from journey.tui.screens.survey_screen import SurveyScreen

            self.push_screen(SurveyScreen(session))
        else:
            from journey.tui.screens.capture_screen import CaptureScreen

            self.push_screen(CaptureScreen(session))

    def leave_screen(self) -> None:
        """Back to the screen underneath, or out of the app when a command opened this
        screen directly (`journey capture`, `review`, `workshop`)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.exit()

    async def action_quit(self) -> None:
        # Ctrl+Q must not lose the unsent line typed in the last moment.
        self._save_drafts()
        self.exit()

    def _save_drafts(self) -> None:
        from journey.tui.screens.journey_screen import JourneyScreen

        for screen in self.screen_stack:
            if isinstance(screen, JourneyScreen):
                screen.keep_unsent()

    # -- text from data on its way to the terminal, and what read-only may do --------------

    def format_title(self, title: str, sub_title: str) -> Content:
        # Every screen's title and subtitle (study, stage, participant names) come here.
        return super().format_title(clean_text(title), clean_text(sub_title))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Every notice comes here; those quoting data pass markup=False, and all are
        # cleaned of control codes.
        super().notify(
            clean_text(message),
            title=clean_text(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's commands; read-only, none that writes a file (the screenshot)."""
        for command in super().get_system_commands(screen):
            if not (self.read_only and "screenshot" in command.title.lower()):
                yield command

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        if self.read_only:
            self.notify("Read-only: nothing is written, screenshots neither.", markup=False)
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: keep what was typed, put the traceback in a private log
        file, and end with one line on the terminal and exit status 1."""
        with suppress(Exception):  # the error may come from the very thing that saves
            self._save_drafts()
        log = write_crash_log(error)
        self._return_code = 1
        if self._exception is None:  # as Textual does: a pilot test re-raises it
            self._exception = error
            self._exception_event.set()
        self.panic(Text(one_line(error, log)))

    def on_unmount(self) -> None:
        self.db.close()


def make_app(
    db_path: str | Path,
    *,
    capture: CaptureRequest | None = None,
    review: ReviewRequest | None = None,
    workshop: WorkshopRequest | None = None,
    read_only: bool = False,
    poll_seconds: float = POLL_SECONDS,
    cursor_blink: bool = True,
) -> JourneyApp:
    """The app on an existing journey database (the CLI validates and creates it).

    Tests pass `cursor_blink=False` so snapshots are stable, and a short
    `poll_seconds` to see other processes' commits quickly.
    """
    return JourneyApp(
        Path(db_path),
        capture=capture,
        review=review,
        workshop=workshop,
        read_only=read_only,
        poll_seconds=poll_seconds,
        cursor_blink=cursor_blink,
    )
