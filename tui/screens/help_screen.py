"""Help on every screen (F1 or ?): its keys and the meaning of every symbol it shows; on
capture and the workshop also the quick-entry syntax and commands."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from journey.capture.entry_syntax import COMMANDS, SYNTAX_HELP
from journey.tui.help_topics import DIALOG, PALETTE, Legend

KEYS = (
    ("Enter", "save the line (every line is committed at once)"),
    ("Ctrl+N / Ctrl+B", "next / previous stage"),
    ("Ctrl+Z", "undo the last entry"),
    ("Ctrl+F", "form mode: choose lane, channel, emotion and effort"),
    ("F1", "this help (? too, where the line is not being typed in)"),
    ("Escape", "leave; the interview stays in progress with its unsent line"),
)


WORKSHOP_COMMANDS = (
    ("/stage N|NAME", "select that stage's column"),
    ("/next /prev", "select the next / previous stage's column"),
    ("/up /down", "vote on the last sticky (or take a vote back)"),
    ("/timer 5m", "a countdown for this stage in the banner (90s, 1m30s; /timer off)"),
    ("/undo /edit [TEXT]", "remove / change the last sticky"),
    ("/done", "finish: what the workshop added, the top votes, the links"),
    ("/help", "show this help"),
)
WORKSHOP_KEYS = (
    ("arrows (empty line)", "move across the map's cells"),
    (
        "Enter (empty line)",
        "the selected cell's items: + - vote, space marks, g groups "
        "marked items into a theme, u ungroups, l links an opportunity to pains, e entries",
    ),
    ("F2", "sort pains and opportunities by votes (again: by frequency)"),
    ("Ctrl+Z", "undo the last sticky"),
    ("F1", "this help"),
    (
        "Escape",
        "leave; the workshop stays in progress with its unsent line, and "
        "`journey workshop` carries on with it",
    ),
)


def screen_keys(screen: Screen) -> Legend:
    """A screen's own keys as its bindings say them (so always those in force), each
    action once with all its keys (`f1 / ?`)."""
    keys: dict[tuple[str, str], list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if active.node is screen and binding.description:
            shown = keys.setdefault((binding.action, binding.description), [])
            shown.append(screen.app.get_key_display(binding))
    return tuple((" / ".join(shown), description) for (_a, description), shown in keys.items())


def dialog_help(screen: Screen) -> HelpScreen:
    """Help for a dialog (a modal screen): its keys, how to move in it, and the symbols it
    names in HELP_SYMBOLS, if any."""
    keys = (*screen_keys(screen), *getattr(screen, "HELP_KEYS", DIALOG), *PALETTE)
    return HelpScreen(
        title=getattr(screen, "HELP_TITLE", "Help"),
        keys=keys,
        symbols=getattr(screen, "HELP_SYMBOLS", ()),
        syntax=False,
    )


def _section(table: Table, title: str, rows: Legend) -> None:
    if not rows:
        return
    if table.row_count:
        table.add_row("", "")
    table.add_row(Text(title, style="bold underline"), "")
    for key, meaning in rows:
        table.add_row(Text(key), Text(meaning))


def topic_table(keys: Legend, symbols: Legend) -> Table:
    """A screen's keys and the legend of its symbols."""
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(ratio=1)
    _section(table, "Keys", keys)
    _section(table, "Symbols", symbols)
    return table


def help_table(workshop: bool = False, symbols: Legend = ()) -> Table:
    """The quick-entry syntax with the commands and keys of the capture screen, or of
    the workshop (where a sticky goes to the selected cell's stage)."""
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(ratio=1)
    table.add_row(Text("Quick entry", style="bold underline"), "")
    for syntax, meaning in SYNTAX_HELP:
        if workshop and syntax == "/command":
            continue
        table.add_row(Text(syntax), Text(meaning))
    if workshop:
        table.add_row(Text("text"), Text("without a prefix: a sticky in the selected cell's lane"))
    table.add_row("", "")
    table.add_row(Text("Commands", style="bold underline"), "")
    commands = (
        WORKSHOP_COMMANDS
        if workshop
        else tuple((f"/{name} {hint}".rstrip(), meaning) for name, hint, meaning in COMMANDS)
    )
    for command, meaning in commands:
        table.add_row(Text(command), Text(meaning))
    table.add_row("", "")
    table.add_row(Text("Keys", style="bold underline"), "")
    for key, meaning in WORKSHOP_KEYS if workshop else KEYS:
        table.add_row(Text(key), Text(meaning))
    table.add_row("", "")
    table.add_row(
        Text("Example", style="bold underline"),
        Text("t: web -1 e6 asked me to register twice #checkout"),
    )
    _section(table, "Symbols", symbols)
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
        Binding("escape,q,f1,question_mark", "close", "Close"),
    ]

    def __init__(
        self,
        workshop: bool = False,
        *,
        title: str = "Help",
        keys: Legend = (),
        symbols: Legend = (),
        syntax: bool = True,
    ) -> None:
        """The quick-entry help (capture, or the workshop's) with `symbols`; or, with
        `syntax=False`, a screen's `keys` and `symbols`."""
        super().__init__()
        self.workshop = workshop
        self.title_text = title
        self.keys = keys
        self.symbols = symbols
        self.syntax = syntax

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = f"{self.title_text} (Escape closes)"
            if self.syntax:
                yield Static(help_table(self.workshop, self.symbols))
            else:
                yield Static(topic_table(self.keys, self.symbols))

    def action_close(self) -> None:
        self.dismiss(None)
