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

_HASH = re.compile("#")
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
    stay text."""
    if "#" not in text:
        return text, ()
    out: list[str] = []
    tags: dict[str, str] = {}
    position = 0  # start of the text not yet copied to `out`
    last_tag_end = -1
    for hash_sign in _HASH.finditer(text):
        index = hash_sign.start()
        if index < position:
            continue
        if index > 0 and not text[index - 1].isspace() and index != last_tag_end:
            continue  # inside a word: "a#b", "C#", "[#red]"
        end = index + 1
        while end < len(text) and _is_tag_char(text[end]):
            end += 1
        body = text[index + 1 : end]
        if not any(unicodedata.category(c).startswith("L") for c in body):
            continue  # "#", "#1234", "#-" stay text
        tags.setdefault(body.casefold(), body)
        if index > position:  # no empty pieces: the helpers below look at out[-1] only
            out.append(text[position:index])
        position = last_tag_end = end
        after = text[end : end + 1]
        if not after or after == "\n" or after in _PUNCTUATION_AFTER_TAG:
            _strip_spaces_at_end(out)
        elif after in " \t" and _ends_in_space_or_is_empty(out):
            while position < len(text) and text[position] in " \t":
                position += 1
    out.append(text[position:])
    return "".join(out), tuple(tags.values())


def _strip_spaces_at_end(pieces: list[str]) -> None:
    while pieces:
        stripped = pieces[-1].rstrip(" \t")
        if stripped:
            pieces[-1] = stripped
            return
        pieces.pop()


def _ends_in_space_or_is_empty(pieces: list[str]) -> bool:
    return not pieces or pieces[-1][-1].isspace()


def _is_tag_char(char: str) -> bool:
    return char in "-_" or unicodedata.category(char)[0] in "LNM"
