"""The stages of one study with their reach, drop-outs, entries and mean emotion."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from journey.storage.aggregates import StageStats
from journey.tui.text import emotion_text, literal


class StageSummary(Static):
    """Per stage of the highlighted study: reached, dropped, entries, mean emotion."""

    def show(self, study_name: str | None, rows: list[StageStats]) -> None:
        if study_name is None:
            self.update("")
            return
        table = Table(
            title=literal(study_name), title_justify="left", expand=True, box=None, pad_edge=False
        )
        table.add_column("#", justify="right", width=2)
        table.add_column("stage", ratio=3)
        table.add_column("reached", justify="right")
        table.add_column("dropped", justify="right")
        table.add_column("entries", justify="right")
        table.add_column("emotion", justify="right")
        for row in rows:
            table.add_row(
                str(row.position),
                literal(row.name),
                str(row.reached),
                str(row.dropped),
                str(sum(row.entries.values())),
                emotion_text(row.emotion.mean),
            )
        self.update(table)
