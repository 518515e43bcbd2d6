"""Two segments side by side: emotion curves on one chart, funnels next to each other."""

from __future__ import annotations

from dataclasses import replace

from rich.table import Table
from rich.text import Text
from sqlite_utils import Database
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Select, Static

from journey.capture.figures import percent_text
from journey.capture.journey_map import JourneyMap, build_map
from journey.storage.models import Study
from journey.storage.session_filter import SessionFilter
from journey.tui.curve_drawing import CurveSeries
from journey.tui.curve_series import map_series, stage_names
from journey.tui.help_topics import CURVE, FUNNEL
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import literal, stage_name
from journey.tui.widgets.emotion_curve import EmotionCurve

STAGE_WIDTH = 24  # a stage name in the funnel's first column, cut with an ellipsis past it


def curves(a_name: str, a: JourneyMap, b_name: str, b: JourneyMap) -> list[CurveSeries]:
    """The two segments' curves: A drawn ● with a solid line, B ■ dashed."""
    return [map_series(a, f"A: {a_name}"), map_series(b, f"B: {b_name}")]


def funnels(a_name: str, a: JourneyMap, b_name: str, b: JourneyMap) -> Table:
    """Sessions reaching each stage, A and B side by side, with the drop-outs."""
    funnel = Table(title="Funnel: sessions reaching each stage", expand=False)
    funnel.add_column("stage")
    for label, name in (("A", a_name), ("B", b_name)):
        funnel.add_column(literal(f"{label}: {name}"), justify="right")
    first_a = a.stages[0].reached if a.stages else 0
    first_b = b.stages[0].reached if b.stages else 0
    for col_a, col_b in zip(a.stages, b.stages, strict=True):
        funnel.add_row(
            stage_name(col_a.stage.position, col_a.stage.name, STAGE_WIDTH),
            _share(col_a.reached, first_a, col_a.dropped),
            _share(col_b.reached, first_b, col_b.dropped),
        )
    return funnel


def _share(reached: int, first: int, dropped: int) -> Text:
    share = reached / first if first else 0.0
    text = Text(f"{reached} ({percent_text(share)})")
    if dropped:
        text.append(f" ✗{dropped}", style="red")
    return text


class CompareScreen(JourneyScreen):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("f1,question_mark", "help", "Help"),
    ]
    HELP_TITLE = "Compare two segments"
    HELP_KEYS = (("Tab / Enter", "choose the segments A and B"),)
    HELP_SYMBOLS = CURVE + FUNNEL
    DEFAULT_CSS = """
    CompareScreen #pickers {
        height: auto;
    }
    CompareScreen Select {
        width: 1fr;
    }
    CompareScreen #curve {
        height: 8;
    }
    CompareScreen.-tall #curve {
        height: 15;
    }
    """
    # The curves' chart: 3 rows on a short terminal, 11 from 40 rows (each tenth of -2..+2
    # on a braille dot row of its own).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

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
        yield EmotionCurve(id="curve")
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

        def read(db: Database) -> tuple[JourneyMap, JourneyMap]:
            return (
                build_map(db, study, replace(base, segment=a)),
                build_map(db, study, replace(base, segment=b)),
            )

        def show(maps: tuple[JourneyMap, JourneyMap]) -> None:
            map_a, map_b = maps
            names = stage_names([c.stage for c in map_a.stages])
            self.query_one(EmotionCurve).show(names, curves(a, map_a, b, map_b))
            self.query_one("#comparison", Static).update(funnels(a, map_a, b, map_b))

        self.run_read(read, show)

    def action_close(self) -> None:
        self.dismiss(None)
