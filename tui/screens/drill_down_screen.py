"""The entries behind a map cell (or a session), with a filter box."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from storage.browse import EntryRow
from tui.text import emotion_text, literal
from tui.widgets.text_input import TextInput


def _haystack(row: EntryRow) -> str:
    return " ".join(
        str(part)
        for part in (
            row.participant_code,
            row.stage,
            row.lane,
            row.channel,
            row.text,
            " ".join(row.tags),
            row.interviewer,
        )
        if part
    ).casefold()


class DrillDownScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("slash", "focus_filter", "Filter", show=True),
    ]
    DEFAULT_CSS = """
    DrillDownScreen #count {
        height: 1;
        padding: 0 1;
    }
    DrillDownScreen DataTable {
        height: 1fr;
    }
    """

    def __init__(self, title: str, rows: list[EntryRow]) -> None:
        super().__init__()
        self.heading = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextInput(
            placeholder="filter: any word of the text, tag, channel, participant…", id="filter"
        )
        yield Static(id="count")
        yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey review"
        self.sub_title = self.heading
        table = self.query_one(DataTable)
        for label, width in (
            ("Who", 6),
            ("Stage", 12),
            ("Lane", 11),
            ("Channel", 12),
            ("Emo", 5),
            ("Text", 40),
            ("Tags", 14),
            ("Interviewer", 11),
        ):
            table.add_column(label, width=width)
        self.fill("")
        table.focus()

    def fill(self, needle: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        needle = needle.casefold().strip()
        shown = [row for row in self.rows if not needle or needle in _haystack(row)]
        for row in shown:
            table.add_row(
                literal(row.participant_code or f"({row.mode})"),
                literal(row.stage),
                literal(row.lane),
                literal(row.channel or ""),
                emotion_text(row.emotion) if row.emotion is not None else Text(""),
                literal(row.text),
                literal(" ".join(f"#{t}" for t in row.tags)),
                literal(row.interviewer or ""),
                key=row.id,
            )
        count = Text(f"{len(shown)} of {len(self.rows)} entries")
        if needle:
            count.append(" matching ")
            count.append_text(literal(needle, style="bold"))
        self.query_one("#count", Static).update(count)

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#filter")
    def _done_filtering(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
