"""The stage timeline: sessions as rows, stages as columns, each customer's path."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from storage.browse import SessionPath, StageMark
from storage.models import Stage
from tui.text import emotion_text, literal, short_time

SORTS = ("date", "segment", "interviewer")


def _mark(mark: StageMark | None) -> Text:
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
    if mark.outcome == "dropped" and mark.reason:
        text.append(" ")
        text.append_text(literal(mark.reason[:10]))
    return text


class TimelineTable(DataTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", fixed_columns=1, zebra_stripes=True)
        self.sort_by = "date"
        self.paths: list[SessionPath] = []
        self.stages: list[Stage] = []

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

    def _draw(self) -> None:
        selected = self.cursor_row
        self.clear(columns=True)
        self.add_column("Who", key="who", width=8)
        self.add_column("Segment", key="segment", width=16)
        self.add_column("Interviewer", key="interviewer", width=11)
        self.add_column("Started", key="started", width=16)
        for stage in self.stages:
            self.add_column(literal(f"{stage.position} {stage.name}"[:14]), key=stage.id, width=14)
        for path in self._sorted():
            self.add_row(
                literal(path.participant_code or f"({path.mode})"),
                literal(path.segment or "-"),
                literal(path.interviewer or "-"),
                short_time(path.started_at),
                *(_mark(path.stages.get(stage.id)) for stage in self.stages),
                key=path.session_id,
            )
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def selected_path(self) -> SessionPath | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((p for p in self.paths if p.session_id == key), None)
