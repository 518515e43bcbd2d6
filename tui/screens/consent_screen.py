"""Before anything is saved: does the participant agree to take part?

Asked where the study requires consent and none is recorded for the participant: of
the interviewer (`journey capture --participant P05` without `--consent`), or of the
participant at the keyboard on a survey's first screen. Yes records consent with its
time; no (or Escape) ends the session with nothing saved.
"""

from __future__ import annotations

from journey.tui.screens.confirm_screen import ConfirmScreen


class ConsentScreen(ConfirmScreen):
    """Returns True when the participant agrees, False when not."""

    def __init__(self, participant: str, study: str, survey: bool) -> None:
        if survey:
            question = (
                f"Before we start: this survey is part of the study {study!r}. Your "
                "answers are saved as you give them and used for this research only.\n\n"
                "Do you agree to take part?"
            )
            yes = "Yes, I agree"
        else:
            question = (
                f"Study {study!r} requires consent before anything is saved, and none is "
                f"recorded for {participant}.\n\n"
                f"Has {participant} agreed to take part? Yes records it, with the time."
            )
            yes = "Yes, record consent"
        super().__init__(question, yes=yes, no="No (nothing is saved)", focus_yes=True)
