"""The entries behind a map cell (or a session), with a filter box.

A drill-down over a scope (a map cell, a session, a workshop item) lists the first
`limit` entries and says how many there are in all, read in a worker thread once the
screen is up; its filter searches every entry of the scope in SQL (storage.browse, the one
search), also in a worker, a moment after the typing stops.

The columns follow the width of the screen: a column whose value every row shares
(the cell's stage and lane, an empty channel) is left out, and at narrow widths the
interviewer goes, the tags move in front of the text and the short columns shrink, so
that the text keeps most of the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from journey.storage.browse import (
    DRILL_DOWN_LIMIT,
    EntryPage,
    EntryRow,
    EntryScope,
    entry_page,
)
from journey.tui.help_topics import EMOTION
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import emotion_text, literal
from journey.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    pass

SEARCH_DELAY = 0.3  # seconds after the last key before the filter queries again
TEXT_TARGET = 40  # narrower than this, the other columns give way to the text
MIN_TEXT = 16
SCROLLBAR = 2
PADDING = 2  # each column's cell padding, both sides

LABELS = {
    "who": "Who",
    "stage": "Stage",
    "lane": "Lane",
    "channel": "Channel",
    "emo": "Emo",
    "text": "Text",
    "tags": "Tags",
    "interviewer": "Interviewer",
}
# (smallest, largest) width of each column's content; the text takes what is left.
BOUNDS = {
    "who": (3, 8),
    "stage": (5, 14),
    "lane": (4, 11),
    "channel": (7, 14),
    "emo": (3, 4),
    "tags": (4, 24),
    "interviewer": (11, 12),
}
SHRUNK = {"stage": 8, "lane": 7, "channel": 8}
OPTIONAL = ("who", "stage", "lane", "channel", "emo", "tags", "interviewer")


def _values(row: EntryRow) -> dict[str, str]:
    """What each column shows of a row, as plain text (for widths and for sameness)."""
    return {
        "who": row.participant_code or f"({row.mode})",
        "stage": row.stage,
        "lane": row.lane,
        "channel": row.channel or "",
        "emo": emotion_text(row.emotion).plain if row.emotion is not None else "",
        "tags": " ".join(f"#{t}" for t in row.tags),
        "interviewer": row.interviewer or "",
    }


@dataclass
class Columns:
    """Which columns a drill-down shows and how wide each is (content width)."""

    widths: dict[str, int]
    tags_in_text: bool

    def order(self) -> list[str]:
        return [key for key in LABELS if key in self.widths]


def plan_columns(available: int, ideal: dict[str, int], varying: set[str]) -> Columns:
    """Fit the columns to `available` cells: leave out what does not vary, then, while
    the text is narrower than TEXT_TARGET, drop the interviewer, move the tags in front of
    the text and shrink stage, lane and channel."""
    widths: dict[str, int] = {}
    for key in OPTIONAL:
        if key in varying:
            widths[key] = ideal[key]
    tags_in_text = False

    def text_width() -> int:
        used = sum(width + PADDING for width in widths.values())
        return available - SCROLLBAR - PADDING - used

    if text_width() < TEXT_TARGET:
        widths.pop("interviewer", None)
    if text_width() < TEXT_TARGET and "tags" in widths:
        del widths["tags"]
        tags_in_text = True
    for key, smaller in SHRUNK.items():
        short = TEXT_TARGET - text_width()
        if short > 0 and key in widths:
            widths[key] = max(min(widths[key], smaller), widths[key] - short)
    widths["text"] = max(MIN_TEXT, text_width())
    return Columns(widths, tags_in_text)


def _fit(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis, so a cut is visible."""
    if text.cell_len <= width:
        return text
    cut = text.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


def _count(shown: int, matching: int, total: int, search: str) -> Text:
    if not search:
        line = Text(f"{shown:,} of {total:,} entries")
        if shown < total:
            line.append(f" (the first {shown:,}; the filter searches all)")
        return line
    line = Text(f"{shown:,} of {matching:,} " if shown < matching else f"{shown:,} of {total:,} ")
    line.append("entries matching ")
    line.append_text(literal(search, style="bold"))
    if shown < matching:
        line.append(f" (the first {shown:,}; {total:,} entries in all)")
    return line


