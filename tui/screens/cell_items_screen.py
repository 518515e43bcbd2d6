"""The items of one map cell in a workshop: vote, group into themes, link to pains."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from journey.capture.journey_map import JourneyMap, MapItem
from journey.capture.workshop import CellView, WorkshopSession, read_cell, read_links
from journey.storage.errors import JourneyError
from journey.storage.models import Stage
from journey.tui.help_topics import EMOTION, WORKSHOP
from journey.tui.screens.drill_down_screen import DrillDownScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.screens.pick_screen import PickScreen
from journey.tui.screens.text_prompt_screen import TextPromptScreen
from journey.tui.text import literal

# The columns before the item, each (label, content width); the item and its links share
# what is left of the screen's width.
FIXED_COLUMNS = (("", 1), ("Votes", 5), ("Mine", 4), ("n", 7), ("Sess.", 5))
PADDING = 2  # each column's cell padding, both sides
SCROLLBAR = 2
MIN_ITEM = 12
LINKS_WIDTH = (10, 40)  # an opportunity's links: a quarter of what is left, within these
NO_LINKS_WIDTH = len("Links")  # only opportunities link: elsewhere the column stays empty
PAIN_LIMIT = 200  # pains offered to link to at most: the most frequent when there are more
LABEL_LIMIT = 200  # cells of a pain's text in the pick list (the list cuts it where it ends)


def column_widths(available: int, links: bool = True) -> tuple[int, int]:
    """(item, links) content widths that fit `available` cells beside the fixed columns;
    `links`: whether the items can have links (opportunities), or the column stays empty."""
    left = available - SCROLLBAR - sum(width + PADDING for _, width in FIXED_COLUMNS) - 2 * PADDING
    low, high = LINKS_WIDTH
    links_width = max(low, min(high, left // 4)) if links else NO_LINKS_WIDTH
    return max(MIN_ITEM, left - links_width), links_width


def pain_choices(
    journey_map: JourneyMap, limit: int = PAIN_LIMIT, keep: Collection[str] = ()
) -> tuple[list[tuple[Text | str, str]], int]:
    """One choice per pain item of the map ("Stage: text", the item's earliest entry as
    its value), by stage then by how often it was said; at most `limit`, the most
    frequent, and besides them the items whose value is in `keep` (those linked, so that
    each can be unmarked). Returns the choices and how many pain items there are in all."""
    pains = [
        (column.stage, item)
        for column in journey_map.stages
        for item in journey_map.cell(column.stage, "pain").items
    ]
    total = len(pains)
    if total > limit:
        frequent = sorted(range(total), key=lambda index: -pains[index][1].entries)[:limit]
        kept = {index for index in range(total) if pains[index][1].entry_id in keep}
        pains = [pains[index] for index in sorted(kept.union(frequent))]
    pains.sort(key=lambda pain: (pain[0].position, -pain[1].entries))
    return [
        (_fit(literal(f"{stage.name}: {item.text}"), LABEL_LIMIT), item.entry_id)
        for stage, item in pains
    ], total


def _said(item: MapItem) -> str:
    """The n column: customer entries, then the workshop's stickies saying the same."""
    if item.workshop_only:
        return f"◇{item.workshop_entries}"
    if item.workshop_entries:
        return f"{item.entries}+◇{item.workshop_entries}"
    return str(item.entries)


def links_changed(added: int, removed: int) -> str:
    """What confirming the pick list did to an opportunity's links, in words."""
    if added and removed:
        return f"Linked to {_pains(added)}, unlinked {removed}"
    if added:
        return f"Linked to {_pains(added)}"
    if removed:
        return f"Unlinked {_pains(removed)}"
    return "No change to the links"


def _pains(count: int) -> str:
    return f"{count} pain" if count == 1 else f"{count} pains"


