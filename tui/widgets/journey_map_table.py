"""The journey map as a table: stages as columns, lanes as rows.

The stage columns share the width so that every stage shows at 80 columns (down to
a minimum width, past which the table scrolls sideways); wider terminals get wider
columns with longer labels, and item texts get what is left after their counts (the
highlighted cell's items show whole in the screen's CellDetail panel). The moments of
truth (capture/moments.py) are marked with a symbol and words: ▽ lowest emotion,
⊘ largest drop-off, ! a stage's top pain. Every cell carries its n; cells resting on fewer than
three sessions say "thin". Signs are glyphs as well as colours, so the map reads
the same with NO_COLOR.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from journey.capture.figures import decimal_text, percent_text
from journey.capture.journey_map import ITEM_LANES, JourneyMap, MapCell, StageColumn
from journey.capture.moments import MomentsOfTruth, moments_of_truth
from journey.storage.models import LANE_TITLES
from journey.tui.text import emotion_text, fit, literal, stage_name

MAX_STAGE_WIDTH = 60  # past this a column would hold more blank than text
MIN_STAGE_WIDTH = 10
WIDE = 18  # from this stage width on, cells use their long labels
# The lanes the map shows as rows of items (notes only in the drill-down).
LANE_ROWS = tuple((lane, LANE_TITLES[lane]) for lane in ITEM_LANES if lane != "note")
# Long lane titles as narrow columns show them.
SHORT_TITLES = {
    LANE_TITLES["expectation"]: "Expect.",
    LANE_TITLES["opportunity"]: "Opport.",
    LANE_TITLES["touchpoint"]: "Touchp.",
}
TOP_ITEMS = 3
# The moments of truth: a symbol and the words it stands for (the help's legend too).
LOWEST, LARGEST_DROP, TOP_PAIN = "▽", "⊘", "!"
MOMENT_WORDS = {LOWEST: "lowest emotion", LARGEST_DROP: "largest drop-off", TOP_PAIN: "top pain"}


def moment_words(symbol: str, width: int) -> str:
    """`▽ lowest emotion`; in a narrow column its first word (`▽ lowest`), whose row
    (Emotion, Dropped) says the rest."""
    words = f"{symbol} {MOMENT_WORDS[symbol]}"
    return words if len(words) <= width else words.split()[0] + " " + words.split()[1]


@dataclass(frozen=True)
class CellTarget:
    """What selecting a cell drills down to."""

    title: str
    stage_id: str
    lane: str | None = None
    channel_id: str | None = None
    emotion_only: bool = False
    dropped: bool = False  # the sessions that dropped out at the stage, not entries


def _thin(text: Text, thin: bool) -> Text:
    if thin:
        text.append(" thin", style="italic dim")
    return text


def _reach(column: StageColumn, first: int, width: int) -> Text:
    share = column.reached / first if first else 0.0
    bar_width = width - 5
    filled = round(share * bar_width)
    text = Text(f"{column.reached} {'sessions' if width >= WIDE else 'reached'}\n")
    text.append("█" * filled, style="cyan")
    text.append("░" * (bar_width - filled), style="dim")
    text.append(percent_text(share).rjust(5))
    return text


def stage_marks(moments: MomentsOfTruth, column: StageColumn) -> str:
    """The moment-of-truth symbols of a stage, before its name in headings."""
    marks = ""
    if moments.lowest is column:
        marks += LOWEST
    if moments.largest_drop is column:
        marks += LARGEST_DROP
    return marks


def stage_heading(column: StageColumn, moments: MomentsOfTruth, width: int) -> Text:
    marks = stage_marks(moments, column)
    heading = Text(marks, style="bold") if marks else Text()
    heading.append_text(stage_name(column.stage.position, column.stage.name, width - len(marks)))
    return heading


def _dropped(column: StageColumn, width: int, largest: bool = False) -> Text:
    share = column.dropped / column.reached if column.reached else 0.0
    label = (
        f"✗ {column.dropped} dropped ({percent_text(share)})"
        if width >= WIDE
        else (f"✗{column.dropped} ({percent_text(share)})")
    )
    text = Text(label, style="bold" if column.dropped else "")
    if largest:
        text.append("\n" + moment_words(LARGEST_DROP, width), style="bold reverse")
    for reason, count in column.top_reasons[:2]:
        text.append("\n")
        text.append_text(fit(literal(f"{count} {reason}"), width))
    return text


def _emotion(column: StageColumn, width: int, lowest: bool = False) -> Text:
    """The stage's figures under the curve: mean ± spread, n, thin (the curve itself is
    the EmotionCurve above the map)."""
    mean = column.emotion_mean
    if mean is None:
        return Text("n=0", style="dim")
    text = emotion_text(mean)
    text.append(f" ±{decimal_text(column.emotion_spread or 0, 1)}")
    text.append(" " if width >= WIDE else "\n")
    text.append(f"n={column.emotion_n}")
    _thin(text, column.thin)
    if lowest:
        text.append("\n" + moment_words(LOWEST, width), style="bold reverse")
    return text


VOTED_LANES = ("pain", "opportunity")


def _items(
    cell: MapCell,
    by_votes: bool,
    links: dict[str, tuple[str, ...]],
    width: int,
    top_pain: str | None = None,
) -> Text:
    if not cell.entries and not cell.stickies:
        return Text("-", style="dim")
    if cell.entries:
        heading = (
            f"{cell.entries} in {cell.sessions} sess."
            if width >= WIDE
            else f"{cell.entries}× n={cell.sessions}"
        )
        text = _thin(Text(heading, style="dim"), cell.thin)
    else:
        text = Text("no customer said it", style="dim italic")
    if cell.stickies:
        # The workshop's stickies are the team's opinion: counted apart, never as evidence.
        text.append(f" ◇{cell.stickies}", style="magenta")
    items = list(cell.items)
    if by_votes and cell.lane in VOTED_LANES:
        items.sort(key=lambda item: (-item.votes, -item.entries))
    for item in items[:TOP_ITEMS]:
        text.append("\n")
        if item.workshop_only:
            text.append(f"{'◇' + str(item.workshop_entries):>3} ", style="magenta")
        elif item.entry_id == top_pain:
            text.append(f"{TOP_PAIN}{item.entries:>2} ", style="bold reverse")
        else:
            text.append(f"{item.entries:>3} ", style="bold")
        room = width - 4  # one line of the column: the badges take from the text
        if item.votes:
            badge = f"★{item.votes} "
            text.append(badge, style="yellow")
            room -= len(badge)
        if item.entry_id in links:
            badge = f"→{len(links[item.entry_id])} "
            text.append(badge, style="cyan")
            room -= len(badge)
        text.append_text(fit(literal(item.text), max(room, 1)))
    if cell.tags:
        # Tags are facets: an entry counts under its item and under each of its tags.
        # Whole facets only, as many as fit: a tag without its count would mislead.
        facets = ""
        for tag, count in cell.tags:
            facet = f"#{tag} {count}"
            joined = f"{facets} {facet}" if facets else facet
            if len(joined) > width:
                break
            facets = joined
        text.append("\n")
        text.append_text(literal(facets or f"#{cell.tags[0][0]}"[: width - 1] + "…", style="dim"))
    return text


def _looks(cell: Text) -> tuple:
    """What decides how a cell looks (Text equality ignores the base style)."""
    return (cell.plain, str(cell.style), tuple(cell.spans))


def stage_width(available: int, stages: int) -> int:
    """The width of a stage column so that all of them fit beside the label column."""
    if stages == 0:
        return MAX_STAGE_WIDTH
    # 2 for each cell's padding; 5 for the label's padding, the scrollbar and a spare column
    fitted = (available - label_width(available) - 5) // stages - 2
    return max(MIN_STAGE_WIDTH, min(MAX_STAGE_WIDTH, fitted))


def label_width(available: int) -> int:
    return 14 if available >= 120 else 8


class JourneyMapTable(DataTable):
    """Cell cursor over the map; `target_at` says what a cell stands for."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", fixed_columns=1, zebra_stripes=False)
        self.targets: dict[tuple[str, str], CellTarget] = {}
        self.journey_map: JourneyMap | None = None
        self.sort_by_votes = False
        self.moments = MomentsOfTruth()
        self._layout: tuple = ()
        self._shown: dict[tuple[str, str], tuple] = {}
        self._width = MAX_STAGE_WIDTH
        self._label_width = 14

    def show(self, journey_map: JourneyMap) -> None:
        """Show a new map, keeping the cursor where it was.

        When the rows and columns are the ones on screen, only the cells whose text
        changed are updated, so an outside commit repaints a few cells, not the map.
        """
        self.journey_map = journey_map
        self.moments = moments = moments_of_truth(journey_map)
        self.targets = {}
        self._pending_rows: list[tuple[str, Text, list[Text], int]] = []
        available = self.size.width or self.app.size.width
        self._width = width = stage_width(available, len(journey_map.stages))
        self._label_width = label_width(available)
        columns = [("lane", Text(""), self._label_width)] + [
            (column.stage.id, stage_heading(column, moments, width), width)
            for column in journey_map.stages
        ]
        first = journey_map.stages[0].reached if journey_map.stages else 0
        stages = journey_map.stages
        self._row("reach", self._title("Reached"), [_reach(c, first, width) for c in stages], 2)
        dropped = [_dropped(c, width, c is moments.largest_drop) for c in stages]
        drop_height = 3 + (moments.largest_drop is not None)
        self._row("dropped", self._title("Dropped"), dropped, drop_height)
        emotion = [_emotion(c, width, c is moments.lowest) for c in stages]
        emotion_height = (1 if width >= WIDE else 2) + (moments.lowest is not None)
        self._row("emotion", self._title("Emotion"), emotion, emotion_height)
        for c in stages:
            self.targets[("reach", c.stage.id)] = CellTarget(
                f"{c.stage.name}: all entries", c.stage.id
            )
            self.targets[("dropped", c.stage.id)] = CellTarget(
                f"{c.stage.name}: sessions that dropped out", c.stage.id, dropped=True
            )
            self.targets[("emotion", c.stage.id)] = CellTarget(
                f"{c.stage.name}: entries with an emotion", c.stage.id, emotion_only=True
            )
        for lane, title in LANE_ROWS[:3]:
            self._lane_row(journey_map, lane, title)
        self._touchpoint_rows(journey_map)
        for lane, title in LANE_ROWS[3:]:
            self._lane_row(journey_map, lane, title)
        self._apply(columns, self._pending_rows)

    def _apply(
        self,
        columns: list[tuple[str, Text, int]],
        rows: list[tuple[str, Text, list[Text], int]],
    ) -> None:
        layout = (
            tuple((key, label.plain, width) for key, label, width in columns),
            tuple((key, height) for key, _label, _cells, height in rows),
        )
        if layout == self._layout:
            column_keys = [key for key, _label, _width in columns]
            for key, label, cells, _height in rows:
                for column_key, cell in zip(column_keys, [label, *cells], strict=True):
                    if self._shown.get((key, column_key)) != _looks(cell):
                        self._repaint_cell(key, column_key, cell)
                        self._shown[(key, column_key)] = _looks(cell)
            return
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        for key, label, width in columns:
            self.add_column(label, key=key, width=width)
        self._shown = {}
        for key, label, cells, height in rows:
            self.add_row(label, *cells, key=key, height=height)
            for (column_key, _l, _w), cell in zip(columns, [label, *cells], strict=True):
                self._shown[(key, column_key)] = _looks(cell)
        self._layout = layout
        if self.row_count and self.columns:
            # Never on the lane labels (nothing to drill into there); the nearest cell.
            self.cursor_coordinate = Coordinate(
                min(cursor.row, self.row_count - 1),
                min(max(cursor.column, 1), len(self.columns) - 1),
            )

    def _repaint_cell(self, row_key: str, column_key: str, cell: Text) -> None:
        """Change one cell and repaint only its region. (DataTable.update_cell repaints
        the whole table, which over SSH is every byte of the map per update.)"""
        self._data[RowKey(row_key)][ColumnKey(column_key)] = cell
        self._update_count += 1  # invalidates the table's row render caches
        self.refresh_coordinate(self.get_cell_coordinate(row_key, column_key))

    def _title(self, title: str) -> Text:
        if self._label_width < 14:
            title = SHORT_TITLES.get(title, title)
        return fit(Text(title, style="bold"), self._label_width)

    def _top_pain(self, cell: MapCell) -> str | None:
        if cell.lane != "pain":
            return None
        top = self.moments.top_pains.get(cell.stage.id)
        return top.entry_id if top else None

    def _row(self, key: str, label: Text, cells: list[Text], height: int) -> None:
        self._pending_rows.append((key, label, cells, height))

    def on_resize(self) -> None:
        # Column widths follow the terminal; only a change of width redraws.
        if (
            self.journey_map is not None
            and self.size.width
            and (
                stage_width(self.size.width, len(self.journey_map.stages)) != self._width
                or label_width(self.size.width) != self._label_width
            )
        ):
            self.redraw()

    def _lane_row(self, journey_map: JourneyMap, lane: str, title: str) -> None:
        cells = [journey_map.cell(c.stage, lane) for c in journey_map.stages]
        height = 1 + min(TOP_ITEMS, max((len(cell.items) for cell in cells), default=0))
        height += any(cell.tags for cell in cells)
        rendered = [
            _items(cell, self.sort_by_votes, journey_map.links, self._width, self._top_pain(cell))
            for cell in cells
        ]
        self._row(lane, self._title(title), rendered, height)
        for c in journey_map.stages:
            self.targets[(lane, c.stage.id)] = CellTarget(
                f"{c.stage.name}: {title.lower()}", c.stage.id, lane
            )

    def _touchpoint_rows(self, journey_map: JourneyMap) -> None:
        if not journey_map.channels:
            self._row(
                "touchpoint",
                self._title(LANE_TITLES["touchpoint"]),
                [Text("-", style="dim") for _ in journey_map.stages],
                1,
            )
            return
        for channel in journey_map.channels:
            cells = []
            for column in journey_map.stages:
                cell = journey_map.channel_cell(channel, column.stage)
                if cell is None:
                    cells.append(Text("-", style="dim"))
                    continue
                text = Text(f"{cell.mentions}× ")
                text.append_text(emotion_text(cell.mean_emotion))
                text.append(f"\nn={cell.sessions}")
                if cell.went_on is not None and cell.sessions:
                    # of the sessions that met it here: went on to the next stage, did not
                    text.append(f" ↗{cell.went_on} ↘{cell.did_not}", style="dim")
                cells.append(_thin(text, cell.thin))
                self.targets[(f"channel:{channel.id}", column.stage.id)] = CellTarget(
                    f"{column.stage.name}: touchpoints on {channel.name}",
                    column.stage.id,
                    "touchpoint",
                    channel.id,
                )
            label = Text("⌁ ", style="dim")
            label.append_text(fit(literal(channel.name), self._label_width - 2))
            self._row(f"channel:{channel.id}", label, cells, 2)

    def redraw(self) -> None:
        if self.journey_map is not None:
            self.show(self.journey_map)

    def keys_at_cursor(self) -> tuple[str, str] | None:
        """(row key, column key) of the highlighted cell."""
        if not self.row_count:
            return None
        cell_key = self.coordinate_to_cell_key(self.cursor_coordinate)
        return str(cell_key.row_key.value), str(cell_key.column_key.value)

    def target_at_cursor(self) -> CellTarget | None:
        if not self.row_count:
            return None
        cell_key = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self.targets.get((str(cell_key.row_key.value), str(cell_key.column_key.value)))
