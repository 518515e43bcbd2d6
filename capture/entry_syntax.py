"""The quick-entry line's vocabulary: the lane prefixes, which fields each lane takes,
the /commands and the syntax as the help screen shows it. The parser (quick_entry.py)
and the form, help and workshop screens all read them from here."""

from __future__ import annotations

from journey.storage.models import LANES

ONE_LETTER = {
    "g": "goal",
    "n": "need",
    "e": "expectation",
    "p": "pain",
    "d": "delight",
    "q": "quote",
    "o": "opportunity",
    "t": "touchpoint",
}
# Prefix (lower case, without the colon) -> lane.
PREFIXES: dict[str, str] = {**ONE_LETTER, **{lane: lane for lane in LANES}}
# The shortest prefix of each lane, as a line spells it.
LANE_PREFIX = {
    lane: min((p for p, named in PREFIXES.items() if named == lane), key=len) + ":"
    for lane in LANES
}
assert set(PREFIXES.values()) == set(LANES)

EMOTION_LANES = frozenset({"pain", "delight"})


def lane_fields(lane: str) -> frozenset[str]:
    """Which of channel, emotion and effort an entry of `lane` takes, as the syntax allows:
    a touchpoint all three (and needs its channel), a pain or delight an emotion."""
    if lane == "touchpoint":
        return frozenset({"channel", "emotion", "effort"})
    if lane in EMOTION_LANES:
        return frozenset({"emotion"})
    return frozenset()


# name, argument hint, meaning
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("next", "", "move on to the next stage"),
    ("prev", "", "go back to the previous stage"),
    ("stage", "N|NAME", "go to stage N, or the stage whose name starts with NAME"),
    ("drop", "[REASON]", "the customer dropped out at this stage (reason optional)"),
    ("skip", "", "this stage does not apply: mark it skipped and move on"),
    ("undo", "", "remove the last entry"),
    (
        "edit",
        "[LINE]",
        "edit the last entry; LINE with a prefix (p: -2 text #tag) replaces it whole, "
        "without one changes its text and what else is typed",
    ),
    ("done", "", "finish the interview"),
    ("help", "", "show this help"),
)
COMMAND_NAMES = frozenset(name for name, _, _ in COMMANDS)
NO_ARGUMENT = frozenset(name for name, hint, _ in COMMANDS if not hint) - {"help"}

# syntax, meaning
SYNTAX_HELP: tuple[tuple[str, str], ...] = (
    ("text", "a note (no prefix)"),
    ("g: text", "a goal (also goal:)"),
    ("n: text", "a need (also need:)"),
    ("e: text", "an expectation (also expectation:)"),
    ("p: [EMOTION] text", "a pain point (also pain:)"),
    ("d: [EMOTION] text", "a delight (also delight:)"),
    ("q: text", "a quote, the customer's own words (also quote:)"),
    ("o: text", "an opportunity (also opportunity:)"),
    (
        "t: CHANNEL [EMOTION] [eN] text",
        "a touchpoint; CHANNEL is a channel's name or the start of it; "
        "text optional (it becomes the channel)",
    ),
    (
        "EMOTION",
        "-2 -1 0 +1 +2 (or -- - 0 + ++); after d: a bare 1 or 2 is +1 or +2; after p: "
        "write the sign (p: 2 hours is text)",
    ),
    ("eN", "effort, e1 (easy) to e7 (hard); emotion and effort in either order"),
    ("#tag", "tag the entry, anywhere in the line (#1234 stays text)"),
    ("//text", "a note that starts with /"),
    ("/command", "a command: " + " ".join("/" + name for name, _, _ in COMMANDS)),
)
