"""Quick entry: one typed line of the capture screen turned into an entry or a command.

Pure parsing: no I/O, no SQL, no Textual. The capture screen calls `parse_line`
on Enter and acts on the result; `InterviewSession` saves it.

The grammar (`entry_syntax.SYNTAX_HELP` and `COMMANDS` say the same on the help screen):

Lanes
    ``g:`` goal, ``n:`` need, ``e:`` expectation, ``p:`` pain, ``d:`` delight,
    ``q:`` quote, ``o:`` opportunity, ``t:`` touchpoint; the full lane names work
    too (``goal:``, ``pain:``, ``touchpoint:``, ``note:`` ...). Prefixes are
    case-insensitive, must start the line (leading spaces are ignored) and be
    followed directly by ``:`` (``g :`` is not a prefix); a space after the colon
    is optional. Only these words are prefixes, so ``http://x`` or
    ``10:30 meeting`` are notes. A line with no prefix is a note.

Touchpoints: ``t: CHANNEL [EMOTION] [eN] text``
    CHANNEL is matched against the study's channels, case-insensitively: first
    the longest channel whose full name starts the text word for word
    (``t: live chat quick answer``, ``t: store / face to face``), else the first
    word as a prefix of a channel name (``web`` -> Website); a comma, colon or
    semicolon ending the channel word is ignored (``t: web, slow``). A word that
    fits no channel, or several, does not fail the line: the entry comes back with
    ``channel=None``, ``channel_problem`` "unknown" or "ambiguous",
    ``channel_word`` (the word typed) and ``channel_candidates``, so the screen
    can ask once (add the channel to the study, or pick one) and finish the
    entry with `with_channel` or `resolve_channel`. When the text right after
    ``t:`` is an emotion or effort (``t: -1 e5 slow``), no channel was typed:
    ``channel_problem`` is "missing" and nothing is taken as the channel.

    EMOTION (-2..+2) and effort (``e1`` easy .. ``e7`` hard) may follow the
    channel in either order, each at most once, before the text. EMOTION is
    ``-2 -1 0 +1 1 +2 2`` or ``-- - 0 + ++``. A signed number outside -2..+2
    (``-3``) and ``e0``/``e8`` are errors; a second emotion or effort is text.

    A touchpoint needs no text: with a channel and nothing else
    (``t: web -1``, or just ``t: web``) the text is the channel's name (the
    typed word while the channel is unresolved; `with_channel` puts the name).

Pains and delights: ``p: [EMOTION] text``, ``d: [EMOTION] text``
    An emotion may come first, signed or symbolic (``-2 -1 +1 +2 -- - + ++``).
    After ``d:`` a bare ``1`` or ``2`` is +1 or +2 too (``d: 2 loved it``); to start
    a delight with such a number, give the emotion first (``d: + 2 day delivery``).
    After ``p:`` a bare number is text, a pain being felt below zero ("p: 2 hours on
    hold"). Other lanes take no emotion: ``g: -1 thing`` is the goal "-1 thing".

A word of three letters or more before a colon that looks like a mistyped lane
    (``pian:``, ``ned:``, ``goals:``) is refused with "did you mean pain:?" rather
    than saved as a note; ``note: pian: ...`` keeps such a line as a note.

Tags: ``#tag``
    A ``#`` at the start of the line, after whitespace or right after another
    tag (``#a#b`` is two tags), followed by letters, digits, marks, ``-`` or
    ``_`` (any script), tags the entry; the tag ends at
    whitespace or punctuation (``#urgent,`` -> "urgent"). It must contain at
    least one letter, so ``order #1234``, ``#1`` and a lone ``#`` stay text, and
    a ``#`` inside a word (``a#b``, ``C#``, ``[#red]``, ``/#anchor``) is text.
    Tags are removed from the text (the spaces around them collapse to one) and
    returned in order of appearance, without case-insensitive duplicates (the
    first spelling wins). Commands are never scanned for tags.

Commands: ``/next /prev /stage N|NAME /drop [REASON] /skip /undo /edit [TEXT]
/done /help``
    Names are case-insensitive and exact. ``/stage`` without an argument is an
    error; ``/drop`` without a reason is allowed (argument None); ``/edit``
    without text means "edit the last entry" (argument None), with text it is a
    new line for the last entry, read by `parse_edit`: with a lane prefix the
    entry becomes what the line says (lane, channel, emotion, effort, text and
    tags); without one it keeps its lane and what is not typed. ``/help`` takes
    an optional topic; the other commands take no argument (an error, so a
    sentence typed after ``/done`` is not thrown away). An unknown command is
    not an error: it comes back as ``ParsedCommand(known=False)`` whose
    ``message`` lists the commands. A line starting with ``//`` is a note whose
    text starts with ``/`` (``//etc/hosts`` -> note "/etc/hosts").

Text
    Control characters are removed before parsing (`capture.sanitize.clean_text`)
    and the final text goes through `capture.sanitize.entry_text`: over
    `MAX_ENTRY_LENGTH` characters raises `QuickEntryTooLong` (an `EntryTooLong`
    and a `QuickEntryError`). Text that is empty once prefix, tokens and tags are
    taken away is an error. Markup-like text (``[bold]x[/]``) is kept literally;
    showing it safely is the screen's job.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from journey.capture.entry_syntax import (
    COMMAND_NAMES,
    COMMANDS,
    EMOTION_LANES,
    NO_ARGUMENT,
    PREFIXES,
)
from journey.capture.sanitize import (
    MAX_ENTRY_LENGTH,
    EntryTooLong,
    clean_line,
    clean_text,
    entry_text,
)
from journey.storage.errors import InvalidValue
from journey.storage.items import take_tags
from journey.storage.models import EFFORT_RANGE, EMOTION_RANGE, LANES, Channel


class QuickEntryError(InvalidValue):
    """A line that cannot be saved as typed; the message says why, on one line."""


class QuickEntryTooLong(QuickEntryError, EntryTooLong):
    """The text is over the length limit (both a QuickEntryError and an EntryTooLong)."""


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedEntry:
    """An entry ready to save, unless `channel_problem` says a channel must be chosen first."""

    lane: str
    text: str
    channel: Channel | None = None
    emotion: int | None = None
    effort: int | None = None
    tags: tuple[str, ...] = ()
    # Touchpoints only: the word(s) typed for the channel, as typed (None when none was).
    channel_word: str | None = None
    # None, or "unknown" / "ambiguous" / "missing" when `channel` is None on a touchpoint.
    channel_problem: str | None = None
    # "ambiguous": the channels the word could mean, in study order; empty otherwise.
    channel_candidates: tuple[Channel, ...] = ()
    # True when no text was typed and `text` stands in for the channel.
    text_from_channel: bool = False

    @property
    def needs_channel(self) -> bool:
        """A touchpoint whose channel must be chosen (or added) before it is saved."""
        return self.channel_problem is not None

    @property
    def channel_message(self) -> str | None:
        """One line for the screen to ask with, or None when nothing is to be asked."""
        word = shortened(self.channel_word or "")
        if self.channel_problem == "unknown":
            return f"no channel called {word!r}: add it to the study or pick one"
        if self.channel_problem == "ambiguous":
            names = ", ".join(c.name for c in self.channel_candidates)
            return f"{word!r} could be several channels: {names}; pick one"
        if self.channel_problem == "missing":
            return "no channel given for the touchpoint: pick one"
        return None


@dataclass(frozen=True)
class ParsedCommand:
    """A `/command`; `name` is lower case without the slash, `argument` None when absent."""

    name: str
    argument: str | None = None
    known: bool = True

    @property
    def message(self) -> str | None:
        """For an unknown command, one line naming it and listing the known ones."""
        if self.known:
            return None
        known = " ".join("/" + name for name, _, _ in COMMANDS)
        if not self.name:
            return f"type a command after the /: {known} (// starts a note with a /)"
        return (
            f"unknown command /{shortened(self.name)}; commands: {known} "
            "(// starts a note with a /)"
        )


# -- the grammar, for parsing and for the help screen --------------------------------

_PREFIX = re.compile(r"([A-Za-z]+):")
# How alike a word before a colon must be to a lane to be refused as its typo (difflib
# ratio): pian, ned, goals and delihgt are; Re, Idea, Time and Info are not.
_TYPO_CUTOFF = 0.75

_SYMBOLIC_EMOTIONS = {"--": -2, "-": -1, "+": 1, "++": 2}
_SIGNED_NUMBER = re.compile(r"[+-]\d+")
_EFFORT = re.compile(r"[eE](\d+)")
_WORD = re.compile(r"\S+")
_WORD_END_PUNCTUATION = ",;:"
TOUCHPOINT_SYNTAX = "t: CHANNEL [EMOTION] [eN] text"


# -- small public helpers ----------------------------------------------------------


def parse_emotion(token: str, *, bare: bool = True) -> int | None:
    """The emotion a token spells, or None when it is not one.

    `bare=False` refuses the unsigned `0`, `1`, `2` (they are text there). A
    signed number outside -2..+2 (`-3`, `+5`) is an error, not text.
    """
    if token in _SYMBOLIC_EMOTIONS:
        return _SYMBOLIC_EMOTIONS[token]
    if _SIGNED_NUMBER.fullmatch(token):
        value = int(token)
        if value not in EMOTION_RANGE:
            raise QuickEntryError(
                f"emotion {shortened(token)} is out of range: -2 to +2 (or -- - 0 + ++)"
            )
        return value
    if bare and token in ("0", "1", "2"):
        return int(token)
    return None


def parse_effort(token: str) -> int | None:
    """The effort `e1`..`e7` (any case) spells, None when not `e` + digits; e0, e8... fail."""
    match = _EFFORT.fullmatch(token)
    if match is None:
        return None
    value = int(match.group(1))
    if value not in EFFORT_RANGE:
        raise QuickEntryError(f"effort {shortened(token)} is out of range: e1 (easy) to e7 (hard)")
    return value


def match_channel(word: str, channels: Sequence[Channel]) -> tuple[Channel, ...]:
    """The channels `word` may mean: its exact name (any case), else those it starts.

    One channel: resolved; several: ambiguous; none: unknown.
    """
    key = _typed_word(word).casefold()
    if not key:
        return ()
    exact = [c for c in channels if _channel_key(c) == key]
    if exact:
        return (exact[0],)
    return tuple(c for c in channels if _channel_key(c).startswith(key))


def with_channel(entry: ParsedEntry, channel: Channel) -> ParsedEntry:
    """The touchpoint with `channel` chosen (the screen asked, or the channel was just added)."""
    if entry.lane != "touchpoint":
        raise QuickEntryError(f"only a touchpoint has a channel, not a {entry.lane}")
    return replace(
        entry,
        channel=channel,
        channel_problem=None,
        channel_candidates=(),
        text=channel.name if entry.text_from_channel else entry.text,
    )


def resolve_channel(entry: ParsedEntry, channels: Sequence[Channel]) -> ParsedEntry:
    """Match the typed channel word again, against `channels` as they are now.

    For use after a channel was added to the study. Returns the entry unchanged
    when it needs no channel or had no channel word ("missing"); else resolved,
    or with its problem and candidates brought up to date.
    """
    if entry.channel_problem is None or entry.channel_word is None:
        return entry
    found = match_channel(entry.channel_word, channels)
    if len(found) == 1:
        return with_channel(entry, found[0])
    return replace(
        entry,
        channel_problem="ambiguous" if found else "unknown",
        channel_candidates=found,
    )


# -- the parser ------------------------------------------------------------------------


def parse_line(line: str, channels: Sequence[Channel]) -> ParsedEntry | ParsedCommand:
    """One typed line as an entry or a command; `QuickEntryError` when it cannot be either."""
    cleaned = clean_text(line).strip()
    if not cleaned:
        raise QuickEntryError("nothing to save: the line is empty")
    if cleaned.startswith("//"):
        return _entry("note", cleaned[1:], channels, prefix="//")
    if cleaned.startswith("/"):
        return _command(cleaned[1:])
    match = _PREFIX.match(cleaned)
    if match is not None and match.group(1).lower() in PREFIXES:
        lane = PREFIXES[match.group(1).lower()]
        return _entry(lane, cleaned[match.end() :], channels, prefix=match.group(0))
    if match is not None and (meant := _meant_lane(match.group(1))) is not None:
        # A prefix mistyped (pian:, ned:) would otherwise be saved as a note, silently.
        raise QuickEntryError(
            f"{shortened(match.group(0))!r} is not a lane: did you mean {meant}:? "
            "(to keep the line as a note, start it with note:)"
        )
    return _entry("note", cleaned, channels, prefix="")


def _meant_lane(word: str) -> str | None:
    """The lane a word of 3 or more letters before a colon looks like a typo of, or None:
    `pian` -> pain, `ned` -> need, `goals` -> goal. A note is never suggested: a line
    without a lane is a note already."""
    if len(word) < 3:
        return None
    lanes = [lane for lane in LANES if lane != "note"]
    close = difflib.get_close_matches(word.lower(), lanes, n=1, cutoff=_TYPO_CUTOFF)
    return close[0] if close else None


def _command(rest: str) -> ParsedCommand:
    parts = rest.split(None, 1)
    if not parts or rest[0].isspace():  # "/" alone, or "/ something"
        return ParsedCommand("", clean_line(rest) or None, known=False)
    name = parts[0].casefold()
    argument = parts[1].strip() if len(parts) > 1 else ""
    if name not in COMMAND_NAMES:
        return ParsedCommand(name, clean_line(argument) or None, known=False)
    if name in NO_ARGUMENT:
        if argument:
            raise QuickEntryError(f"/{name} takes no argument (start with // for a note)")
        return ParsedCommand(name)
    if name == "stage":
        stage = clean_line(argument)
        if not stage:
            raise QuickEntryError("/stage needs a number or name: /stage 2, /stage consideration")
        return ParsedCommand(name, stage)
    if name == "edit":
        argument = clean_text(argument).strip()
        if not argument:
            return ParsedCommand(name)
        if len(argument) > MAX_ENTRY_LENGTH:
            _stored_text(argument, "")  # the one "too long" message
        return ParsedCommand(name, argument)
    return ParsedCommand(name, clean_line(argument) or None)  # drop, help


def parse_body(
    lane: str, body: str, channels: Sequence[Channel], *, prefix: str = ""
) -> ParsedEntry:
    """The entry `body` (a line without its prefix) makes in `lane`."""
    return _entry(lane, body, channels, prefix=prefix)


def text_and_tags(lane: str, body: str) -> ParsedEntry:
    """`body` as text and #tags only, in `lane` (a touchpoint's text, its channel kept)."""
    text, tags = take_tags(body)
    return ParsedEntry(lane, _stored_text(text, _no_text(lane, "", tags)), tags=tags)


