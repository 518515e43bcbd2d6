"""The stage timeline: sessions as rows, stages as columns, each customer's path.

Every stage gets a column at any width: on a wide screen with who, segment, interviewer
and start time in full; narrower, those shrink, and at 80 columns only who and a short
segment stay beside the stages, with the column the timeline is sorted by. Each stage
cell is the mark (✓ reached, ✗ dropped, ↷ skipped, · not yet) and the emotion glyph,
with the reason of a drop when there is room. The sorted column's label ends in ▾.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from journey.storage.browse import SessionPath, StageMark
from journey.storage.models import Stage
from journey.tui.text import emotion_text, fit, literal, short_time, stage_name

SORTS = ("date", "segment", "interviewer")
SORTED = " ▾"
SCROLLBAR = 2
PADDING = 2  # each column's cell padding, both sides
MAX_STAGE = 24  # the stage columns share what the session columns leave
LABELS = {"who": "Who", "segment": "Segment", "interviewer": "Interviewer", "started": "Started"}
SHORT_LABELS = {"who": "Who", "segment": "Seg", "interviewer": "Intvw", "started": "Date"}
SORT_COLUMN = {"date": "started", "segment": "segment", "interviewer": "interviewer"}


@dataclass(frozen=True)
class Layout:
    """The widths of the session columns (in order) and of each stage column."""

    widths: tuple[tuple[str, int], ...]
    stage: int


def _stage_width(available: int, stages: int, widths: dict[str, int]) -> int:
    rest = available - SCROLLBAR - sum(width + PADDING for width in widths.values())
    return min(MAX_STAGE, rest // max(stages, 1) - PADDING)


def plan_layout(available: int, stages: int, sort_by: str) -> Layout:
    """The widest layout whose stage columns are wide enough: in full (stage columns of
    12 or more), shortened (9 or more), or compact: who, a short segment and the sort
    column, the stages sharing the rest."""
    candidates: list[tuple[dict[str, int], int]] = [
        ({"who": 8, "segment": 16, "interviewer": 11, "started": 16}, 12),
        ({"who": 6, "segment": 12, "interviewer": 8, "started": 11}, 9),
    ]
    compact = {"who": 6, "segment": 10}
    if sort_by == "date":
        compact["started"] = 6
    elif sort_by == "interviewer":
        compact["interviewer"] = 7
    candidates.append((compact, 0))
    for widths, least in candidates:
        stage = _stage_width(available, stages, widths)
        if stage >= least:
            break
    order = ("who", "segment", "interviewer", "started")
    return Layout(tuple((key, widths[key]) for key in order if key in widths), max(stage, 3))


def _mark(mark: StageMark | None, width: int = MAX_STAGE) -> Text:
    if mark is None or (mark.outcome is None and not mark.entries):
        return Text("·", style="dim")
    text = Text()
    if mark.outcome == "dropped":
        text.append("✗", style="bold red")
    elif mark.outcome == "skipped":
        text.append("↷", style="yellow")
    else:
        text.append("✓", style="green")
    if mark.mean_emotion is not None:
        text.append_text(emotion_text(mark.mean_emotion, signed_value=False))
    room = width - text.cell_len - 1  # the reason gets the rest of the column
    if mark.outcome == "dropped" and mark.reason and room >= 5:
        text.append(" ")
        text.append_text(fit(literal(mark.reason), room))
    return text


def _started(stamp: str, width: int) -> str:
    full = short_time(stamp)  # 2026-01-06 10:00
    if width >= len(full):
        return full
    return full[5:16] if width >= 11 else full[5:10]


def _label(key: str, width: int, sorted_by: bool) -> Text:
    """A column's label, its short form when the long one does not fit; ▾ when sorted by it."""
    suffix = SORTED if sorted_by else ""
    for label in (LABELS[key], SHORT_LABELS[key]):
        if len(label + suffix) <= width:
            return Text(label + suffix)
    return fit(Text(SHORT_LABELS[key] + suffix), width)


def _stage_label(stage: Stage, width: int) -> Text:
    if width < 5:
        return Text(str(stage.position))
    return stage_name(stage.position, stage.name, width)  # cut as on every screen


class TimelineTable(DataTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", fixed_columns=1, zebra_stripes=True)
        self.sort_by = "date"
        self.paths: list[SessionPath] = []
        self.stages: list[Stage] = []
        self.plan: Layout | None = None

    def show(self, stages: list[Stage], paths: list[SessionPath]) -> None:
        self.stages = stages
        self.paths = paths
        self._draw()

    def next_sort(self) -> str:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._draw()
        return self.sort_by

    def _sorted(self) -> list[SessionPath]:
        if self.sort_by == "segment":
            return sorted(self.paths, key=lambda p: ((p.segment or "~").casefold(), p.started_at))
        if self.sort_by == "interviewer":
            return sorted(
                self.paths, key=lambda p: ((p.interviewer or "~").casefold(), p.started_at)
            )
        return sorted(self.paths, key=lambda p: p.started_at, reverse=True)

    def _plan(self) -> Layout:
        return plan_layout(self.size.width or self.app.size.width, len(self.stages), self.sort_by)

    def on_resize(self) -> None:
        # Column widths follow the terminal; only a change of layout redraws.
        if self.plan is not None and self.size.width and self._plan() != self.plan:
            self._draw()

    def _draw(self) -> None:
        selected = self.cursor_row
        self.plan = layout = self._plan()
        self.clear(columns=True)
        widths = dict(layout.widths)
        for key, width in layout.widths:
            label = _label(key, width, key == SORT_COLUMN[self.sort_by])
            self.add_column(label, key=key, width=width)
        for stage in self.stages:
            self.add_column(_stage_label(stage, layout.stage), key=stage.id, width=layout.stage)
        for path in self._sorted():
            cells = {
                "who": fit(literal(path.participant_code or f"({path.mode})"), widths["who"]),
                "segment": fit(literal(path.segment or "-"), widths["segment"]),
                "interviewer": fit(literal(path.interviewer or "-"), widths.get("interviewer", 0)),
                "started": Text(_started(path.started_at, widths.get("started", 0))),
            }
            self.add_row(
                *(cells[key] for key, _width in layout.widths),
                *(_mark(path.stages.get(stage.id), layout.stage) for stage in self.stages),
                key=path.session_id,
            )
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def selected_path(self) -> SessionPath | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((p for p in self.paths if p.session_id == key), None)