def _fit(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis, so a cut is visible."""
    if text.cell_len <= width:
        return text
    cut = text.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


class CellItemsScreen(JourneyScreen):
    BINDINGS = [
        # Short descriptions: the hint line above the table says what each does in full.
        Binding("plus,equals_sign", "vote(1)", "Vote"),
        Binding("minus", "vote(-1)", "Unvote"),
        Binding("space", "mark", "Mark"),
        Binding("g", "group", "Group"),
        Binding("u", "ungroup", "Ungroup"),
        Binding("l", "link", "Link"),
        Binding("e", "entries", "Entries"),
        Binding("escape", "close", "Back"),
    ]
    HELP_TITLE = "A cell's items"
    HELP_KEYS = (("arrows", "move between the items"),)
    HELP_SYMBOLS = WORKSHOP + EMOTION
    DEFAULT_CSS = """
    CellItemsScreen #hint {
        height: 1;
        padding: 0 1;
    }
    CellItemsScreen DataTable {
        height: 1fr;
    }
    """

    def __init__(self, session: WorkshopSession, stage: Stage, lane: str) -> None:
        super().__init__()
        self.session = session
        self.stage = stage
        self.lane = lane
        self.items: list[MapItem] = []
        self.journey_map: JourneyMap | None = None
        self.mine: dict[str, int] = {}  # this workshop's votes on each item
        self.marked: set[str] = set()
        self.widths: tuple[int, int] | None = None  # (item, links) as the columns are now

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="hint")
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey workshop"
        self.sub_title = f"{self.stage.name}: {self.lane}"
        self._columns()
        self.reload()
        self.query_one(DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if self.widths is not None and self._widths() != self.widths:
            current = self._current()
            self._columns()
            self._fill(current)

    def _widths(self) -> tuple[int, int]:
        return column_widths(self.size.width or self.app.size.width, self.lane == "opportunity")

    def _columns(self) -> None:
        """The columns for the current width: the item and its links take what is left."""
        self.widths = item, links = self._widths()
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, width in (*FIXED_COLUMNS, ("Item", item), ("Links", links)):
            table.add_column(label, width=width)

    def reload(self) -> None:
        """Read the cell's items and this workshop's votes on them (in a worker)."""
        study, stage, lane = self.session.study, self.stage, self.lane
        session_id = self.session.session.id
        self.run_read(lambda db: read_cell(db, study, session_id, stage, lane), self._loaded)

    def _loaded(self, view: CellView) -> None:
        current = self._current()
        self.journey_map, self.mine = view.journey_map, view.mine
        self.items = list(view.items)
        self._fill(current)

    def _fill(self, current: MapItem | None) -> None:
        """The rows as read last; the cursor stays on its item, not on its row (the list
        re-sorts by votes)."""
        table = self.query_one(DataTable)
        item_width, links_width = self.widths or self._widths()
        links_of = self.journey_map.links if self.journey_map else {}
        table.clear()
        for item in self.items:
            text = literal(item.text)
            if item.theme_id:
                text = Text("◆ theme: ", style="bold").append_text(text)
            links = links_of.get(item.entry_id, ())
            table.add_row(
                "✓" if item.entry_id in self.marked else "",
                f"★{item.votes}" if item.votes else "",
                str(self.mine.get(item.entry_id, "")),
                _said(item),
                str(item.sessions),
                _fit(text, item_width),
                _fit(literal("; ".join(links)), links_width),
                key=item.entry_id,
            )
        keys = [item.entry_id for item in self.items]
        if current is not None and current.entry_id in keys:
            table.move_cursor(row=keys.index(current.entry_id))
        # The legend of the columns; the footer has the keys.
        hint = "n, Sess.: customers said it · ◇: workshop stickies · ★: dot-votes · ◆: theme"
        if self.lane == "opportunity":
            hint += " · Links: the pains it answers"
        self.query_one("#hint", Static).update(hint)

    def _current(self) -> MapItem | None:
        table = self.query_one(DataTable)
        if not table.row_count or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def _write(self, action: Callable[[], object]) -> bool:
        if self.journey.read_only:
            self.notify("Read-only: nothing can be changed here.", severity="warning")
            return False
        try:
            action()
        except JourneyError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        return True

    def action_vote(self, delta: int) -> None:
        item = self._current()
        if item and self._write(lambda: self.session.vote_item(item, delta)):
            self.reload()

    def action_mark(self) -> None:
        item = self._current()
        if item is None:
            return
        self.marked ^= {item.entry_id}
        self._fill(item)

    def action_group(self) -> None:
        chosen = [item for item in self.items if item.entry_id in self.marked]
        if len(chosen) < 2:
            self.notify("Mark two or more items with space first.", markup=False)
            return

        def titled(title: str | None) -> None:
            if title and self._write(lambda: self.session.group(chosen, title)):
                self.marked.clear()
                self.notify(f"Grouped {len(chosen)} items as one theme", markup=False)
                self.reload()

        self.app.push_screen(TextPromptScreen("Title of the theme:", chosen[0].text), titled)

    def action_ungroup(self) -> None:
        item = self._current()
        if item is None or not item.theme_id:
            self.notify("Select a theme (◆) to ungroup.", markup=False)
            return
        if self._write(lambda: self.session.ungroup(item)):
            self.notify("Ungrouped: the items stand alone again", markup=False)
            self.reload()

    def action_link(self) -> None:
        item = self._current()
        if self.lane != "opportunity" or item is None:
            self.notify("Links go from an opportunity to pains.", markup=False)
            return
        # One choice per pain item of the map (same text, tag or theme), those the item
        # answers already marked (a link from any of its entries to any of theirs);
        # confirming links the new marks through each item's earliest entry, as a vote on
        # the item is, and unlinks the items unmarked, all in one write.
        study = self.session.study
        self.run_read(
            lambda db: read_links(db, study, item), partial(self._ask_links, item), group="links"
        )

    def _ask_links(self, item: MapItem, read: tuple[JourneyMap, set[str]]) -> None:
        journey_map, linked = read
        options, total = pain_choices(journey_map, PAIN_LIMIT, keep=linked)
        question = "Which pains does this opportunity answer?"
        if total > len(options):
            frequent = min(PAIN_LIMIT, total)
            question += f" (showing the {frequent} most frequent of {total}"
            if len(options) > frequent:
                question += f" and {len(options) - frequent} more linked"
            question += ")"

        def picked(pain_ids: list[str] | None) -> None:
            if pain_ids is None:
                return
            changed: list[tuple[int, int]] = []  # (added, removed), once the write is done
            if self._write(lambda: changed.append(self.session.set_links(item, pain_ids))):
                self.notify(links_changed(*changed[0]), markup=False)
                self.reload()

        self.app.push_screen(PickScreen(question, options, marked=linked), picked)

    def action_entries(self) -> None:
        item = self._current()
        if item is not None:
            self.app.push_screen(DrillDownScreen(item.text, self.session.item_scope(item)))

    def action_close(self) -> None:
        self.dismiss(None)
