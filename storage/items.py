"""What a map item is: the one rule, used by the summaries, the map, its exports and
the workshop.

An item is what was said. Entries of one stage and lane whose texts normalise to
the same key are one item: the text is Unicode-normalised (NFKC) and case-folded,
its `#tags` are taken out and its whitespace is collapsed. `item_key` is that
normalisation; every writer stores it with the entry (`entries.item_key`), so the
SQL that counts items and the Python that needs a key read the same value. Tags
are facets counted on their own; only a workshop theme merges items.

`take_tags` is the tag rule of quick entry (a `#` that starts a word and is
followed by letters), kept here because the item key needs it too.
"""

from __future__ import annotations

import re
import unicodedata

_TAG_CHARS = re.compile(r"[\w-]*")  # \w: Unicode letters (L*), digits (N*) and `_`
_CANDIDATE = re.compile(r"#[\w-]*")  # a `#` and the tag characters after it, marks aside
_AFTER_SPACES = re.compile("[ \t]*")
_ASCII_LETTER = re.compile("[A-Za-z]")
_PUNCTUATION_AFTER_TAG = frozenset(",.;:!?)]}")


def item_key(text: str) -> str:
    """The key entries saying the same thing share: NFKC, case-folded, no #tags,
    whitespace collapsed."""
    without_tags, _tags = take_tags(text)
    folded = unicodedata.normalize("NFKC", without_tags.casefold())
    return " ".join(folded.split())


def take_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` without its #tags, and the tags in order, first spelling of each.

    A tag is `#` at the start of a word (or right after another tag) followed by
    letters, digits, `-` or `_`, with at least one letter: `#1234`, `C#` and `a#b`
    stay text. One pass over the `#`s, linear in the text's length."""
    if "#" not in text:
        return text, ()
    out: list[str] = []
    tags: dict[str, str] = {}
    position = 0  # start of the text not yet copied to `out`
    last_tag_end = -1
    size = len(text)
    for candidate in _CANDIDATE.finditer(text):
        index = candidate.start()
        if index < position:
            continue
        if index and index != last_tag_end and not text[index - 1].isspace():
            continue  # inside a word: "a#b", "C#", "[#red]"
        end = candidate.end()
        if end < size and unicodedata.category(text[end])[0] == "M":
            end = _tag_end(text, end)
        body = text[index + 1 : end]
        if not (_ASCII_LETTER.search(body) or any(c.isalpha() for c in body)):
            continue  # "#", "#1234", "#-" stay text (isalpha: the categories L*)
        folded = body.casefold()
        if folded not in tags:
            tags[folded] = body
        if index > position:  # no empty pieces: the helpers below look at out[-1] only
            out.append(text[position:index])
        position = last_tag_end = end
        after = text[end : end + 1]
        if not after or after == "\n" or after in _PUNCTUATION_AFTER_TAG:
            _strip_spaces_at_end(out)
        elif (after == " " or after == "\t") and (not out or out[-1][-1].isspace()):
            position = _AFTER_SPACES.match(text, end).end()  # type: ignore[union-attr]
    out.append(text[position:])
    return "".join(out), tuple(tags.values())


def _strip_spaces_at_end(pieces: list[str]) -> None:
    while pieces:
        stripped = pieces[-1].rstrip(" \t")
        if stripped:
            pieces[-1] = stripped
            return
        pieces.pop()


def _tag_end(text: str, start: int) -> int:
    """Where the run of tag characters (letters, digits, marks, `-`, `_`) from `start`
    ends. `[\\w-]` is every letter and digit with `-` and `_`; marks, which it leaves
    out, are stepped over one by one."""
    end = start
    while True:
        end = _TAG_CHARS.match(text, end).end()  # type: ignore[union-attr]
        if end < len(text) and unicodedata.category(text[end])[0] == "M":
            end += 1
            continue
        return end