def has_lane_prefix(line: str) -> bool:
    match = _PREFIX.match(line)
    return match is not None and match.group(1).lower() in PREFIXES


def _entry(lane: str, body: str, channels: Sequence[Channel], *, prefix: str) -> ParsedEntry:
    text, tags = take_tags(body)
    if lane == "touchpoint":
        return _touchpoint(text, tags, channels, prefix=prefix)
    emotion = None
    if lane in EMOTION_LANES:
        first = next(_WORD.finditer(text), None)
        if first is not None:
            # A delight's bare 1 or 2 is its emotion (d: 2 loved it); a pain's is text
            # (p: 2 hours on hold), a pain being felt below zero.
            bare = lane == "delight" and first.group() in ("1", "2")
            emotion = parse_emotion(first.group(), bare=bare)
            if emotion is not None:
                text = text[first.end() :]
    return ParsedEntry(
        lane, _stored_text(text, _no_text(lane, prefix, tags)), emotion=emotion, tags=tags
    )


def _touchpoint(
    text: str, tags: tuple[str, ...], channels: Sequence[Channel], *, prefix: str
) -> ParsedEntry:
    longest = max((len(_channel_key(c).split()) for c in channels), default=1)
    words = list(itertools.islice(_WORD.finditer(text), longest))
    if not words:
        raise QuickEntryError(f"a touchpoint needs a channel: {TOUCHPOINT_SYNTAX}")

    channel: Channel | None = None
    problem: str | None = None
    candidates: tuple[Channel, ...] = ()
    taken = 0  # words used for the channel
    first = _typed_word(words[0].group())
    full = _full_name_match(words, channels)
    if full is not None:
        channel, taken = full
    elif not first or _is_rating(words[0].group()):
        problem = "missing"
    else:
        taken = 1
        candidates = match_channel(first, channels)
        if len(candidates) == 1:
            channel, candidates = candidates[0], ()
        else:
            problem = "ambiguous" if candidates else "unknown"
    channel_word = _typed_word(text[words[0].start() : words[taken - 1].end()]) if taken else None
    position = words[taken - 1].end() if taken else 0

    emotion: int | None = None
    effort: int | None = None
    for word in _WORD.finditer(text, position):
        token = word.group()
        if emotion is None and (value := parse_emotion(token)) is not None:
            emotion = value
        elif effort is None and (value := parse_effort(token)) is not None:
            effort = value
        else:
            break
        position = word.end()

    rest = text[position:].strip()
    from_channel = not rest
    if from_channel:
        if channel is not None:
            rest = channel.name
        elif channel_word is not None:
            rest = channel_word
        else:
            raise QuickEntryError(f"the touchpoint has no channel and no text: {TOUCHPOINT_SYNTAX}")
    return ParsedEntry(
        "touchpoint",
        _stored_text(rest, _no_text("touchpoint", prefix, tags)),
        channel=channel,
        emotion=emotion,
        effort=effort,
        tags=tags,
        channel_word=channel_word,
        channel_problem=problem,
        channel_candidates=candidates,
        text_from_channel=from_channel,
    )


