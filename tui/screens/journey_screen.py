"""The base of journey's screens: the app's context, and one way to read off the UI thread.

`run_read(read, then)` runs `read(db)` in a worker thread on a connection of its own
(sqlite3 connections belong to their thread), read-only, and hands the result to
`then` on the UI thread, unless a newer read of the same group replaced it or the
screen left meanwhile. A read that fails with a JourneyError becomes a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar, cast

from sqlite_utils import Database
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import get_current_worker

from journey.storage import connect
from journey.storage.errors import JourneyError
from journey.tui.help_topics import PALETTE, Legend
from journey.tui.screens.help_screen import HelpScreen, screen_keys

if TYPE_CHECKING:
    from journey.capture.session import InterviewSession

T = TypeVar("T")


class AppContext(Protocol):
    """What screens know of the app: the database and how it was opened, and the two
    moves between screens that the app decides."""

    db: Database  # the UI thread's connection
    db_path: Path
    read_only: bool
    poll_seconds: float

    def open_session(self, session: InterviewSession) -> None:
        """The capture (or survey) screen of a started or resumed session."""

    def leave_screen(self) -> None:
        """Back to the screen underneath, or out of the app when a command opened it."""


class UsesJourney:
    """The app's context for a screen (modal ones too), typed without importing the app."""

    app: App

    @property
    def journey(self) -> AppContext:
        return cast(AppContext, self.app)


class JourneyScreen(UsesJourney, Screen[None]):
    # Help on every screen. `?` is an ordinary binding: a text input that has the focus
    # takes the key first, so `?` is still typed into quick-entry lines and searches.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", show=False)
    ]
    HELP_TITLE: ClassVar[str] = "Help"
    HELP_KEYS: ClassVar[Legend] = ()  # keys of widgets (arrows, Enter) the bindings omit
    HELP_SYMBOLS: ClassVar[Legend] = ()

    def help_keys(self) -> Legend:
        """The screen's keys as its bindings say them (so always those in force), then
        HELP_KEYS and the palette."""
        return (*screen_keys(self), *self.HELP_KEYS, *PALETTE)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                title=self.HELP_TITLE,
                keys=self.help_keys(),
                symbols=self.HELP_SYMBOLS,
                syntax=False,
            )
        )

    def run_read(
        self,
        read: Callable[[Database], T],
        then: Callable[[T], None],
        *,
        group: str = "read",
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Read in a worker thread; `then(result)` on the UI thread. A newer read of the
        same group cancels an older one still running. A JourneyError goes to
        `failed(message)`, by default a notice."""
        path = self.journey.db_path

        def work() -> None:
            worker = get_current_worker()
            try:
                with connect(path, read_only=True) as db:
                    result = read(db)
            except JourneyError as error:
                if not worker.is_cancelled:
                    self.app.call_from_thread(
                        self._deliver, failed or self._notify_error, str(error)
                    )
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(self._deliver, then, result)

        self.run_worker(work, thread=True, exclusive=True, group=f"{id(self)}:{group}")

    def cancel_reads(self, group: str = "read") -> None:
        self.workers.cancel_group(self, f"{id(self)}:{group}")

    def _deliver(self, then: Callable[[T], None], result: T) -> None:
        # Not to a screen on its way out (popped, or the app shutting down): its widgets
        # may be gone already.
        if self.app.is_running and self.is_attached and not self._closing:
            then(result)

    def keep_unsent(self) -> None:
        """Save what is typed here and not sent yet (the app quits, Ctrl+Q): screens with
        an entry line keep it as their session's draft."""

    def _notify_error(self, message: str) -> None:
        self.notify(message, severity="error", markup=False)
