"""Live screens: re-query only when another connection has committed.

A cheap timer compares the database's data version (storage.data_version); an idle
screen therefore neither queries nor draws anything.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database
from textual.dom import DOMNode

from journey.storage import data_version
from journey.storage.errors import JourneyError


class ChangeWatch:
    def __init__(
        self, owner: DOMNode, db: Database, reload: Callable[[], None], seconds: float
    ) -> None:
        self.db = db
        self.reload = reload
        self.seen: int | None = None
        owner.set_interval(seconds, self.poll)

    def mark_seen(self) -> None:
        """Call when reloading: later polls only react to commits after this."""
        self.seen = data_version(self.db)

    def poll(self) -> None:
        try:
            version = data_version(self.db)
        except JourneyError:
            return
        if version != self.seen:
            self.reload()
