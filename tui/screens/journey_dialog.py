"""The base of journey's dialogs (modal screens): F1 and ? show the dialog's keys.

Not a priority binding: a text input with the focus takes `?` as a character, so it is
still typed into the dialog's fields.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from journey.tui.screens.help_screen import dialog_help

R = TypeVar("R")


class JourneyDialog(ModalScreen[R]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", show=False)
    ]

    def action_help(self) -> None:
        self.app.push_screen(dialog_help(self))
