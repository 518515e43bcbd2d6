"""Survey mode: the participant at the keyboard answers the guide's prompts one at a time."""

from __future__ import annotations

from textual.screen import Screen

from capture.session import InterviewSession


class SurveyScreen(Screen[None]):
    def __init__(self, session: InterviewSession) -> None:
        super().__init__()
        self.session = session
