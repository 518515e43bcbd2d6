"""`journey workshop`: the facilitator drives the live map and adds stickies to it.

The quick-entry line keeps the focus, so nothing typed is ever lost to the map;
while it is empty the arrow keys move across the map's cells and Enter opens the
selected cell's items (to vote on, group and link). A sticky (the capture
syntax) lands at the stage of the selected cell, in the lane its prefix names,
or the cell's lane. Everyone reviewing the study sees the
stickies at their next poll.
"""

from __future__ import annotations

import shlex

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static

from journey.capture.journey_map import JourneyMap, build_map
from journey.capture.workshop import WorkshopSession, sticky_line
from journey.storage.models import Entry, Stage
from journey.tui.change_watch import ChangeWatch
from journey.tui.entry_line import EntryLine, EntryLineParts
from journey.tui.help_topics import EMOTION, MAP, MOMENTS
from journey.tui.screens.cell_items_screen import CellItemsScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.screens.workshop_summary_screen import WorkshopSummaryScreen
from journey.tui.text import literal
from journey.tui.widgets.cell_detail import CellDetail
from journey.tui.widgets.journey_map_table import JourneyMapTable
from journey.tui.widgets.quick_entry_input import QuickEntryInput


class _WorkshopEntry(QuickEntryInput):
    """The workshop's quick-entry line: on an empty line the arrow keys move the map.

    Decided here, in typing order, and handed on as a message behind the lines entered
    before it. (A screen binding runs as soon as a key arrives, ahead of the keys still
    on their way to the line: typed fast, a sticky would land in the cell chosen by the
    arrows after it, and an arrow meant for the text would move the map.)"""

    class MapMove(Message):
        def __init__(self, direction: str) -> None:
            super().__init__()
            self.direction = direction

    async def _on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down") or (event.key in ("left", "right") and not self.value):
            event.stop()
            event.prevent_default()
            self.post_message(self.MapMove(event.key))
            return
        await super()._on_key(event)


