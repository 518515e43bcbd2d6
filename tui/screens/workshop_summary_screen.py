"""What a workshop added, its top-voted items and its links, shown after /done."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from journey.capture.workshop import WorkshopSession
from journey.tui.help_topics import WORKSHOP
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import literal


def workshop_summary(session: WorkshopSession) -> Group:
    done = session.summary()
    stage_names = {s.id: s.name for s in session.stages}
    stickies = Table(title="Stickies added", expand=True)
    for column in ("stage", "lane", "sticky", "votes"):
        stickies.add_column(column)
    for entry in done.stickies:  # this session's live entries, in order
        stickies.add_row(
            literal(stage_names.get(entry.stage_id, "?")),
            entry.lane,
            literal(entry.text),
            str(entry.votes),
        )
    top = Table(title="Top-voted items in this workshop", expand=True)
    for column in ("votes", "stage", "lane", "item"):
        top.add_column(column)
    for entry, label, votes in done.votes:
        shown = entry.text if label == entry.text.strip() else f"{label}: {entry.text}"
        top.add_row(
            str(votes),
            literal(stage_names.get(entry.stage_id, "?")),
            entry.lane,
            literal(shown),
        )
    heading = Text("Workshop finished: ", style="bold")
    heading.append(f"{_count(len(done.stickies), 'sticky', 'stickies')}, ")
    heading.append(f"{_count(done.votes_given, 'vote', 'votes')}, ")
    heading.append(f"{_count(len(done.themes), 'theme', 'themes')}, ")
    heading.append(_count(len(done.links), "link", "links"))
    parts: list = [heading, stickies, top if done.votes else Text("No votes were given.")]
    if done.themes:
        themes = Table(title="Themes made in this workshop", expand=True)
        themes.add_column("theme")
        themes.add_column("entries it groups")
        for theme in done.themes:
            themes.add_row(literal(theme.title), str(theme.members))
        parts.append(themes)
    if done.links:
        links = Table(title="Opportunities linked to pains in this workshop", expand=True)
        links.add_column("opportunity")
        links.add_column("answers the pain")
        for found in done.links:
            links.add_row(literal(found.opportunity), literal(found.pain))
        parts.append(links)
    return Group(*parts)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class WorkshopSummaryScreen(JourneyScreen):
    BINDINGS = [Binding("enter,escape", "close", "Close")]
    HELP_TITLE = "Workshop summary"
    HELP_KEYS = ()
    HELP_SYMBOLS = WORKSHOP

    def __init__(self, session: WorkshopSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(workshop_summary(self.session))
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey workshop"
        self.sub_title = self.session.study.name

    def action_close(self) -> None:
        self.journey.leave_screen()
