"""A save that met another program's write lock, tried again until it goes through.

The UI thread's connection gives up on a lock at once (storage UI_BUSY_TIMEOUT_MS), so
the screen never freezes behind a long write (a merge, an import, a demo run). The
screen keeps what was being saved in view, `BusyRetry.wait` says it is waiting for the
database and calls `again` a moment later; `again` decides whether the save still
stands (the line unchanged, the question still shown) and tries it, calling `wait`
again if the lock is still held, `done` once it is saved or given up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.dom import DOMNode
from textual.timer import Timer

RETRY_SECONDS = 0.5


class BusyRetry:
    def __init__(self, owner: DOMNode, show: Callable[[str], None]) -> None:
        self._owner = owner
        self._show = show
        self._timer: Timer | None = None
        self._since: float | None = None

    @property
    def waiting(self) -> bool:
        return self._since is not None

    def wait(self, again: Callable[[], None]) -> None:
        """Show that the save waits for the database; call `again` in a moment."""
        if self._since is None:
            self._since = time.monotonic()
        waited = int(time.monotonic() - self._since)
        self._show(
            "waiting for the database: another program is writing"
            + (f" ({waited} s)" if waited else "")
            + "; saved as soon as it can be"
        )
        self._stop_timer()
        self._timer = self._owner.set_timer(RETRY_SECONDS, again)

    def done(self) -> None:
        """The save went through, or is no longer wanted."""
        self._stop_timer()
        self._since = None

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
