"""The current stage: its description and its interview-guide prompts, marked when answered."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from journey.storage.models import Prompt, Stage
from journey.tui.text import literal


class StageGuide(Static):
    DEFAULT_CSS = """
    StageGuide {
        height: auto;
        max-height: 7;
        padding: 0 1;
    }
    """

    def show(self, stage: Stage, prompts: list[Prompt], answered: set[str]) -> None:
        text = Text()
        text.append_text(literal(stage.name, style="bold"))
        if stage.description:
            text.append(" — ")
            text.append_text(literal(stage.description, style="italic"))
        for prompt in prompts:
            done = prompt.id in answered
            text.append("\n")
            text.append("✓ " if done else "○ ", style="green" if done else "dim")
            text.append(f"{prompt.lane}: ", style="dim")
            text.append_text(literal(prompt.text, style="dim" if done else ""))
        self.update(text)