def _full_name_match(
    words: Sequence[re.Match[str]], channels: Sequence[Channel]
) -> tuple[Channel, int] | None:
    """The channel with the most words whose full name starts the text, and its word count."""
    typed = [_typed_word(w.group()).casefold() for w in words]
    best: tuple[Channel, int] | None = None
    for channel in channels:
        name = _channel_key(channel).split()
        if name and typed[: len(name)] == name and (best is None or len(name) > best[1]):
            best = (channel, len(name))
    return best


def _typed_word(word: str) -> str:
    """A channel word as typed, without a trailing comma, colon or semicolon (`t: web, ...`)."""
    return " ".join(word.split()).rstrip(_WORD_END_PUNCTUATION)


def _is_rating(token: str) -> bool:
    return parse_emotion(token) is not None or parse_effort(token) is not None


def _channel_key(channel: Channel) -> str:
    return " ".join(channel.name.casefold().split())


def _no_text(lane: str, prefix: str, tags: tuple[str, ...]) -> str:
    if tags:
        return f"the {lane} has only tags: add some text"
    return f"the {lane} has no text: type it after {prefix!r}"


def _stored_text(text: str, empty_message: str) -> str:
    try:
        return entry_text(text)
    except EntryTooLong as error:
        raise QuickEntryTooLong(str(error)) from None
    except InvalidValue:
        raise QuickEntryError(empty_message) from None


def shortened(word: str, limit: int = 40) -> str:
    word = " ".join(word.split())
    return word if len(word) <= limit else word[: limit - 1] + "…"