class WorkshopScreen(JourneyScreen):
    BINDINGS = [
        Binding("f2", "sort_votes", "Sort by votes"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding(
            "escape", "leave", "Leave", tooltip="The workshop stays in progress; carry on later"
        ),
    ]
    DEFAULT_CSS = """
    WorkshopScreen #banner {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    WorkshopScreen JourneyMapTable {
        height: 1fr;
    }
    """

    def __init__(self, session: WorkshopSession) -> None:
        super().__init__()
        self.session = session
        commands = {
            "up": lambda _argument: self._vote_last(1),
            "down": lambda _argument: self._vote_last(-1),
            "timer": self._set_timer,
            "next": lambda _argument: self._move_stage(+1),
            "prev": lambda _argument: self._move_stage(-1),
            "stage": self._go_to_stage,
            "undo": lambda _argument: self._undo(),
            "edit": self._edit,
            "help": lambda _argument: self.action_help(),
            "done": lambda _argument: self._done(),
        }
        self.line = EntryLine(
            self,
            session,
            EntryLineParts(
                save=lambda parsed: session.add_sticky(parsed, self._selected()[0]),
                saved=self._saved,
                status=lambda message, _error: self._status(message),
                commands=commands,
                prepare=lambda line: sticky_line(line, self._selected()[1]),
                also_known="/up /down /timer",
            ),
        )
        self.journey_map: JourneyMap | None = None
        self._ticking: Timer | None = None
        self._time_up: str | None = None  # the stage whose timer ran out, until /timer again
        # The stage /stage, /next and /prev chose, for when no cell says (no map yet).
        self._stage: Stage = session.starting_stage()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="banner")
        yield JourneyMapTable(id="map-table")
        yield CellDetail(id="cell-detail")
        yield _WorkshopEntry(
            self.line.draft.saved,
            placeholder="sticky: p: pain  o: opportunity  …  /up  /timer 5m  /done · "
            "empty line: arrows move, Enter opens the cell",
            id="entry",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey workshop"
        parts = [self.session.study.name]
        if self.session.session.title:
            parts.append(self.session.session.title)
        if self.session.session.interviewer:
            parts.append(f"facilitator {self.session.session.interviewer}")
        self.sub_title = " · ".join(parts)
        self._watch = ChangeWatch(self, self.journey.db, self.reload, self.journey.poll_seconds)
        self.reload()
        self.query_one(QuickEntryInput).focus()
        self.line.draft.restored()

    # -- map data ----------------------------------------------------------------

    def reload(self) -> None:
        self._watch.mark_seen()
        self._load()

    def _load(self) -> None:
        study = self.session.study
        self.run_read(lambda db: build_map(db, study, top=None), self._show)  # F2 sorts all

    def _show(self, journey_map: JourneyMap) -> None:
        first = self.journey_map is None
        self.journey_map = journey_map
        table = self.query_one(JourneyMapTable)
        table.show(journey_map)
        if first and self._stage in self.session.stages:
            table.move_cursor(column=self.session.stages.index(self._stage) + 1)
        self.query_one(CellDetail).show_cell(table)
        self._banner()

    def _selected(self) -> tuple[Stage, str | None]:
        """The stage and lane of the selected cell (lane None on the reach/emotion rows)."""
        table = self.query_one(JourneyMapTable)
        target = table.target_at_cursor()
        stages = self.session.stages
        if target is None:
            # A cell that stands for nothing (an empty channel cell, the lane labels):
            # the stage of the cursor's column, so the sticky goes where the cursor is.
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).column_key.value
                column = next((s for s in stages if s.id == key), None)
                if column is not None:
                    return column, None
            return self._stage, None
        stage = next((s for s in stages if s.id == target.stage_id), stages[0])
        return stage, target.lane

    def _banner(self) -> None:
        stage, lane = self._selected()
        text = Text("Sticky goes to ")
        text.append_text(literal(f"{stage.position} {stage.name}", style="bold"))
        text.append(f" · {lane or 'note (or the prefix you type)'}")
        text.append(f" · {len(self.session.added)} added")
        left = self.session.timer.left()
        if left is not None:
            text.append(f" · ⏱ {left // 60}:{left % 60:02d}", style="bold")
        if self._time_up is not None:
            text.append(" · ")
            text.append_text(literal(f"⏱ time is up for {self._time_up}", style="bold reverse"))
        self.query_one("#banner", Static).update(text)

    def _status(self, message: str) -> None:
        """A word under the line about the line (waiting for the database), or none."""
        self.query_one(QuickEntryInput).border_subtitle = Content(message)

    @on(DataTable.CellHighlighted, "#map-table")
    def _moved(self) -> None:
        self.query_one(CellDetail).show_cell(self.query_one(JourneyMapTable))
        self._banner()

    # -- typing ------------------------------------------------------------------

    @on(_WorkshopEntry.MapMove)
    def _map_move(self, event: _WorkshopEntry.MapMove) -> None:
        self.action_map_move(event.direction)

    def action_map_move(self, direction: str) -> None:
        """Move the map's cursor (the line sends the arrows typed while it is empty)."""
        getattr(self.query_one(JourneyMapTable), f"action_cursor_{direction}")()

    @on(QuickEntryInput.EmptyEnter)
    def _empty_enter(self) -> None:
        self._open_cell()

    @on(QuickEntryInput.LineEntered, "#entry")
    def _line(self, event: QuickEntryInput.LineEntered) -> None:
        self.line.enter(event.line)

    @on(QuickEntryInput.Changed, "#entry")
    def _typed(self) -> None:
        self.line.draft.typed()

    def _saved(self, entry: Entry) -> None:
        self._status("")
        stage = next((s for s in self.session.stages if s.id == entry.stage_id), None)
        where = stage.name if stage else "the map"
        self.notify(f"Added to {where}: {entry.lane} {entry.text[:50]}", markup=False)
        self.reload()

    # -- commands ----------------------------------------------------------------

    def _vote_last(self, delta: int) -> None:
        total = self.session.vote_last(delta)
        if total is None:
            self.notify("Add a sticky first; /up votes on the last one.", markup=False)
            return
        self.notify(f"Votes on the last sticky: {total}", markup=False)
        self.reload()

    def _set_timer(self, argument: str | None) -> None:
        running = self.session.timer.set(argument or "")
        self._time_up = None
        if self._ticking is not None:
            self._ticking.stop()
            self._ticking = None
        if running:
            self._ticking = self.set_interval(1, self._tick)
        self._banner()

    def _tick(self) -> None:
        if self.session.timer.ran_out():
            if self._ticking is not None:
                self._ticking.stop()
                self._ticking = None
            stage, _lane = self._selected()
            # A short notice; the banner keeps saying it until the next /timer.
            self._time_up = stage.name
            self.notify(f"Time is up for {stage.name}.", title="Timer", markup=False)
        self._banner()

    def _move_stage(self, step: int) -> None:
        stage, _lane = self._selected()
        index = self.session.stages.index(stage) + step
        self._show_stage(max(0, min(index, len(self.session.stages) - 1)))

    def _go_to_stage(self, argument: str | None) -> None:
        self._show_stage(self.session.stages.index(self.session.find_stage(argument or "")))

    def _show_stage(self, index: int) -> None:
        # Not session.go_to: that records the stage as reached, and a workshop is not a
        # customer's journey (it would count in the map's funnel).
        self._stage = self.session.stages[index]
        self.query_one(JourneyMapTable).move_cursor(column=index + 1)
        self._banner()

    def _undo(self) -> None:
        undone = self.session.undo()
        if undone is None:
            self.notify("Nothing to undo.", markup=False)
            return
        self.notify(f"Removed {undone.lane}: {undone.text[:50]}", markup=False)
        self.reload()

    def _edit(self, argument: str | None) -> None:
        if not argument:
            line = self.session.last_entry_line()
            if line is not None:
                self.line.keep(f"/edit {line}", refused=False)
            return
        result = self.session.edit_last_line(argument)
        if result is not None:
            edited, fields = result
            changed = ", ".join(fields) if fields else "nothing changed"
            self.notify(f"Edited ({changed}): {edited.text[:60]}", markup=False)
            self.reload()

    def _done(self) -> None:
        self.line.draft.save()
        self.session.finish()
        self.app.switch_screen(WorkshopSummaryScreen(self.session))

    # -- keys --------------------------------------------------------------------

    def action_sort_votes(self) -> None:
        table = self.query_one(JourneyMapTable)
        table.sort_by_votes = not table.sort_by_votes
        table.redraw()
        order = "votes" if table.sort_by_votes else "frequency"
        self.notify(f"Pains and opportunities sorted by {order}", markup=False)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(True, title="Workshop: help", symbols=MOMENTS + MAP + EMOTION)
        )

    def action_undo(self) -> None:
        self._undo()

    def keep_unsent(self) -> None:
        self.line.draft.save()

    def action_leave(self) -> None:
        """Out of the workshop, which stays in progress: the same command carries on."""
        self.line.draft.save()
        if len(self.app.screen_stack) > 2:  # opened from the home screen: back there
            self.app.pop_screen()
            return
        session = self.session.session
        command = f"--db {self.journey.db_path} workshop"
        if session.interviewer:
            command += f" --facilitator {shlex.quote(session.interviewer)}"
        if session.title:
            command += f" --title {shlex.quote(session.title)}"
        note = Text("The workshop stays in progress; carry on with: journey ")
        note.append_text(literal(command))
        self.app.exit(message=note)

    @on(DataTable.CellSelected, "#map-table")
    def _open_cell(self) -> None:
        self.query_one(QuickEntryInput).focus()
        stage, lane = self._selected()
        if lane is None:
            self.notify("Choose a lane's cell (goals, pains, ...) to see its items.", markup=False)
            return
        self.app.push_screen(CellItemsScreen(self.session, stage, lane), lambda _: self.reload())
