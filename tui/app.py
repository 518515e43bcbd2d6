"""The Textual app and its factory, shared by the CLI, pilot tests and snapshot tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from storage import open_database
from tui.screens.home_screen import HomeScreen

POLL_SECONDS = 1.0


class JourneyApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "journey"

    def __init__(
        self, db_path: Path, *, poll_seconds: float = POLL_SECONDS, cursor_blink: bool = True
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.poll_seconds = poll_seconds
        self.cursor_blink = cursor_blink
        self.db = open_database(self.db_path)
        self.sub_title = str(self.db_path)

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())

    def on_unmount(self) -> None:
        self.db.close()


def make_app(
    db_path: str | Path, *, poll_seconds: float = POLL_SECONDS, cursor_blink: bool = True
) -> JourneyApp:
    """The app on an existing journey database (the CLI validates and creates it).

    Tests pass `cursor_blink=False` so snapshots are stable, and a short
    `poll_seconds` to see other processes' commits quickly.
    """
    return JourneyApp(Path(db_path), poll_seconds=poll_seconds, cursor_blink=cursor_blink)
