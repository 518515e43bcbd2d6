"""The quick-entry line: Enter hands the line over at once, in typing order.

A plain Input reads its value when the Enter binding runs, which can be after
characters typed (or sent) right behind the Enter have already landed in it; a
fast typist or a scripted terminal would then get lines merged or repeated. Here
Enter takes the line and empties the input in the same step, so each line
travels alone in its own message. A multi-line paste keeps every line (joined
with spaces) instead of only the first. Focus never selects the line (a restored
draft or a line put back after a failed save would be replaced by the next key).
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets.input import Selection

from journey.tui.widgets.text_input import TextInput


class QuickEntryInput(TextInput):
    class LineEntered(Message):
        def __init__(self, input: QuickEntryInput, line: str) -> None:
            super().__init__()
            self.input = input
            self.line = line

        @property
        def control(self) -> QuickEntryInput:
            return self.input

    def __init__(self, *args, select_on_focus: bool = False, **kwargs) -> None:
        super().__init__(*args, select_on_focus=select_on_focus, **kwargs)

    class EmptyEnter(Message):
        """Enter on an empty line (the workshop opens the selected cell's items)."""

    # Editing keys run in typing order too: through the bindings they could act after
    # the characters typed behind them (Ctrl+U then "g: x" must clear first).
    EDITING_KEYS = {
        "backspace": "delete_left",
        "delete": "delete_right",
        "ctrl+d": "delete_right",
        "ctrl+u": "delete_left_all",
        "ctrl+k": "delete_right_all",
        "ctrl+w": "delete_left_word",
        "left": "cursor_left",
        "right": "cursor_right",
        "home": "home",
        "end": "end",
        "ctrl+a": "home",
        "ctrl+e": "end",
    }

    async def _on_key(self, event: events.Key) -> None:
        action = self.EDITING_KEYS.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            line = self.value
            if line.strip():
                self.value = ""
                self.post_message(self.LineEntered(self, line))
            else:
                self.post_message(self.EmptyEnter())
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler would paste the first line again
        text = " ".join(part.strip() for part in event.text.splitlines() if part.strip())
        if text:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)

    def restore(self, line: str, *, select: bool = False) -> None:
        """Put back a line that could not be saved, ahead of anything typed since.

        `select`: the line was refused as typed (not a failed save), so it comes back
        selected: the next key typed replaces it rather than silently extending it (a
        /done typed after a refused pain must not end up in the pain's text); an
        arrow key keeps it to fix."""
        typed_since = self.value
        self.value = f"{line} {typed_since}" if typed_since.strip() else line
        if select and not typed_since.strip():
            self.selection = Selection(0, len(self.value))
        else:
            self.cursor_position = len(self.value)
