"""Text from people is data: control characters out, a length limit, nothing that acts.

Stored text and rendered text both pass through `clean_text`, so an escape
sequence typed, pasted or imported can never reach a terminal or a file.
"""

from __future__ import annotations

import re

from storage.errors import InvalidValue

MAX_ENTRY_LENGTH = 10_000

# C0 controls but tab and newline, DEL, the C1 block (0x9b is a one-byte CSI),
# and the bidirectional overrides and isolates that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")


class EntryTooLong(InvalidValue):
    """An entry over the length limit; nothing was saved."""


def clean_text(text: str) -> str:
    """`text` with line breaks made `\\n` and every other control character removed."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def clean_line(text: str) -> str:
    """One-line fields (names, codes, channels): also no newlines or tabs, trimmed."""
    return " ".join(clean_text(text).split())


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