class DrillDownScreen(JourneyScreen):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("slash", "focus_filter", "Filter", show=True),
    ]
    HELP_TITLE = "Entries behind a cell"
    HELP_KEYS = (
        ("arrows", "move between the entries"),
        ("#word", "in the filter: entries tagged with it"),
    )
    HELP_SYMBOLS = EMOTION
    DEFAULT_CSS = """
    DrillDownScreen #count {
        height: 1;
        padding: 0 1;
    }
    DrillDownScreen DataTable {
        height: 1fr;
    }
    """

    def __init__(self, title: str, scope: EntryScope, limit: int | None = None) -> None:
        """The entries of `scope` (a map cell, a session, an item): the first `limit` of
        them, and how many there are, read once the screen is up; the filter searches
        them all in the database (storage.browse, the one search)."""
        super().__init__()
        self.heading = title
        self.rows: list[EntryRow] = []
        self.total = 0
        self.scope = scope
        self.limit = DRILL_DOWN_LIMIT if limit is None else limit
        self.shown: list[EntryRow] = []
        self.matching = 0
        self.search = ""  # the search the list shows
        self.searching = False
        self.reading = False  # the first page of a scope is on its way
        self._timer: Timer | None = None
        self._ideal = {key: low for key, (low, _high) in BOUNDS.items()}
        self._varying: set[str] = set()
        self._shared: dict[str, str] = {}
        self._columns: Columns | None = None

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
        self._draw()
        self.query_one(DataTable).focus()
        scope, limit = self.scope, self.limit
        self.reading = True
        self._show_count()
        self.run_read(lambda db: entry_page(db, scope, "", limit), self._first_page)

    def _first_page(self, page: EntryPage) -> None:
        self.reading = False
        self.rows, self.total = page.rows, page.matching
        search = self._current_search()
        if search:
            self._search(search)  # typed while the page was read
        else:
            self._show("", page.rows, page.matching)

    # -- columns -----------------------------------------------------------------

    def _learn(self, rows: list[EntryRow]) -> bool:
        """Widen the columns and note which vary for rows now shown; True if that changed."""
        before = (dict(self._ideal), set(self._varying))
        first: dict[str, str] = {}
        for row in rows:
            for key, value in _values(row).items():
                low, high = BOUNDS.get(key, (0, 0))
                self._ideal[key] = max(self._ideal.get(key, low), min(cell_len(value), high))
                if key not in first:
                    first[key] = value
                elif first[key] != value:
                    self._varying.add(key)
        for key, value in first.items():
            if key not in self._shared:
                self._shared[key] = value
            elif self._shared[key] != value:
                self._varying.add(key)
        # The participant, stage, lane and channel every row shares go to the title;
        # an emotion, tag or interviewer that every row shares keeps its column.
        for key in ("emo", "tags", "interviewer"):
            if self._shared.get(key):
                self._varying.add(key)
        return before != (self._ideal, self._varying)

    def _subtitle(self) -> str:
        """The heading, with what every row shares (and the columns leave out) when it does
        not say it already."""
        heading = self.heading
        for key in ("who", "stage", "lane", "channel"):
            value = self._shared.get(key, "")
            if value and key not in self._varying and value.casefold() not in heading.casefold():
                heading = f"{heading} · {value}"
        return heading

    def on_resize(self, event: events.Resize) -> None:
        if self._columns is not None and self._plan() != self._columns:
            self._draw()

    def _plan(self) -> Columns:
        return plan_columns(self.size.width or self.app.size.width, self._ideal, self._varying)

    def _draw(self) -> None:
        """Columns for the current width, then the rows."""
        table = self.query_one(DataTable)
        self._columns = columns = self._plan()
        self.sub_title = self._subtitle()
        table.clear(columns=True)
        for key in columns.order():
            table.add_column(LABELS[key], key=key, width=columns.widths[key])
        self._fill()

    def _cells(self, row: EntryRow, columns: Columns) -> list[Text]:
        values = _values(row)
        cells: list[Text] = []
        for key in columns.order():
            width = columns.widths[key]
            if key == "text":
                text = Text()
                if columns.tags_in_text and row.tags:
                    text.append_text(literal(values["tags"], style="italic"))
                    text.append(" ")
                text.append_text(literal(row.text))
                cells.append(_fit(text, width))
            elif key == "emo":
                cells.append(emotion_text(row.emotion) if row.emotion is not None else Text(""))
            else:
                cells.append(_fit(literal(values[key]), width))
        return cells

    # -- rows and the count --------------------------------------------------------

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        assert self._columns is not None
        cursor = table.cursor_row
        table.clear()
        for row in self.shown:
            table.add_row(*self._cells(row, self._columns), key=row.id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self._show_count()

    def _show_count(self) -> None:
        if self.reading:
            line = Text("reading the entries…", style="italic")
        elif self.searching:
            line = Text(f"searching all {self.total:,} entries for ", style="italic")
            line.append_text(literal(self._current_search(), style="bold"))
            line.append("…")
        else:
            line = _count(len(self.shown), self.matching, self.total, self.search)
        self.query_one("#count", Static).update(line)

    def _show(self, search: str, rows: list[EntryRow], matching: int) -> None:
        self.search = search
        self.shown = rows
        self.matching = matching
        self.searching = False
        if self._learn(rows):
            self._draw()
        else:
            self._fill()

    # -- the filter ------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        search = event.value.strip()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.cancel_reads("search")
        if not search:
            self._show("", self.rows, self.total)  # the first page is at hand
            return
        self.searching = True
        self._show_count()
        self._timer = self.set_timer(SEARCH_DELAY, partial(self._search, search))

    def _search(self, search: str) -> None:
        scope, limit = self.scope, self.limit
        self.run_read(
            lambda db: entry_page(db, scope, search, limit),
            partial(self._found, search),
            group="search",
            failed=partial(self._failed, search),
        )

    def _current_search(self) -> str:
        return self.query_one("#filter", Input).value.strip()

    def _found(self, search: str, page: EntryPage) -> None:
        if search == self._current_search():
            self._show(search, page.rows, page.matching)

    def _failed(self, search: str, message: str) -> None:
        if search == self._current_search():
            self.searching = False
            self._show_count()
            self.notify(message, severity="error", markup=False)

    @on(Input.Submitted, "#filter")
    def _done_filtering(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)
