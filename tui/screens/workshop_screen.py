"""`journey workshop`: the facilitator drives the live map and adds stickies to it.

The quick-entry line keeps the focus, so nothing typed is ever lost to the map;
while it is empty the arrow keys move across the map's cells and Enter opens the
selected cell's items (to vote on, group and link). A sticky (the capture
syntax) lands at the stage of the selected cell, in the lane its prefix names,
or the cell's lane. Everyone reviewing the study sees the
stickies at their next poll.
"""

from __future__ import annotations

import re
import shlex
import time
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static

from journey.capture.journey_map import JourneyMap, build_map
from journey.capture.quick_entry import (
    PREFIXES,
    ParsedCommand,
    ParsedEntry,
    parse_line,
    with_channel,
)
from journey.capture.session import InterviewSession
from journey.storage import workshop
from journey.storage.errors import DatabaseBusy, JourneyError
from journey.storage.models import Channel, Stage
from journey.tui.busy_retry import BusyRetry
from journey.tui.change_watch import ChangeWatch
from journey.tui.draft_keeper import DraftKeeper
from journey.tui.screens.cell_items_screen import CellItemsScreen
from journey.tui.screens.channel_choice_screen import ChannelChoiceScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.screens.workshop_summary_screen import WorkshopSummaryScreen
from journey.tui.text import literal
from journey.tui.widgets.journey_map_table import JourneyMapTable
from journey.tui.widgets.quick_entry_input import QuickEntryInput

if TYPE_CHECKING:
    pass

