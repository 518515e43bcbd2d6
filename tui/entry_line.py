"""The quick-entry line of capture and workshop, written once: parse what was typed, run
a /command from the screen's table, ask for a channel the line does not name exactly,
save with retry while another program holds the write lock, and keep the draft.

The input has emptied itself when a line arrives; every path that does not save the
line puts it back (`keep`), so nothing typed is ever lost. A screen gives the parts
that differ: how a line becomes what is parsed (a workshop's cell lane), how an entry
is saved and what follows, its commands, and where a word about the line shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from journey.capture.quick_entry import ParsedCommand, ParsedEntry, parse_line, with_channel
from journey.capture.session import InterviewSession
from journey.storage.errors import DatabaseBusy, JourneyError
from journey.storage.models import Channel, Entry
from journey.tui.busy_retry import BusyRetry
from journey.tui.draft_keeper import DraftKeeper
from journey.tui.screens.channel_choice_screen import ChannelChoiceScreen
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.widgets.quick_entry_input import QuickEntryInput

Command = Callable[[str | None], None]


@dataclass
class EntryLineParts:
    """What a screen brings to its entry line."""

    save: Callable[[ParsedEntry], Entry]  # commit one entry; raises JourneyError
    saved: Callable[[Entry], None]  # what the screen shows once it is saved
    status: Callable[[str, bool], None]  # (word about the line, is it a failure)
    commands: Mapping[str, Command]
    prepare: Callable[[str], str] = lambda line: line  # the line as it is parsed
    after_command: Callable[[], None] = lambda: None
    also_known: str = ""  # the screen's own commands, named after an unknown one
    input_id: str = "#entry"


class EntryLine:
    def __init__(self, screen: JourneyScreen, session: InterviewSession, parts: EntryLineParts):
        self.screen = screen
        self.session = session
        self.parts = parts
        self.draft = DraftKeeper(session, self.input, lambda message: parts.status(message, True))
        self.busy = BusyRetry(screen, lambda message: parts.status(message, False))

    def input(self) -> QuickEntryInput:
        return self.screen.query_one(self.parts.input_id, QuickEntryInput)

    def enter(self, typed: str) -> None:
        """A line sent from the input."""
        self.busy.done()
        try:
            parsed = parse_line(self.parts.prepare(typed), self.session.channels)
        except JourneyError as error:
            self.keep(typed)
            self.screen.notify(str(error), severity="warning", markup=False)
            return
        if isinstance(parsed, ParsedCommand):
            self.run_command(parsed, typed)
        elif parsed.channel_problem:
            self._ask_channel(parsed, typed)
        else:
            self.save(parsed, typed)

    def keep(self, line: str, *, refused: bool = True) -> None:
        """Put the line back: selected when it was refused as typed, as it was when a
        save failed (Enter retries it)."""
        self.input().restore(line, select=refused)
        self.draft.save()

    def save(self, parsed: ParsedEntry, line: str | None = None) -> bool:
        """Commit one entry; on failure the line goes back in the input (and its draft).
        `line` None: the entry came from a form, not from the line."""
        try:
            entry = self.parts.save(parsed)
        except JourneyError as error:
            if isinstance(error, DatabaseBusy) and line is not None:
                # Kept in view and sent again while it stands unchanged; no draft write
                # meanwhile, the database being busy.
                self.input().restore(line)
                self.busy.wait(partial(self._send_again, line))
                return False
            if line is not None:
                self.keep(line, refused=False)
            self.parts.status("NOT SAVED", True)
            self.screen.notify(
                f"Not saved: {error}. The line is still here; press Enter to retry.",
                severity="error",
                timeout=6,
                markup=False,
            )
            return False
        self.busy.done()
        self.draft.save()  # the draft is what is typed now (usually nothing)
        self.parts.saved(entry)
        return True

    def _send_again(self, line: str) -> None:
        entry = self.input()
        if entry.value != line:  # typed on or edited: the line is the typist's again
            self.busy.done()
            self.parts.status("NOT SAVED: press Enter to save the line", True)
            return
        entry.value = ""
        self.enter(line)

    def _ask_channel(self, parsed: ParsedEntry, line: str) -> None:
        def chosen(channel: Channel | None) -> None:
            if channel is None:
                self.keep(line, refused=False)  # to change the channel word by hand
                self.screen.notify("Not saved: choose a channel or edit the line.", markup=False)
                return
            self.save(with_channel(parsed, channel), line)

        self.screen.app.push_screen(
            ChannelChoiceScreen(self.session, parsed.channel_word or "", parsed.channel_candidates),
            chosen,
        )

    def run_command(self, command: ParsedCommand, line: str | None = None) -> None:
        """A /command from the screen's table; a line refused is put back."""
        handler = self.parts.commands.get(command.name)
        if handler is None:
            if line is not None:
                self.keep(line)
            message = f"/{command.name} does not work here"
            if not command.known and command.message:
                message = " ".join(filter(None, (command.message, self.parts.also_known)))
            self.screen.notify(message, severity="warning", markup=False)
            return
        try:
            handler(command.argument)
        except JourneyError as error:
            if line is not None:
                self.keep(line)
            self.screen.notify(str(error), severity="error", markup=False)
            return
        if self.screen.is_current:  # /done has left the screen
            if line is not None:
                self.draft.save()
            self.parts.after_command()
