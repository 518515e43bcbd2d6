"""Showing text that came from people: always literal, never markup or control codes."""

from __future__ import annotations

from rich.text import Text

from capture.sanitize import clean_text


def literal(value: object, style: str = "") -> Text:
    """A Rich Text of `value` as typed: markup is not parsed, control codes are removed."""
    return Text(clean_text("" if value is None else str(value)), style=style)


def short_time(stamp: str | None) -> str:
    """`2026-09-05T14:03:00.000+00:00` as `2026-09-05 14:03` (UTC)."""
    return stamp[:16].replace("T", " ") if stamp else "-"
