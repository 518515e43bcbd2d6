"""The unsent line of a quick-entry input, kept as its session's draft.

Saved a moment after typing stops (a write per keystroke would cost an fsync each),
at once when asked (a line put back, a screen left), so a dropped connection loses
at most that moment of typing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widgets import Input

from journey.capture.session import InterviewSession
from journey.storage.errors import DatabaseBusy, JourneyError

DRAFT_DELAY = 0.6  # seconds of quiet typing before the draft is saved


class DraftKeeper:
    def __init__(
        self,
        session: InterviewSession,
        entry: Callable[[], Input],
        on_error: Callable[[str], None],
    ) -> None:
        self.session = session
        self._entry = entry
        self._on_error = on_error
        self._timer: Timer | None = None
        self.saved = session.draft  # the draft as the database holds it

    def restored(self) -> None:
        """Once the input shows the saved draft: the cursor at its end, and a word that
        the line was kept."""
        if self.saved:
            entry = self._entry()
            entry.cursor_position = len(self.saved)
            entry.notify("Your unsent line was restored.", markup=False)

    def typed(self) -> None:
        """Save once typing has paused."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._entry().set_timer(DRAFT_DELAY, self.save)

    def save(self) -> None:
        """Save what is in the input now, if it differs from the saved draft."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self._entry().value
        if text == self.saved:
            return
        try:
            self.session.save_draft(text)
        except DatabaseBusy:
            # Another program is writing: try again in a moment, quietly (the line is
            # on screen; the draft is its copy for a crash).
            self._timer = self._entry().set_timer(DRAFT_DELAY, self.save)
            return
        except JourneyError as error:
            self._on_error(f"draft not saved: {error}")
            return
        self.saved = text
