"""Mermaid export: the journey of one study as a Mermaid `journey` diagram.

    journey
        title <study>
        section <stage>
            <channel> (<n> mentions): <score>: <actor>

Sections are the stages in order; tasks are the stage's top touchpoint channels
(at most `TOP_CHANNELS`, most mentioned first); the score is the channel's mean
emotion at that stage mapped from -2..+2 to Mermaid's 1..5 (emotion + 3, rounded
half up, clamped; 3 when no mention was rated). The actor is `Customer`, or the
segment when the export is filtered to one. A stage without touchpoints gets a
`%%` comment instead of tasks.

Mermaid's journey grammar ends a title at `#`, `;` or a line break, and a section
or task name also at `:`; `%` starts comments and directives. Names therefore
pass through `mermaid_text`, which turns those characters (and every control
character) into spaces.
"""

from __future__ import annotations

import re
from typing import TextIO

from journey.capture.figures import nearest_whole
from journey.capture.journey_map import JourneyMap
from journey.capture.sanitize import clean_text
from journey.exports.export_scope import ExportScope

TOP_CHANNELS = 5
ACTOR = "Customer"
_BREAKING = re.compile(r"[#:;%\n\t,{}]")


def mermaid_text(text: str) -> str:
    """A name safe inside a Mermaid journey line (no `# : ; %`, commas or line breaks)."""
    return " ".join(_BREAKING.sub(" ", clean_text(text)).split()) or "?"


def score(mean: float | None) -> int:
    """Mean emotion (-2..+2) as a journey score (1..5); 3 when unknown."""
    if mean is None:
        return 3
    return min(max(nearest_whole(mean + 3), 1), 5)


def write_mermaid(journey_map: JourneyMap, scope: ExportScope, stream: TextIO) -> int:
    """Write the diagram; returns the number of tasks."""
    actor = mermaid_text(scope.where.segment) if scope.where.segment else ACTOR
    stream.write("journey\n")
    stream.write(f"    title {mermaid_text(journey_map.study.name)}\n")
    tasks = 0
    for column in journey_map.stages:
        stage = column.stage
        stream.write(f"    section {mermaid_text(stage.name)}\n")
        cells = [
            cell
            for channel in journey_map.channels
            if (cell := journey_map.channel_cell(channel, stage)) is not None
        ]
        cells.sort(key=lambda c: -c.mentions)  # stable: study order among equals
        if not cells:
            stream.write("        %% no touchpoint recorded at this stage\n")
        for cell in cells[:TOP_CHANNELS]:
            mentions = f"{cell.mentions} mention" + ("" if cell.mentions == 1 else "s")
            stream.write(
                f"        {mermaid_text(cell.channel.name)} ({mentions}): "
                f"{score(cell.mean_emotion)}: {actor}\n"
            )
            tasks += 1
    return tasks
