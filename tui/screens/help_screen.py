"""The quick-entry syntax, the commands and the keys of the capture screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from capture.quick_entry import COMMANDS, SYNTAX_HELP

KEYS = (
    ("Enter", "save the line (every line is committed at once)"),
    ("Ctrl+N / Ctrl+B", "next / previous stage"),
    ("Ctrl+Z", "undo the last entry"),
    ("Ctrl+F", "form mode: choose lane, channel, emotion and effort"),
    ("F1", "this help"),
    ("Escape", "leave; the interview stays in progress with its unsent line"),
)


def help_table() -> Table:
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(ratio=1)
    table.add_row(Text("Quick entry", style="bold underline"), "")
    for syntax, meaning in SYNTAX_HELP:
        table.add_row(Text(syntax), Text(meaning))
    table.add_row("", "")
    table.add_row(Text("Commands", style="bold underline"), "")
    for name, hint, meaning in COMMANDS:
        table.add_row(Text(f"/{name} {hint}".rstrip()), Text(meaning))
    table.add_row("", "")
    table.add_row(Text("Keys", style="bold underline"), "")
    for key, meaning in KEYS:
        table.add_row(Text(key), Text(meaning))
    table.add_row("", "")
    table.add_row(
        Text("Example", style="bold underline"),
        Text("t: web -1 e6 asked me to register twice #checkout"),
    )
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        border-title-align: center;
        background: $surface;
    }
    """
    BINDINGS = [
        Binding("escape,q,f1", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help (Escape closes)"
            yield Static(help_table())

    def action_close(self) -> None:
        self.dismiss(None)
