"""Two segments side by side: emotion curves on one chart, funnels next to each other."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlite_utils import Database
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Select, Static

from journey.capture.figures import nearest_whole, percent_text
from journey.capture.journey_map import JourneyMap, StageColumn, build_map
from journey.storage.models import Study
from journey.storage.session_filter import SessionFilter
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import emotion_text, literal

if TYPE_CHECKING:
    pass

ROWS = (2, 1, 0, -1, -2)
MIN_STAGE_WIDTH = 6  # a cut stage name keeps a few letters and its ellipsis


def _stage_label(column: StageColumn) -> Text:
    """`2 Consideration`, on one line: cut with an ellipsis only where the width runs out."""
    label = literal(f"{column.stage.position} {column.stage.name}")
    label.no_wrap = True
    label.overflow = "ellipsis"
    return label


def comparison(a_name: str, a: JourneyMap, b_name: str, b: JourneyMap) -> Group:
    """The curve chart (A and B marks per stage) and the two funnels.

    A stage column is as wide as its name while the width allows; when it does not, the
    widest names give way first (Rich narrows the widest wrappable columns), each cut
    with an ellipsis. No blank line between the two: at 80x24 the funnel's bottom edge
    shows without scrolling (five stages)."""
    chart = Table(title="Emotion by stage (A, B; * where both)", box=None, expand=False)
    chart.add_column("", justify="right", no_wrap=True)
    for column in a.stages:
        chart.add_column(_stage_label(column), justify="center", min_width=MIN_STAGE_WIDTH)
    for row in ROWS:
        cells = []
        for col_a, col_b in zip(a.stages, b.stages, strict=True):
            marks = ""
            for label, mean in (("A", col_a.emotion_mean), ("B", col_b.emotion_mean)):
                if mean is not None and max(-2, min(2, nearest_whole(mean))) == row:
                    marks += label
            cells.append(
                Text(
                    "*" if marks == "AB" else marks or ("─" if row == 0 else ""),
                    style="bold" if marks else "dim",
                )
            )
        chart.add_row(f"{row:+d}" if row else "0", *cells)
    for label, journey in (("A", a), ("B", b)):
        chart.add_row(label, *(emotion_text(c.emotion_mean) for c in journey.stages))
    funnel = Table(title="Funnel: sessions reaching each stage", expand=False)
    funnel.add_column("stage")
    for label, name in (("A", a_name), ("B", b_name)):
        funnel.add_column(literal(f"{label}: {name}"), justify="right")
    first_a = a.stages[0].reached if a.stages else 0
    first_b = b.stages[0].reached if b.stages else 0
    for col_a, col_b in zip(a.stages, b.stages, strict=True):
        funnel.add_row(
            _stage_label(col_a),
            _share(col_a.reached, first_a, col_a.dropped),
            _share(col_b.reached, first_b, col_b.dropped),
        )
    return Group(chart, funnel)


def _share(reached: int, first: int, dropped: int) -> Text:
    share = reached / first if first else 0.0
    text = Text(f"{reached} ({percent_text(share)})")
    if dropped:
        text.append(f" ✗{dropped}", style="red")
    return text


class CompareScreen(JourneyScreen):
    BINDINGS = [Binding("escape", "close", "Back")]
    DEFAULT_CSS = """
    CompareScreen #pickers {
        height: auto;
    }
    CompareScreen Select {
        width: 1fr;
    }
    """

    def __init__(self, study: Study, base: SessionFilter, segments: list[str]) -> None:
        super().__init__()
        self.study = study
        self.base = base
        self.segments = segments

    def compose(self) -> ComposeResult:
        yield Header()
        options = [(literal(s), s) for s in self.segments]
        with Horizontal(id="pickers"):
            yield Select(
                options,
                prompt="segment A",
                id="a",
                value=self.segments[0] if self.segments else Select.NULL,
            )
            yield Select(
                options,
                prompt="segment B",
                id="b",
                value=self.segments[1] if len(self.segments) > 1 else Select.NULL,
            )
        with VerticalScroll():
            yield Static(id="comparison")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey review: compare segments"
        self.sub_title = self.study.name
        self._compare()

    @on(Select.Changed)
    def _compare(self) -> None:
        a = self.query_one("#a", Select).value
        b = self.query_one("#b", Select).value
        if not isinstance(a, str) or not isinstance(b, str):
            self.query_one("#comparison", Static).update("Choose two segments.")
            return
        self._build(a, b)

    def _build(self, a: str, b: str) -> None:
        study, base = self.study, self.base

        def read(db: Database) -> Group:
            map_a = build_map(db, study, replace(base, segment=a))
            map_b = build_map(db, study, replace(base, segment=b))
            return comparison(a, map_a, b, map_b)

        self.run_read(read, self.query_one("#comparison", Static).update)

    def action_close(self) -> None:
        self.dismiss(None)
