"""What a workshop added, its top-voted items and its links, shown after /done."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from journey.capture.session import InterviewSession
from journey.storage import workshop
from journey.storage.entries import get_entry
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import literal


def workshop_summary(session: InterviewSession, added: list[str]) -> Group:
    db = session.db
    session.refresh()  # votes given since the entries were last read
    stage_names = {s.id: s.name for s in session.stages}
    stickies = Table(title="Stickies added", expand=True)
    for column in ("stage", "lane", "sticky", "votes"):
        stickies.add_column(column)
    for entry in session.entries:  # this session's live entries, in order
        stickies.add_row(
            literal(stage_names.get(entry.stage_id, "?")),
            entry.lane,
            literal(entry.text),
            str(entry.votes),
        )
    voted = sorted(
        workshop.session_votes(db, session.session.id).items(), key=lambda pair: -pair[1]
    )
    top = Table(title="Top-voted items in this workshop", expand=True)
    for column in ("votes", "stage", "lane", "item"):
        top.add_column(column)
    labels = workshop.item_labels(db, [entry_id for entry_id, _ in voted[:10]])
    for entry_id, votes in voted[:10]:
        entry = get_entry(db, entry_id)
        label = labels.get(entry_id, entry.text)
        shown = entry.text if label == entry.text.strip() else f"{label}: {entry.text}"
        top.add_row(
            str(votes),
            literal(stage_names.get(entry.stage_id, "?")),
            entry.lane,
            literal(shown),
        )
    found_links = workshop.study_links(db, session.study.id, session.session.id)
    made = workshop.session_themes(db, session.session.id)
    heading = Text("Workshop finished: ", style="bold")
    heading.append(f"{_count(len(session.entries), 'sticky', 'stickies')}, ")
    heading.append(f"{_count(sum(v for _, v in voted), 'vote', 'votes')}, ")
    heading.append(f"{_count(len(made), 'theme', 'themes')}, ")
    heading.append(_count(len(found_links), "link", "links"))
    parts: list = [heading, stickies, top if voted else Text("No votes were given.")]
    if made:
        themes = Table(title="Themes made in this workshop", expand=True)
        themes.add_column("theme")
        themes.add_column("entries it groups")
        for theme in made:
            themes.add_row(literal(theme.title), str(theme.members))
        parts.append(themes)
    if found_links:
        links = Table(title="Opportunities linked to pains in this workshop", expand=True)
        links.add_column("opportunity")
        links.add_column("answers the pain")
        for found in found_links:
            links.add_row(literal(found.opportunity), literal(found.pain))
        parts.append(links)
    return Group(*parts)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class WorkshopSummaryScreen(JourneyScreen):
    BINDINGS = [Binding("enter,escape", "close", "Close")]

    def __init__(self, session: InterviewSession, added: list[str]) -> None:
        super().__init__()
        self.session = session
        self.added = added

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(workshop_summary(self.session, self.added))
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey workshop"
        self.sub_title = self.session.study.name

    def action_close(self) -> None:
        self.journey.leave_screen()
