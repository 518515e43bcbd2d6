"""`journey review`: the live journey map of a study and its stage timeline.

A cheap timer compares the data version (storage.data_version); only a change (another process
committed) triggers a re-query, in a worker thread with its own connection, so
an idle review neither queries nor writes anything to the terminal.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from journey.capture.journey_map import JourneyMap, build_map
from journey.storage import connect
from journey.storage.browse import (
    EntryScope,
    SessionPath,
    dropped_sessions,
    filter_values,
    session_paths,
)
from journey.storage.errors import JourneyError
from journey.storage.models import Study
from journey.storage.session_filter import NO_FILTER, SessionFilter
from journey.storage.studies import stages
from journey.tui.change_watch import ChangeWatch
from journey.tui.curve_series import map_series, marked_names, moments_line
from journey.tui.help_topics import CURVE, EMOTION, MAP, MOMENTS, TIMELINE
from journey.tui.screens.compare_screen import CompareScreen
from journey.tui.screens.drill_down_screen import DrillDownScreen
from journey.tui.screens.dropped_sessions_screen import DroppedSessionsScreen
from journey.tui.screens.filter_screen import FilterScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import literal
from journey.tui.widgets.cell_detail import CellDetail
from journey.tui.widgets.emotion_curve import EmotionCurve
from journey.tui.widgets.journey_map_table import JourneyMapTable
from journey.tui.widgets.timeline_table import TimelineTable

SLUG_LENGTH = 60  # of the study's name in an export's file name


def describe(where: SessionFilter) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("segment", where.segment),
            ("interviewer", where.interviewer),
            ("mode", where.mode),
            ("since", where.since),
            ("before", where.until),
        )
        if value
    ]
    return "all sessions" if not parts else ", ".join(parts)


class ReviewScreen(JourneyScreen):
    BINDINGS = [
        Binding("m", "show_tab('map')", "Map"),
        Binding("t", "show_tab('timeline')", "Timeline"),
        Binding("enter", "drill_down", "Entries", show=True, priority=False),
        Binding("f", "filter", "Filter"),
        Binding("c", "compare", "Compare"),
        Binding("s", "sort", "Sort"),
        Binding("x", "export_view", "Export view"),
        # Not Escape: on a facilitator's SSH login a stray Escape would end the session.
        Binding("q", "leave", "Quit"),
        Binding("f1,question_mark", "help", "Help"),
    ]
    HELP_TITLE = "Review: the journey map, its emotion curve and the stage timeline"
    HELP_KEYS = (
        ("arrows", "move across the map's cells, or the timeline's sessions"),
        ("Tab", "between the map and the tabs"),
    )
    HELP_SYMBOLS = CURVE + MOMENTS + MAP + EMOTION + TIMELINE
    DEFAULT_CSS = """
    ReviewScreen #banner {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    ReviewScreen #banner.-read-only {
        background: $warning-darken-2;
        color: $text;
    }
    ReviewScreen TabbedContent, ReviewScreen TabPane {
        height: 1fr;
    }
    ReviewScreen DataTable {
        height: 1fr;
    }
    ReviewScreen #curve {
        height: 7;
    }
    ReviewScreen.-tall #curve {
        height: 15;
    }
    ReviewScreen #moments {
        height: 1;
        padding: 0 1;
        display: none;
    }
    ReviewScreen.-tall #moments {
        display: block;
    }
    ReviewScreen.-short CellDetail {
        max-height: 2;
    }
    """
    # The curve's chart: 3 rows on a short terminal, 11 from 40 rows (44 braille dots: each
    # tenth of -2..+2 on a dot row of its own).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

    def __init__(self, study: Study, where: SessionFilter) -> None:
        super().__init__()
        self.study = study
        self.where = where
        self.journey_map: JourneyMap | None = None
        self.paths: list[SessionPath] | None = None  # the timeline's, read beside the map
        self._timeline_drawn = False
        self._moments = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="banner")
        with TabbedContent(initial="map"):
            with TabPane("Map", id="map"):
                yield EmotionCurve(id="curve")
                yield Static(id="moments")
                yield JourneyMapTable(id="map-table")
                yield CellDetail(id="cell-detail")
            with TabPane("Timeline", id="timeline"):
                yield TimelineTable(id="timeline-table")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey review"
        self.sub_title = self.study.name
        self._banner()
        self._watch = ChangeWatch(self, self.journey.db, self.reload, self.journey.poll_seconds)
        self.reload()
        self.query_one(JourneyMapTable).focus()

    def _banner(self, loading: bool = False) -> None:
        text = Text()
        if self.journey.read_only:
            text.append("READ-ONLY", style="bold")
            text.append(" (nothing writes) · ")
        text.append("showing ")
        text.append_text(literal(describe(self.where), style="bold"))
        if self.journey_map is not None:
            text.append(f" · {self.journey_map.sessions} customer sessions")
        if loading:
            text.append(" · updating…", style="italic")
        banner = self.query_one("#banner", Static)
        banner.set_class(self.journey.read_only, "-read-only")
        banner.update(text)

    # -- live data -------------------------------------------------------------

    def reload(self) -> None:
        self._watch.mark_seen()
        self._load(self.where)

    def _load(self, where: SessionFilter) -> None:
        # The map first, alone (the first frame waits for it); the timeline's paths
        # once it is shown.
        study = self.study
        self.run_read(
            lambda db: build_map(db, study, where),
            partial(self._show_map, where=where),
            group="map",
        )

    def _show_map(self, journey_map: JourneyMap, where: SessionFilter) -> None:
        if where != self.where:
            return  # a newer filter is on its way
        self.journey_map = journey_map
        table = self.query_one(JourneyMapTable)
        table.show(journey_map)
        self.query_one(EmotionCurve).show(
            marked_names(journey_map, table.moments), [map_series(journey_map)]
        )
        moments = moments_line(table.moments)
        if moments.plain != self._moments:
            self._moments = moments.plain
            self.query_one("#moments", Static).update(moments)
        self.query_one(CellDetail).show_cell(table)
        self._banner()
        study = self.study
        self.run_read(
            lambda db: session_paths(db, study.id, where),
            partial(self._show_paths, where=where),
            group="paths",
        )

    @on(DataTable.CellHighlighted, "#map-table")
    def _cell_highlighted(self) -> None:
        self.query_one(CellDetail).show_cell(self.query_one(JourneyMapTable))

    def _show_paths(self, paths: list[SessionPath], where: SessionFilter) -> None:
        if where != self.where:
            return
        self.paths = paths
        self._timeline_drawn = False
        if self.query_one(TabbedContent).active == "timeline":
            self._draw_timeline()

    def _draw_timeline(self) -> None:
        """The timeline is drawn when it is looked at: thousands of rows are not worth
        drawing behind the map on every update."""
        if self.paths is not None and not self._timeline_drawn:
            self._timeline_drawn = True
            self.query_one(TimelineTable).show(
                list(stages(self.journey.db, self.study.id)), self.paths
            )

    @on(TabbedContent.TabActivated)
    def _tab_shown(self) -> None:
        if self.query_one(TabbedContent).active == "timeline":
            self._draw_timeline()

    # -- actions ---------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "timeline":
            self._draw_timeline()
        table = self.query_one(JourneyMapTable if tab == "map" else TimelineTable)
        table.focus()

    @on(DataTable.CellSelected, "#map-table")
    @on(DataTable.RowSelected, "#timeline-table")
    def action_drill_down(self) -> None:
        if self.query_one(TabbedContent).active == "timeline":
            path = self.query_one(TimelineTable).selected_path()
            if path is None:
                return
            who = path.participant_code or path.mode
            scope = EntryScope(self.study.id, session_id=path.session_id)
            self.app.push_screen(DrillDownScreen(f"{who}: entries in time order", scope))
            return
        target = self.query_one(JourneyMapTable).target_at_cursor()
        if target is None:
            return
        if target.dropped:
            study_id, stage_id, where, title = (
                self.study.id,
                target.stage_id,
                self.where,
                target.title,
            )
            self.run_read(
                lambda db: dropped_sessions(db, study_id, stage_id, where),
                lambda dropped: self.app.push_screen(
                    DroppedSessionsScreen(title, study_id, dropped)
                ),
                group="dropped",
            )
            return
        scope = EntryScope(
            self.study.id,
            stage_id=target.stage_id,
            lane=target.lane,
            channel_id=target.channel_id,
            where=self.where,
            emotion_only=target.emotion_only,
        )
        self.app.push_screen(DrillDownScreen(target.title, scope))

    def action_filter(self) -> None:
        def chosen(where: SessionFilter | None) -> None:
            if where is not None and where != self.where:
                self.where = where
                self._banner(loading=True)
                self.reload()

        self.app.push_screen(
            FilterScreen(self.where, filter_values(self.journey.db, self.study.id)), chosen
        )

    def action_compare(self) -> None:
        segments = filter_values(self.journey.db, self.study.id)["segment"]
        if len(segments) < 2:
            self.notify("Comparing needs two segments; this study has fewer.", markup=False)
            return
        self.app.push_screen(CompareScreen(self.study, self.where, segments))

    def action_sort(self) -> None:
        if self.query_one(TabbedContent).active != "timeline":
            self.action_show_tab("timeline")
        order = self.query_one(TimelineTable).next_sort()
        self.notify(f"Timeline sorted by {order}", markup=False)

    def action_export_view(self) -> None:
        """Write what is on screen with the exporters of `journey export`: the map as a
        Markdown report and its CSV, or the timeline as the sessions CSV, filtered as
        the screen is, into the current folder."""
        timeline = self.query_one(TabbedContent).active == "timeline"
        self.notify("Exporting the view…", markup=False)
        self._export_view(timeline, self.where)

    @work(thread=True, group="review-export")
    def _export_view(self, timeline: bool, where: SessionFilter) -> None:
        from datetime import datetime

        from journey.exports.writers.export_job import ExportOptions, export

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        # Only letters and digits of the name, and not too many: a file name holds 255 bytes.
        slug = "".join(c if c.isalnum() and c.isascii() else "-" for c in self.study.name.lower())
        slug = "-".join(part for part in slug.split("-") if part)[:SLUG_LENGTH].strip("-")
        base = Path.cwd() / f"journey-{slug or 'study'}-{stamp}"
        common = dict(
            study=self.study.name,
            segment=where.segment,
            interviewer=where.interviewer,
            mode=where.mode,
            since=where.since,
            until=where.until,
        )
        plans = (
            [ExportOptions(format="csv", shape="sessions", out=f"{base}-timeline.csv", **common)]
            if timeline
            else [
                ExportOptions(format="md", out=f"{base}-map.md", **common),
                ExportOptions(format="csv", shape="map", out=f"{base}-map.csv", **common),
            ]
        )
        written: list[str] = []
        try:
            with connect(self.journey.db_path, read_only=True) as db:
                for options in plans:
                    export(db, options, database_path=self.journey.db_path)
                    written.append(Path(options.out).name)
        except JourneyError as error:
            self.app.call_from_thread(
                self.notify, f"Not exported: {error}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(
            self.notify, f"Wrote {', '.join(written)} in {Path.cwd()}", markup=False
        )

    def switch_study(self, study: Study) -> None:
        """Review another study of the file instead (the palette's "Switch study")."""
        self.app.switch_screen(ReviewScreen(study, NO_FILTER))

    def action_leave(self) -> None:
        self.journey.leave_screen()
