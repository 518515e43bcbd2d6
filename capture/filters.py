"""What narrows the map to some sessions: the one parser of a date or time given to
`review`, `export`, the review's filter dialog and its export view."""

from __future__ import annotations

from datetime import date

from journey.capture.row_rules import canonical_time
from journey.storage.errors import InvalidValue


def parse_moment(value: str | None, field: str) -> str | None:
    """A date (YYYY-MM-DD) or a date and time (ISO 8601, UTC unless it says otherwise) as
    stored times compare with it; None when empty. `field` names it in the error."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return canonical_time(text)
    except ValueError:
        raise InvalidValue(
            f"{field}: {text!r} is not a date; use YYYY-MM-DD (or YYYY-MM-DDTHH:MM)"
        ) from None
