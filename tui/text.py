"""Showing text that came from people: always literal, never markup or control codes."""

from __future__ import annotations

from rich.text import Text

from journey.capture.figures import decimal_text
from journey.capture.sanitize import clean_text


def literal(value: object, style: str = "") -> Text:
    """A Rich Text of `value` as typed: markup is not parsed, control codes are removed."""
    return Text(clean_text("" if value is None else str(value)), style=style)


def short_time(stamp: str | None) -> str:
    """`2026-09-05T14:03:00.000+00:00` as `2026-09-05 14:03` (UTC)."""
    return stamp[:16].replace("T", " ") if stamp else "-"


def emotion_text(value: float | None, *, signed_value: bool = True) -> Text:
    """An emotion (-2..+2, or a mean) with its sign as a glyph as well as a colour,
    so nothing is told by colour alone (NO_COLOR, `TERM=linux`)."""
    if value is None:
        return Text("·", style="dim")
    if value >= 1.5:
        glyph, style = "▲▲", "bold green"
    elif value > 0.25:
        glyph, style = "▲", "green"
    elif value <= -1.5:
        glyph, style = "▼▼", "bold red"
    elif value < -0.25:
        glyph, style = "▼", "red"
    else:
        glyph, style = "●", "yellow"
    if not signed_value:
        return Text(glyph, style=style)
    if isinstance(value, int):
        number = f"{value:+d}"
    else:
        number = decimal_text(value, 1, signed=True) or ""
        if not number.startswith(("+", "-")):  # zero, also a mean that rounds to it
            number = "+" + number
    return Text(f"{glyph}{number}", style=style)


def fit(text: Text | str, width: int) -> Text:
    """A name or label in at most `width` cells: whole when it fits, else cut with an
    ellipsis. The one way stage, channel and lane names are shortened everywhere."""
    shown = text.copy() if isinstance(text, Text) else literal(text)
    if shown.cell_len > width:
        shown.truncate(max(width, 1), overflow="ellipsis")
    shown.no_wrap = True
    return shown


def stage_name(position: int, name: str, width: int) -> Text:
    """`2 Consideration`, fitted to `width` (`2 Consider…`)."""
    return fit(literal(f"{position} {name}"), width)
