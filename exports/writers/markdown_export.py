"""Markdown export: a readable journey-map report of one study.

The report: a title and the scope, the emotion curve and the funnel as a table
(one row per stage, with a text sparkline of the mean emotion on -2..+2), then
one section per stage with its reach and drop-off reasons and, lane by lane,
the most frequent items with their counts (goals, needs, expectations, the
touchpoints as a table of channels, pains, delights, quotes, opportunities,
notes). Cells resting on fewer than 3 sessions are marked *(thin)*.

People's text is data, never markup: it is made one line and every character
Markdown or HTML could act on is backslash-escaped (`\\ ` ` * _ [ ] < > | ~ &`, and
a leading `#`, `>`, `+`, `-`, `=` or `1.`), so a typed `<script>`, `| col |` or
`# Title` shows as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

from journey.capture.figures import decimal_text, nearest_whole
from journey.capture.journey_map import THIN_EVIDENCE, JourneyMap, MapCell, StageColumn
from journey.capture.sanitize import clean_text
from journey.exports.export_scope import ExportScope
from journey.storage.models import LANE_TITLES, LANES

CURVE_SLOTS = 9  # -2, -1.5, ... +2

_ACTIVE = re.compile(r"([\\`*_\[\]<>|~&])")
_LEADING_BLOCK = re.compile(r"[#>+\-=]")
_LEADING_NUMBER = re.compile(r"(\d+)([.)])")


def md_text(text: str) -> str:
    """People's text as literal inline Markdown on one line."""
    text = " ".join(clean_text(text).split())
    text = _ACTIVE.sub(r"\\\1", text)
    if _LEADING_BLOCK.match(text):
        return "\\" + text
    number = _LEADING_NUMBER.match(text)
    if number:
        return number.group(1) + "\\" + text[number.end(1) :]
    return text


def signed(value: float | None) -> str:
    return decimal_text(value, signed=True, none="–") or "–"


def plain(value: float | None) -> str:
    return decimal_text(value, none="–") or "–"


