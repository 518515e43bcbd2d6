"""`/edit`: the changes a line makes to the last entry, and the line an entry is typed as
(what `/edit` alone puts back to change)."""

from __future__ import annotations

from collections.abc import Sequence

from journey.capture.entry_syntax import LANE_PREFIX
from journey.capture.quick_entry import (
    TOUCHPOINT_SYNTAX,
    ParsedEntry,
    QuickEntryError,
    has_lane_prefix,
    parse_body,
    parse_line,
    shortened,
    text_and_tags,
)
from journey.capture.sanitize import clean_text
from journey.storage.models import Channel, Entry


def parse_edit(line: str, entry: Entry, channels: Sequence[Channel]) -> dict[str, object]:
    """The changes `/edit LINE` makes to `entry`: field -> new value, for the fields of
    `storage.entries.EDITABLE_FIELDS` and `tags` (only those that differ).

    With a lane prefix the entry becomes what the line would have saved: lane, text,
    channel, emotion, effort and tags (what the line leaves out is cleared). Without one
    it keeps its lane and changes its text and what else the line types: an emotion
    (pain, delight), #tags (they replace the entry's). A channel that fits none or
    several of `channels` is an error naming them."""
    stripped = clean_text(line).strip()
    whole = has_lane_prefix(stripped)
    if whole:
        parsed = parse_line(stripped, channels)
    elif entry.lane == "touchpoint":  # the text only: no channel word to look for
        parsed = text_and_tags("touchpoint", stripped)
    else:
        parsed = parse_body(entry.lane, stripped, channels)
    if not isinstance(parsed, ParsedEntry):  # a line starting with "/"
        raise QuickEntryError("/edit takes the new line: p: -2 text #tag, or just the text")
    if parsed.channel_problem == "missing":
        raise QuickEntryError(f"/edit: a touchpoint needs its channel: {TOUCHPOINT_SYNTAX}")
    if parsed.channel_problem:
        word = shortened(parsed.channel_word or "")
        known = ", ".join(c.name for c in (parsed.channel_candidates or channels))
        found = "several channels" if parsed.channel_problem == "ambiguous" else "no channel"
        raise QuickEntryError(
            f"/edit: {found} match {word!r} ({known or 'the study has none'}); nothing was changed"
        )
    wanted: dict[str, object] = {"text": parsed.text}
    if whole:
        wanted |= {
            "lane": parsed.lane,
            "channel_id": parsed.channel.id if parsed.channel else None,
            "emotion": parsed.emotion,
            "effort": parsed.effort,
            "tags": parsed.tags,
        }
    else:
        if parsed.emotion is not None:
            wanted["emotion"] = parsed.emotion
        if parsed.tags:
            wanted["tags"] = parsed.tags
    current = {**vars(entry), "tags": entry.tags}
    return {
        field: value for field, value in wanted.items() if not _same(field, current[field], value)
    }


def _same(field: str, old: object, new: object) -> bool:
    if field == "tags":
        return {str(t).casefold() for t in old} == {str(t).casefold() for t in new}  # type: ignore[attr-defined]
    return old == new


def as_line(entry: Entry, channels: Sequence[Channel]) -> str:
    """The quick-entry line that saves `entry` as it is: what `/edit` puts back to change."""
    words = [LANE_PREFIX[entry.lane]]
    channel = next((c for c in channels if c.id == entry.channel_id), None)
    if channel is not None:
        words.append(channel.name)
    if entry.emotion is not None:
        words.append(f"{entry.emotion:+d}" if entry.emotion else "0")
    if entry.effort is not None:
        words.append(f"e{entry.effort}")
    words.append(entry.text)
    words += [f"#{tag}" for tag in entry.tags]
    return " ".join(words)
