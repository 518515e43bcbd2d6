"""Text from people is data: control characters out, a length limit, nothing that acts.

Stored text and rendered text both pass through `clean_text`, so an escape
sequence typed, pasted, imported, merged or read from a template can never reach a
terminal or a file. `has_control` says whether a text holds what `clean_text` removes
(`journey check` looks for it in a database).
"""

from __future__ import annotations

import re

from journey.storage.errors import InvalidValue

MAX_ENTRY_LENGTH = 10_000
MAX_LINE_LENGTH = 200  # one-line fields: names, codes, segments, titles, authors

# C0 controls but tab and newline, DEL, the C1 block (0x9b is a one-byte CSI); the
# bidirectional overrides and isolates that reorder what is shown (U+202A..202E,
# U+2066..2069); invisible characters that hide text or split words unseen (zero width
# space U+200B, word joiner and invisible operators U+2060..2064, BOM U+FEFF,
# interlinear annotation U+FFF9..FFFB); and the tag characters U+E0000..E007F. Kept,
# as writing needs them: the zero width joiner and non-joiner (U+200C, U+200D: emoji
# sequences, Persian and Indic words) and the direction marks (U+200E, U+200F, U+061C:
# a number after Hebrew or Arabic), which mark but never reorder.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")


class EntryTooLong(InvalidValue):
    """An entry over the length limit; nothing was saved."""


def clean_text(text: str) -> str:
    """`text` with line breaks made `\\n` and every other control character removed."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def has_control(text: str) -> bool:
    """Whether `text` holds a character that `clean_text` removes (a line break of
    another kind than \\n included)."""
    return _CONTROL.search(text) is not None or _LINE_BREAKS.search(text) is not None


def clean_line(text: str) -> str:
    """One-line fields (names, codes, channels): also no newlines or tabs, trimmed."""
    return " ".join(clean_text(text).split())


def name_text(value: str, what: str) -> str:
    """A one-line field as stored (a name, a code, a segment), cleaned, or an error when
    it is longer than MAX_LINE_LENGTH; `what` names it in the message."""
    cleaned = clean_line(value)
    if len(cleaned) > MAX_LINE_LENGTH:
        raise InvalidValue(
            f"the {what} is {len(cleaned):,} characters long; the limit is {MAX_LINE_LENGTH}"
        )
    return cleaned


def entry_text(text: str) -> str:
    """The text of an entry as it will be stored, or an error saying why it cannot be."""
    cleaned = clean_text(text).strip()
    if len(cleaned) > MAX_ENTRY_LENGTH:
        raise EntryTooLong(
            f"the entry is {len(cleaned):,} characters long; the limit is "
            f"{MAX_ENTRY_LENGTH:,}: split it into several entries"
        )
    if not cleaned:
        raise InvalidValue("the entry is empty")
    return cleaned