def curve(mean: float | None) -> str:
    """The mean emotion as a position on a -2..+2 scale: `-2 ····┼·●·· +2`."""
    if mean is None:
        return "`-2 " + "·" * (CURVE_SLOTS // 2) + "┼" + "·" * (CURVE_SLOTS // 2) + " +2`"
    slot = min(max(nearest_whole((mean + 2) * 2), 0), CURVE_SLOTS - 1)
    marks = ["·"] * CURVE_SLOTS
    marks[CURVE_SLOTS // 2] = "┼"
    marks[slot] = "●"
    return f"`-2 {''.join(marks)} +2`"


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def write_markdown(journey_map: JourneyMap, scope: ExportScope, stream: TextIO) -> int:
    """Write the report; returns the number of stages it covers."""
    text = _masker(scope)
    study = journey_map.study
    lanes = scope.lanes or LANES
    out = stream.write
    out(f"# Journey map: {md_text(study.name)}\n\n")
    if study.description.strip():
        out(f"{md_text(study.description)}\n\n")
    out(
        f"- Sessions: {journey_map.sessions} (customer evidence: interviews and surveys that "
        "reached the first stage; workshop stickies are listed apart and counted in no figure)\n"
    )
    if scope.where.active:
        out(f"- Filter: {_filter_text(scope)}\n")
    if scope.lanes is not None:
        out(f"- Lanes: {', '.join(scope.lanes)}\n")
    if journey_map.stages:
        out(f"- Stages: {' → '.join(md_text(c.stage.name) for c in journey_map.stages)}\n")
    out(
        f"- Figures resting on fewer than {THIN_EVIDENCE} sessions are marked *(thin)*; "
        "emotion runs from -2 (very negative) to +2 (very positive).\n\n"
    )
    _write_curve(journey_map, out)
    for column in journey_map.stages:
        _write_stage(journey_map, column, lanes, text, out)
    return len(journey_map.stages)


def _masker(scope: ExportScope) -> Callable[[str], str]:
    def text(value: str) -> str:
        return md_text(scope.text(value) or "")

    return text


def _filter_text(scope: ExportScope) -> str:
    where = scope.where
    parts = []
    if where.segment is not None:
        parts.append(f"segment {md_text(where.segment)}")
    if where.interviewer is not None:
        parts.append(f"interviewer {md_text(where.interviewer)}")
    if where.mode is not None:
        parts.append(f"mode {md_text(where.mode)}")
    if where.since is not None:
        parts.append(f"sessions started on or after {md_text(where.since)}")
    if where.until is not None:
        parts.append(f"sessions started before {md_text(where.until)}")
    return ", ".join(parts)


def _write_curve(journey_map: JourneyMap, out: Callable[[str], object]) -> None:
    out("## Emotion curve and reach\n\n")
    out(
        "| # | stage | reached | dropped | skipped | went on "
        "| mean emotion | spread | n | curve |\n"
    )
    out("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- |\n")
    for column in journey_map.stages:
        thin = " *(thin)*" if column.thin and column.emotion_n else ""
        out(
            f"| {column.stage.position} | {md_text(column.stage.name)} | {column.reached} "
            f"| {column.dropped} | {column.skipped} | {column.went_on} "
            f"| {signed(column.emotion_mean)}{thin} | {plain(column.emotion_spread)} "
            f"| {column.emotion_n} | {curve(column.emotion_mean)} |\n"
        )
    out("\n")


def _write_stage(
    journey_map: JourneyMap,
    column: StageColumn,
    lanes: tuple[str, ...],
    text: Callable[[str], str],
    out: Callable[[str], object],
) -> None:
    stage = column.stage
    out(f"## {stage.position}. {md_text(stage.name)}\n\n")
    if stage.description.strip():
        out(f"{md_text(stage.description)}\n\n")
    reach = (
        f"Reached by {_plural(column.reached, 'session')}; {column.dropped} dropped here; "
        f"{column.skipped} skipped it. Mean emotion {signed(column.emotion_mean)}"
    )
    if column.emotion_n:
        reach += f" (spread {plain(column.emotion_spread)}, n {column.emotion_n})"
    out(reach + ".\n\n")
    if column.top_reasons:
        reasons = "; ".join(f"{text(reason)} ({n})" for reason, n in column.top_reasons)
        out(f"Why they left: {reasons}.\n\n")
    for lane in lanes:
        cell = journey_map.cell(stage, lane)
        _write_lane(journey_map, column, cell, text, out)


def _write_lane(
    journey_map: JourneyMap,
    column: StageColumn,
    cell: MapCell,
    text: Callable[[str], str],
    out: Callable[[str], object],
) -> None:
    heading = f"### {LANE_TITLES[cell.lane]}"
    if cell.entries:
        heading += (
            f" — {_plural(cell.entries, 'entry', 'entries')}, {_plural(cell.sessions, 'session')}"
        )
        if cell.thin:
            heading += " *(thin)*"
    if cell.stickies:
        heading += f" · workshop: {_plural(cell.stickies, 'sticky', 'stickies')}"
    out(heading + "\n\n")
    if cell.lane == "touchpoint":
        _write_channels(journey_map, column, out)
    if cell.tags:
        tags = ", ".join(f"#{md_text(tag)} ({n})" for tag, n in cell.tags)
        out(f"Tags: {tags}\n\n")
    if not cell.items:
        if cell.lane != "touchpoint":
            out("_None recorded._\n\n")
        return
    for item in cell.items:
        shown = text(item.text)
        if cell.lane == "quote" and not item.theme_id:
            shown = f"“{shown}”"
        if item.workshop_only:
            counts = [f"workshop only: {_plural(item.workshop_entries, 'sticky', 'stickies')}"]
        else:
            counts = [_plural(item.entries, "entry", "entries")]
            if item.sessions != item.entries:
                counts.append(_plural(item.sessions, "session"))
            if item.workshop_entries:
                counts.append(
                    _plural(item.workshop_entries, "workshop sticky", "workshop stickies")
                )
        if item.votes:
            counts.append(_plural(item.votes, "vote"))
        out(f"- {shown} ({', '.join(counts)})\n")
        for pain in journey_map.links.get(item.entry_id, ()):
            out(f"  - answers the pain: {text(pain)}\n")
    out("\n")


def _write_channels(
    journey_map: JourneyMap, column: StageColumn, out: Callable[[str], object]
) -> None:
    cells = [
        cell
        for channel in journey_map.channels
        if (cell := journey_map.channel_cell(channel, column.stage)) is not None
    ]
    if not cells:
        out("_No channel recorded._\n\n")
        return
    cells.sort(key=lambda c: -c.mentions)  # stable: study order among equals
    out("| channel | mentions | sessions | mean emotion | went on | did not | in progress |\n")
    out("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
    for cell in cells:
        name = md_text(cell.channel.name) + (" *(thin)*" if cell.thin else "")
        went_on, did_not, going = (
            "–" if value is None else str(value)
            for value in (cell.went_on, cell.did_not, cell.in_progress)
        )
        out(
            f"| {name} | {cell.mentions} | {cell.sessions} | {signed(cell.mean_emotion)} "
            f"| {went_on} | {did_not} | {going} |\n"
        )
    out("\n")
