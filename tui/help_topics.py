"""What each screen's symbols mean: the legends that F1 and `?` show, written once.

A screen lists the legends it uses in HELP_SYMBOLS; the help screen shows them beside
the screen's keys (read from its bindings, so they are always the keys in force).
"""

from __future__ import annotations

Legend = tuple[tuple[str, str], ...]

EMOTION: Legend = (
    (
        "▲▲ ▲ ● ▼ ▼▼",
        "emotion, as a glyph as well as a colour: ≥ +1.5, above +0.25, about 0, "
        "below -0.25, ≤ -1.5 (-2..+2)",
    ),
)

CURVE: Legend = (
    ("● ━", "a stage's mean emotion on the continuous -2..+2 scale, joined stage to stage"),
    ("■ ╍", "the second segment (B) when comparing: square marks and a dashed line"),
    (
        "○ □",
        "hollow: thin evidence (fewer than 3 sessions; in an interview, fewer than "
        '3 ratings), labelled "thin" under the stage',
    ),
    ("⡇", "whisker: one standard deviation (the spread) either side of the mean"),
    ("┈", "the zero line"),
    ("+0.4 ±0.9", "under each stage: the mean to 0.1 and its spread"),
    ("n=", "how many emotions the mean rests on (A/B when comparing)"),
)

MOMENTS: Legend = (
    (
        "▽",
        "moment of truth: lowest emotion, the stage with the lowest mean emotion "
        "(of those resting on 3 sessions or more)",
    ),
    ("⊘", "moment of truth: largest drop-off, the stage where the most sessions dropped out"),
    ("!", "moment of truth: top pain, the pain customers named most at that stage"),
)

MAP: Legend = (
    ("█░ 60%", "sessions that reached the stage, as a share of those at the first"),
    (
        "✗ 5 (12%)",
        "sessions that dropped out at the stage (share of those that reached it), "
        "then their top reasons",
    ),
    ("±", "spread: the standard deviation of the emotions"),
    ("n=", "emotions rated, or sessions behind a cell"),
    ("12 in 8 sess.", "entries, in how many sessions"),
    ("12× n=8", "the same in a narrow column"),
    ("thin", "fewer than 3 sessions: read with care"),
    ("⌁", "a touchpoint channel's row"),
    ("×", "touchpoint mentions"),
    ("↗ ↘", "of the sessions that met the channel there: went on to a later stage / ended there"),
    ("◇", "workshop stickies: the team's opinion, never customer evidence"),
    ("★", "workshop dot-votes"),
    ("→3", "an opportunity linked to 3 pains"),
    ("#tag 4", "tags as facets: how many entries carry each"),
    ("…", "cut to fit; the line under the map shows the highlighted cell whole"),
)

TIMELINE: Legend = (
    ("✓", "reached the stage"),
    ("✗", "dropped out at the stage (with the reason where it fits)"),
    ("↷", "skipped the stage"),
    ("·", "not (yet) at the stage"),
    ("▾", "the column the timeline is sorted by (s sorts again)"),
)

STEPPER: Legend = (
    ("▶", "the current stage"),
    ("✓ ✗ ↷", "reached, dropped out, skipped"),
    ("(3)", "entries at the stage"),
    ("○ ✓", "in the guide: a prompt not answered yet / answered"),
)

FUNNEL: Legend = (
    ("12 (40%)", "sessions that reached the stage, as a share of the segment's first stage"),
    ("✗3", "sessions of the segment that dropped out there"),
)

WORKSHOP: Legend = (
    ("◇", "a sticky of a workshop: the team's opinion"),
    ("★", "dot-votes of this workshop"),
    ("→3", "an opportunity linked to 3 pains"),
)

PALETTE: Legend = (("Ctrl+P", "the command palette: this screen's actions, by name"),)

DIALOG: Legend = (
    ("Tab / Shift+Tab", "move between the fields and buttons"),
    ("Enter", "choose, or press the highlighted button"),
)

HOME: Legend = (
    ("Sessions", "customer sessions (interviews and surveys); workshops are counted apart"),
    ("Entries", "what was recorded, workshop stickies included"),
    ("in progress", "interviews started and not finished, with the stage they are at"),
)
