"""The interviewer's screen: walk the stages, type what the customer says, never lose a line.

Each entry is committed when Enter is pressed; what sits unsent in the
quick-entry line is saved as a draft within a second of typing. When a save
fails the line stays where it is and a notice says so; Enter again retries. When
another program holds the database's write lock, the line stays in view and is sent
again every moment until it is saved (BusyRetry): the screen never waits on the lock.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Header, Input

from journey.capture.quick_entry import ParsedCommand, ParsedEntry
from journey.capture.session import InterviewSession
from journey.storage.models import LANES, Entry
from journey.tui.curve_series import session_series, stage_names
from journey.tui.entry_line import EntryLine, EntryLineParts
from journey.tui.help_topics import CURVE, EMOTION, STEPPER
from journey.tui.screens.entry_form_screen import EntryFormScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.screens.summary_screen import SummaryScreen
from journey.tui.text import literal
from journey.tui.widgets.emotion_curve import EmotionCurve
from journey.tui.widgets.lane_card import LaneCard, entry_line
from journey.tui.widgets.quick_entry_input import QuickEntryInput
from journey.tui.widgets.stage_guide import StageGuide
from journey.tui.widgets.stage_stepper import StageStepper

PLACEHOLDER = "g: goal  n: need  e: expectation  t: web -1 e5 text  p: pain  …  /help"


class CaptureScreen(JourneyScreen):
    BINDINGS = [
        Binding("ctrl+b", "previous_stage", "Prev stage"),
        Binding("ctrl+n", "next_stage", "Next stage"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+f", "form", "Form"),
        Binding("f1", "help", "Help"),
        Binding("escape", "leave", "Leave", tooltip="Back to the home screen; resume later"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

    DEFAULT_CSS = """
    CaptureScreen #lanes {
        height: 1fr;
        border-top: solid $primary-darken-2;
    }
    CaptureScreen #lane-grid {
        grid-size: 1;
        grid-rows: auto;
        height: auto;
    }
    CaptureScreen.-wide #lane-grid {
        grid-size: 3;
        grid-gutter: 1 2;
    }
    CaptureScreen.-narrow LaneCard.-empty {
        display: none;
    }
    CaptureScreen #timeline {
        height: 7;
    }
    CaptureScreen.-tall #timeline {
        height: 15;  /* 11 chart rows: each tenth of -2..+2 on a braille dot row of its own */
    }
    CaptureScreen #entry {
        border-title-align: left;
        border-subtitle-align: right;
    }
    """

    def __init__(self, session: InterviewSession) -> None:
        super().__init__()
        self.session = session
        commands = {
            name: getattr(self, f"_command_{name}")
            for name in ("next", "prev", "stage", "drop", "skip", "undo", "edit", "done", "help")
        }
        self.line = EntryLine(
            self,
            session,
            EntryLineParts(
                save=lambda parsed: session.add(
                    parsed.lane,
                    parsed.text,
                    channel=parsed.channel,
                    emotion=parsed.emotion,
                    effort=parsed.effort,
                    tags=parsed.tags,
                ),
                saved=self._saved,
                status=lambda message, error: self._show_status(message, error=error),
                commands=commands,
                after_command=self.refresh_view,
            ),
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield StageStepper(id="stepper")
        yield StageGuide(id="guide")
        with VerticalScroll(id="lanes"), Grid(id="lane-grid"):
            for lane in LANES:
                yield LaneCard(lane)
        yield EmotionCurve(id="timeline")
        yield QuickEntryInput(self.line.draft.saved, placeholder=PLACEHOLDER, id="entry")
        yield Footer()

    def on_mount(self) -> None:
        self._update_title()
        self.refresh_view()
        entry = self.query_one("#entry", Input)
        entry.border_title = "Quick entry"
        entry.focus()
        self.line.draft.restored()

    def on_screen_resume(self) -> None:
        self.query_one("#entry", Input).focus()

    def _update_title(self) -> None:
        session = self.session
        participant = session.participant
        parts = [session.study.name]
        if participant is not None:
            parts.append(
                participant.code + (f" ({participant.segment})" if participant.segment else "")
            )
            if participant.consent_at is None:
                parts.append("no consent recorded")
        if session.session.interviewer:
            parts.append(session.session.interviewer)
        if session.session.mode != "interview":
            parts.append(session.session.mode)
        self.title = "journey capture"
        self.sub_title = " · ".join(parts)

    # -- the view ----------------------------------------------------------------

    def refresh_view(self) -> None:
        session = self.session
        self.query_one(StageStepper).show(session.stage_states())
        self.query_one(StageGuide).show(
            session.current_stage, session.stage_prompts(), session.answered_prompts()
        )
        channels = {c.id: c for c in session.channels}
        by_lane = session.stage_entries()
        for card in self.query(LaneCard):
            card.show(by_lane[card.lane], channels)
        self.query_one(EmotionCurve).show(
            stage_names(session.stages), [session_series(session.emotion_spread())]
        )

    # -- drafts ------------------------------------------------------------------

    @on(Input.Changed, "#entry")
    def _typed(self, event: Input.Changed) -> None:
        self.line.draft.typed()

    def _show_status(self, message: str, *, error: bool = False) -> None:
        entry = self.query_one("#entry", Input)
        entry.border_subtitle = Content(message)  # it quotes typed text: never markup
        entry.set_class(error, "-unsaved")

    # -- entering lines ----------------------------------------------------------

    @on(QuickEntryInput.LineEntered, "#entry")
    def _line_entered(self, event: QuickEntryInput.LineEntered) -> None:
        self.line.enter(event.line)

    def _saved(self, entry: Entry) -> None:
        channels = {c.id: c for c in self.session.channels}
        self._show_status(f"saved {entry.lane}: {entry_line(entry, channels).plain[:40]}")
        self.refresh_view()

    # -- commands ----------------------------------------------------------------

    def _command_next(self, argument: str | None) -> None:
        if self.session.next_stage() is None:
            self.notify("This is the last stage; /done finishes the interview.", markup=False)

    def _command_prev(self, argument: str | None) -> None:
        if self.session.previous_stage() is None:
            self.notify("This is the first stage.", markup=False)

    def _command_stage(self, argument: str | None) -> None:
        self.session.go_to(self.session.find_stage(argument or ""))

    def _command_drop(self, argument: str | None) -> None:
        stage = self.session.current_stage
        self.session.drop(argument or "")
        reason = f": {argument}" if argument else ""
        self.notify(f"Dropped out at {stage.name}{reason}", markup=False)

    def _command_skip(self, argument: str | None) -> None:
        stage = self.session.current_stage
        self.session.skip()
        self.notify(f"Skipped {stage.name}", markup=False)

    def _command_undo(self, argument: str | None) -> None:
        undone = self.session.undo()
        if undone is None:
            self.notify("Nothing to undo.", markup=False)
        else:
            self.notify(f"Removed {undone.lane}: {undone.text[:60]}", markup=False)

    def _command_edit(self, argument: str | None) -> None:
        if argument:
            result = self.session.edit_last_line(argument)
            if result is None:
                self.notify("Nothing to edit yet.", markup=False)
                return
            edited, fields = result
            changed = ", ".join(fields) if fields else "nothing changed"
            self.notify(f"Edited ({changed}): {edited.text[:60]}", markup=False)
            return
        line = self.session.last_entry_line()
        if line is None:
            self.notify("Nothing to edit yet.", markup=False)
            return
        # Put the last entry back in the line, prefix and all, to change; Enter saves it.
        self.line.input().restore(f"/edit {line}")

    def _command_done(self, argument: str | None) -> None:
        self.session.finish()
        self.app.switch_screen(SummaryScreen(self.session))

    def _command_help(self, argument: str | None) -> None:
        self.action_help()

    # -- keys --------------------------------------------------------------------

    def action_next_stage(self) -> None:
        self.line.run_command(ParsedCommand("next"))

    def action_previous_stage(self) -> None:
        self.line.run_command(ParsedCommand("prev"))

    def action_undo(self) -> None:
        self.line.run_command(ParsedCommand("undo"))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(title="Capture: help", symbols=STEPPER + CURVE + EMOTION))

    def action_form(self) -> None:
        def entered(result: ParsedEntry | None) -> None:
            if result is not None:
                self.line.save(result)

        self.app.push_screen(EntryFormScreen(self.session), entered)

    def keep_unsent(self) -> None:
        self.line.draft.save()

    def action_leave(self) -> None:
        self.line.draft.save()
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            return
        participant = self.session.participant
        note = Text(f"The interview stays in progress at {self.session.current_stage.name}")
        if participant is not None:
            note.append("; resume it with: journey ")
            note.append_text(literal(f"--db {self.journey.db_path} capture --participant "))
            note.append_text(literal(participant.code))
        self.app.exit(message=note)