WORKSHOP_COMMANDS = ("up", "down", "timer")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """`5m`, `90s`, `1m30s`, `1h` or a bare number of minutes, in seconds."""
    text = text.strip().lower().replace(" ", "")
    if text.isdigit():
        return int(text) * 60
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 5m, 90s or 1m30s")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


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

    def __init__(self, session: InterviewSession) -> None:
        super().__init__()
        self.session = session
        self.draft = DraftKeeper(
            session,
            lambda: self.query_one("#entry", QuickEntryInput),
            lambda message: self.notify(message, severity="error", markup=False),
        )
        self.busy = BusyRetry(self, self._status)
        self.journey_map: JourneyMap | None = None
        # A resumed workshop carries on with what it added before, at its last sticky's stage.
        self.added: list[str] = [entry.id for entry in session.entries]
        self.last_sticky: str | None = self.added[-1] if self.added else None
        self._deadline: float | None = None
        self._timer: Timer | None = None
        # The stage /stage, /next and /prev chose, for when no cell says (no map yet).
        self._stage: Stage = next(
            (s for s in session.stages if session.entries and s.id == session.entries[-1].stage_id),
            session.current_stage,
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="banner")
        yield JourneyMapTable(id="map-table")
        yield _WorkshopEntry(
            self.draft.saved,
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
        self.draft.restored()

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
        text.append(f" · {len(self.added)} added")
        if self._deadline is not None:
            left = max(0, round(self._deadline - self._now()))
            text.append(f" · ⏱ {left // 60}:{left % 60:02d}", style="bold")
        self.query_one("#banner", Static).update(text)

    def _status(self, message: str) -> None:
        """A word under the line about the line (waiting for the database), or none."""
        self.query_one(QuickEntryInput).border_subtitle = Content(message)

    @on(DataTable.CellHighlighted, "#map-table")
    def _moved(self) -> None:
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
        self.enter_line(event.line)

    def enter_line(self, typed: str) -> None:
        """A line sent from the input (which has emptied itself): into the selected cell."""
        self.busy.done()
        line = typed
        stage, lane = self._selected()
        if lane and not line.lstrip().startswith("/") and not _has_prefix(line):
            line = f"{lane}: {line}"
        try:
            parsed = parse_line(line, self.session.channels)
        except JourneyError as error:
            self._keep(typed)
            self.notify(str(error), severity="warning", markup=False)
            return
        if isinstance(parsed, ParsedCommand):
            self.run_command(parsed, typed)
        elif parsed.channel_problem:
            self._ask_channel(parsed, stage, typed)
        else:
            self._add(parsed, stage, typed)

    def _keep(self, line: str, *, refused: bool = True) -> None:
        """Put the line back: selected when it was refused as typed, as it was when a
        save failed (Enter retries it)."""
        self.query_one(QuickEntryInput).restore(line, select=refused)
        self.draft.save()

    @on(QuickEntryInput.Changed, "#entry")
    def _typed(self) -> None:
        self.draft.typed()

    def _add(self, parsed: ParsedEntry, stage: Stage, line: str) -> None:
        try:
            entry = self.session.add(
                parsed.lane,
                parsed.text,
                channel=parsed.channel,
                emotion=parsed.emotion,
                effort=parsed.effort,
                tags=parsed.tags,
                stage=stage,
            )
        except DatabaseBusy:
            # Kept in view and sent again while it stands unchanged (BusyRetry).
            self.query_one(QuickEntryInput).restore(line)
            self.busy.wait(partial(self._send_again, line))
            return
        except JourneyError as error:
            self._keep(line, refused=False)
            self.notify(f"Not saved: {error}", severity="error", timeout=15, markup=False)
            return
        self.busy.done()
        self._status("")
        self.draft.save()  # the draft is what is typed now (usually nothing)
        self.last_sticky = entry.id
        self.added.append(entry.id)
        self.notify(f"Added to {stage.name}: {entry.lane} {entry.text[:50]}", markup=False)
        self.reload()

    def _send_again(self, line: str) -> None:
        entry = self.query_one(QuickEntryInput)
        if entry.value != line:  # typed on or edited: Enter sends it
            self.busy.done()
            self._status("Not saved yet: press Enter to add the line")
            return
        entry.value = ""
        self.enter_line(line)

    def _ask_channel(self, parsed: ParsedEntry, stage: Stage, line: str) -> None:
        def chosen(channel: Channel | None) -> None:
            if channel is None:
                self._keep(line, refused=False)  # to change the channel word by hand
                return
            self._add(with_channel(parsed, channel), stage, line)

        self.app.push_screen(
            ChannelChoiceScreen(self.session, parsed.channel_word or "", parsed.channel_candidates),
            chosen,
        )

    # -- commands ----------------------------------------------------------------

    def run_command(self, command: ParsedCommand, line: str) -> None:
        name = command.name
        try:
            if name in ("up", "down"):
                self._vote_last(1 if name == "up" else -1)
            elif name == "timer":
                self._start_timer(command.argument or "")
            elif not command.known:
                self._keep(line)
                self.notify(
                    (command.message or "") + " /up /down /timer", severity="warning", markup=False
                )
            elif name in ("next", "prev", "stage"):
                self._move_stage(name, command.argument)
            elif name == "undo":
                self._undo()
            elif name == "edit":
                self._edit(command.argument)
            elif name == "help":
                self.action_help()
            elif name == "done":
                self.draft.save()
                self.session.finish()
                self.app.switch_screen(WorkshopSummaryScreen(self.session, self.added))
            else:
                self._keep(line)
                self.notify(f"/{name} does not apply in a workshop", markup=False)
        except (JourneyError, ValueError) as error:
            self._keep(line)
            self.notify(str(error), severity="error", markup=False)

    def _vote_last(self, delta: int) -> None:
        if self.last_sticky is None:
            self.notify("Add a sticky first; /up votes on the last one.", markup=False)
            return
        total = workshop.vote(self.session.db, self.last_sticky, self.session.session.id, delta)
        self.notify(f"Votes on the last sticky: {total}", markup=False)
        self.reload()

    def _start_timer(self, argument: str) -> None:
        if argument.strip().lower() in ("off", "stop", "0"):
            self._deadline = None
            if self._timer is not None:
                self._timer.stop()
            self._banner()
            return
        seconds = parse_duration(argument)
        self._deadline = self._now() + seconds
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(1, self._tick)
        self._banner()

    def _now(self) -> float:
        return time.monotonic()

    def _tick(self) -> None:
        if self._deadline is None:
            return
        if self._now() >= self._deadline:
            self._deadline = None
            if self._timer is not None:
                self._timer.stop()
            stage, _lane = self._selected()
            self.notify(f"Time is up for {stage.name}.", title="Timer", timeout=30, markup=False)
        self._banner()

    def _move_stage(self, name: str, argument: str | None) -> None:
        table = self.query_one(JourneyMapTable)
        stages = self.session.stages
        stage, _lane = self._selected()
        index = stages.index(stage)
        if name == "next":
            index = min(index + 1, len(stages) - 1)
        elif name == "prev":
            index = max(index - 1, 0)
        else:
            index = stages.index(self.session.find_stage(argument or ""))
        # Not session.go_to: that records the stage as reached, and a workshop is not a
        # customer's journey (it would count in the map's funnel).
        self._stage = stages[index]
        table.move_cursor(column=index + 1)
        self._banner()

    def _undo(self) -> None:
        undone = self.session.undo()
        if undone is None:
            self.notify("Nothing to undo.", markup=False)
            return
        if undone.id in self.added:
            self.added.remove(undone.id)
        self.last_sticky = self.added[-1] if self.added else None
        self.notify(f"Removed {undone.lane}: {undone.text[:50]}", markup=False)
        self.reload()

    def _edit(self, argument: str | None) -> None:
        if not argument:
            line = self.session.last_entry_line()
            if line is not None:
                self._keep(f"/edit {line}", refused=False)
            return
        result = self.session.edit_last_line(argument)
        if result is not None:
            edited, fields = result
            changed = ", ".join(fields) if fields else "nothing changed"
            self.notify(f"Edited ({changed}): {edited.text[:60]}", markup=False)
            self.reload()

    # -- keys --------------------------------------------------------------------

    def action_sort_votes(self) -> None:
        table = self.query_one(JourneyMapTable)
        table.sort_by_votes = not table.sort_by_votes
        table.redraw()
        order = "votes" if table.sort_by_votes else "frequency"
        self.notify(f"Pains and opportunities sorted by {order}", markup=False)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(workshop=True))

    def action_undo(self) -> None:
        self._undo()

    def action_leave(self) -> None:
        """Out of the workshop, which stays in progress: the same command carries on."""
        self.draft.save()
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


def _has_prefix(line: str) -> bool:
    head, colon, _rest = line.lstrip().partition(":")
    return bool(colon) and head.lower() in PREFIXES
