"""`--anonymize`: pseudonyms for participants, contact details masked inside text.

- A participant's code becomes `anon-` and the first 12 hex digits of the SHA-256
  of the participant's id (a random UUID). The pseudonym is the same in every
  export of the same database, and of databases merged from it (ids are kept),
  whatever the filters; it says nothing about the code.
- E-mail addresses in people's text become `[email]`, phone numbers (7 to 15
  digits, optionally with `+` or `00`, spaces, dots, dashes, slashes and
  brackets between them; not ISO dates or times) become `[phone]`.
- Interviewer names, entry authors and the personal columns of participants
  (personal_name, personal_contact) are left out; the edit log is not exported.

The linkage table (study, participant_code, pseudonym) is written only with
`--linkage FILE`, so that the pseudonyms can be traced back by whoever holds it.
"""

from __future__ import annotations

import hashlib
import re

PSEUDONYM_PREFIX = "anon-"
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
# A digit, then 6 to 14 more, each after at most two separators.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[ .\-/()]{0,2}\d){6,14}(?![\w])")
_DATE_OR_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
)


def pseudonym(participant_id: str) -> str:
    """The stable pseudonym of a participant (by id, never by code)."""
    return PSEUDONYM_PREFIX + hashlib.sha256(participant_id.encode("utf-8")).hexdigest()[:12]


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if _DATE_OR_TIME.fullmatch(found) else PHONE_MASK


def mask_contacts(text: str) -> str:
    """`text` with e-mail addresses and phone numbers masked."""
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MASK, text)
    return _PHONE.sub(_phone, text)


def mask_optional(text: str | None) -> str | None:
    return None if text is None else mask_contacts(text)
