"""Text from people is data: control characters out, line breaks unified, a length limit."""

from __future__ import annotations

import pytest

from journey.capture.sanitize import (
    MAX_ENTRY_LENGTH,
    EntryTooLong,
    clean_line,
    clean_text,
    entry_text,
)
from journey.storage.errors import InvalidValue

CLEAN_TEXT = [
    # (case, input, expected)
    ("plain", "I paid by card", "I paid by card"),
    ("ESC alone", "a\x1bb", "ab"),
    ("ESC sequence: the ESC goes, the rest is inert text", "\x1b[31mred\x1b[0m", "[31mred[0m"),
    ("CSI cursor move", "x\x1b[2J\x1b[Hy", "x[2J[Hy"),
    ("OSC title with BEL", "\x1b]0;owned\x07done", "]0;owneddone"),
    (
        "OSC 8 hyperlink with ST",
        "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
        "]8;;http://x\\link]8;;\\",
    ),
    ("C1 CSI 0x9b", "a\x9b31mb", "a31mb"),
    ("C1 OSC 0x9d and ST 0x9c", "\x9d0;t\x9cz", "0;tz"),
    ("NUL", "a\x00b", "ab"),
    ("DEL", "a\x7fb", "ab"),
    ("backspace and bell", "a\x08\x07b", "ab"),
    ("vertical tab and form feed", "a\x0b\x0cb", "ab"),
    ("CR alone", "one\rtwo", "one\ntwo"),
    ("CRLF", "one\r\ntwo\r\n", "one\ntwo\n"),
    ("NEL and line separators", "a\x85b\u2028c\u2029d", "a\nb\nc\nd"),
    ("tab and newline kept", "a\tb\nc", "a\tb\nc"),
    ("bidi override RLO", "abc\u202edcba", "abcdcba"),
    ("bidi embeddings and PDF", "\u202aa\u202bb\u202cc\u202dd", "abcd"),
    ("bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc"),
    ("emoji", "great \U0001f600 \U0001f44d\U0001f3fd", "great \U0001f600 \U0001f44d\U0001f3fd"),
    ("ZWJ emoji family", "\U0001f468\u200d\U0001f469\u200d\U0001f467", None),
    ("CJK", "\u8cfc\u5165\u3057\u307e\u3057\u305f", None),
    (
        "Arabic, right to left",
        "\u0627\u0634\u062a\u0631\u064a\u062a \u0627\u0644\u0645\u0646\u062a\u062c",
        None,
    ),
    ("Hebrew with LRM mark", "\u05e7\u05e0\u05d9\u05ea\u200e 3", None),
    ("zero width space and word joiner", "pass\u200bword\u2060s", "passwords"),
    ("BOM and invisible operators", "\ufeffa\u2061b\u2064c", "abc"),
    ("tag characters", "flag\U000e0067\U000e0062\U000e007f", "flag"),
    ("ZWNJ in Persian", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", None),
    ("accents", "caf\u00e9 na\u00efve \u00c5", None),
    ("markup is text", "[@click=app.quit]bold[/]", None),
]


@pytest.mark.parametrize(("case", "raw", "expected"), CLEAN_TEXT, ids=[c[0] for c in CLEAN_TEXT])
def test_clean_text(case: str, raw: str, expected: str | None) -> None:
    expected = raw if expected is None else expected
    assert clean_text(raw) == expected


@pytest.mark.parametrize("code", [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
def test_every_control_character_goes(code: int) -> None:
    cleaned = clean_text(f"a{chr(code)}b")
    # CR and NEL are line breaks; everything else is removed.
    assert cleaned == ("a\nb" if code in (0x0D, 0x85) else "ab")


def test_clean_text_is_idempotent() -> None:
    raw = "\x1b[1mA\r\nB\x9b\u202e\tC\x00"
    assert clean_text(clean_text(raw)) == clean_text(raw) == "[1mA\nB\tC"


CLEAN_LINE = [
    ("trim", "  P07  ", "P07"),
    ("inner runs", "Checkout   study", "Checkout study"),
    ("tabs and newlines", "first\tline\nsecond\r\nthird", "first line second third"),
    ("controls then collapse", "a\x1b \x00 b", "a b"),
    ("only space", " \t\n ", ""),
    ("unicode kept", " caf\u00e9  \U0001f600 ", "caf\u00e9 \U0001f600"),
]


@pytest.mark.parametrize(("case", "raw", "expected"), CLEAN_LINE, ids=[c[0] for c in CLEAN_LINE])
def test_clean_line(case: str, raw: str, expected: str) -> None:
    assert clean_line(raw) == expected


def test_entry_text_cleans_and_trims() -> None:
    assert entry_text("  \x1b[31mtoo\r\nexpensive \n") == "[31mtoo\nexpensive"


def test_entry_limit_is_ten_thousand() -> None:
    assert MAX_ENTRY_LENGTH == 10_000


def test_entry_of_exactly_the_limit() -> None:
    text = "x" * 10_000
    assert entry_text(text) == text


def test_entry_over_the_limit() -> None:
    with pytest.raises(EntryTooLong) as caught:
        entry_text("x" * 10_001)
    message = str(caught.value)
    assert "10,000" in message
    assert "10,001" in message
    assert "\n" not in message
    assert isinstance(caught.value, InvalidValue)


def test_limit_counts_the_cleaned_text() -> None:
    # Control characters and surrounding space do not count against the limit.
    assert len(entry_text("\x1b" * 50 + "y" * 10_000 + "   ")) == 10_000


def test_limit_counts_characters_not_bytes() -> None:
    text = "\u00e9" * 10_000  # 20,000 bytes in UTF-8
    assert entry_text(text) == text


@pytest.mark.parametrize("raw", ["", "   ", "\n\t\n", "\x1b\x00\x9b", "\u202e"])
def test_empty_entry(raw: str) -> None:
    with pytest.raises(InvalidValue, match="empty") as caught:
        entry_text(raw)
    assert not isinstance(caught.value, EntryTooLong)
