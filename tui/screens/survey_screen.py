"""Survey mode: a participant at the keyboard answers the guide's prompts one at a time.

Enter saves the answer (as an entry of the prompt's lane and stage, linked to the
prompt) and moves on; answers are committed one by one like interview lines.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from journey.capture.session import InterviewSession
from journey.storage.errors import DatabaseBusy, JourneyError
from journey.storage.models import Prompt
from journey.tui.busy_retry import BusyRetry
from journey.tui.help_topics import EMOTION
from journey.tui.screens.confirm_screen import ConfirmScreen
from journey.tui.screens.entry_form_screen import EMOTION_WORDS
from journey.tui.screens.journey_screen import JourneyScreen
from journey.tui.text import emotion_text, literal
from journey.tui.widgets.quick_entry_input import QuickEntryInput
from journey.tui.widgets.stage_stepper import StageStepper


class SurveyScreen(JourneyScreen):
    BINDINGS = [
        Binding("ctrl+n", "skip_question", "Skip question"),
        Binding("ctrl+b", "previous_question", "Previous"),
        Binding("escape", "leave", "Leave"),
    ]
    HELP_TITLE = "Survey"
    HELP_KEYS = (("Tab", "between the answer and its buttons"),)
    HELP_SYMBOLS = EMOTION
    DEFAULT_CSS = """
    SurveyScreen #question-box {
        padding: 1 2;
        height: 1fr;
    }
    SurveyScreen #progress {
        color: $text-muted;
    }
    SurveyScreen #question {
        text-style: bold;
        margin: 1 0;
    }
    SurveyScreen OptionList {
        height: 1fr;
        max-height: 16;
    }
    SurveyScreen #answer {
        margin-top: 1;
    }
    """

    def __init__(self, session: InterviewSession) -> None:
        super().__init__()
        self.session = session
        self.prompts = session.prompts
        answered = {e.prompt_id for e in session.entries if e.prompt_id}
        self.index = next((i for i, p in enumerate(self.prompts) if p.id not in answered), 0)
        self.busy = BusyRetry(self, self._status)

    def compose(self) -> ComposeResult:
        yield Header()
        yield StageStepper(id="stepper")
        with Vertical(id="question-box"):
            yield Static(id="progress")
            yield Static(id="question")
            yield OptionList(id="choices")
            yield QuickEntryInput(id="answer")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journey survey"
        self.sub_title = self.session.study.name
        if not self.prompts:
            self.notify("This study has no interview guide to ask from.", severity="error")
        self.show_question()

    @property
    def prompt(self) -> Prompt | None:
        return self.prompts[self.index] if 0 <= self.index < len(self.prompts) else None

    def show_question(self) -> None:
        prompt = self.prompt
        if prompt is None:
            self.finish()
            return
        stage = next(s for s in self.session.stages if s.id == prompt.stage_id)
        if stage.id != self.session.current_stage.id:
            self.session.go_to(stage)
        self.query_one(StageStepper).show(self.session.stage_states())
        self.query_one("#progress", Static).update(
            literal(f"Question {self.index + 1} of {len(self.prompts)} · {stage.name}")
        )
        self.query_one("#question", Static).update(literal(prompt.text))
        choices = self.query_one("#choices", OptionList)
        answer = self.query_one("#answer", QuickEntryInput)
        choices.clear_options()
        answer.value = ""
        if prompt.answer_type == "emotion":
            for value in (2, 1, 0, -1, -2):
                label = emotion_text(value).append(f"  {EMOTION_WORDS[value]}")
                choices.add_option(Option(label, id=str(value)))
            answer.placeholder = "anything to add? (optional, then choose above)"
        elif prompt.answer_type == "channel":
            for channel in self.session.channels:
                choices.add_option(Option(literal(channel.name), id=channel.id))
            answer.placeholder = "anything to add? (optional, then choose above)"
        else:
            answer.placeholder = "type your answer and press Enter"
        choices.display = prompt.answer_type != "text"
        if prompt.answer_type == "text":
            answer.focus()
        else:
            choices.highlighted = 0
            choices.focus()

    @on(QuickEntryInput.LineEntered, "#answer")
    def _typed_answer(self, event: QuickEntryInput.LineEntered) -> None:
        prompt = self.prompt
        if prompt is None:
            return
        # The answer stays in view until it is saved (the next question clears it).
        self.query_one("#answer", QuickEntryInput).restore(event.line)
        if prompt.answer_type != "text":
            self.query_one("#choices", OptionList).focus()
            return
        self._answer(prompt, event.line)

    @on(OptionList.OptionSelected, "#choices")
    def _chose(self, event: OptionList.OptionSelected) -> None:
        prompt = self.prompt
        if prompt is None or event.option_id is None:
            return
        comment = self.query_one("#answer", QuickEntryInput).value.strip()
        if prompt.answer_type == "emotion":
            emotion = int(event.option_id)
            self._answer(prompt, comment or EMOTION_WORDS[emotion], emotion=emotion)
        else:
            channel = next(c for c in self.session.channels if c.id == event.option_id)
            self._answer(prompt, comment or channel.name, channel_id=channel.id)

    def _answer(
        self,
        prompt: Prompt,
        text: str,
        *,
        emotion: int | None = None,
        channel_id: str | None = None,
    ) -> None:
        """Save the answer and go on to the next question. While another program holds
        the database, the answer waits on screen and is saved as soon as it can be."""
        channel = next((c for c in self.session.channels if c.id == channel_id), None)
        try:
            self.session.add(prompt.lane, text, emotion=emotion, channel=channel, prompt=prompt)
        except DatabaseBusy:
            shown = self.query_one("#answer", QuickEntryInput).value
            again = partial(self._answer_again, prompt, shown, text, emotion, channel_id)
            self.busy.wait(again)
            return
        except JourneyError as error:
            self._stop_waiting()
            self.notify(f"Not saved: {error}", severity="error", timeout=6, markup=False)
            return
        self._stop_waiting()
        self.next_question()

    def _answer_again(
        self, prompt: Prompt, shown: str, text: str, emotion: int | None, channel_id: str | None
    ) -> None:
        if self.prompt is not prompt or self.query_one("#answer", QuickEntryInput).value != shown:
            self._stop_waiting()  # the participant moved on or changed the answer
            return
        self._answer(prompt, text, emotion=emotion, channel_id=channel_id)

    def _status(self, message: str) -> None:
        self.query_one("#answer", QuickEntryInput).border_subtitle = Content(message)

    def _stop_waiting(self) -> None:
        self.busy.done()
        self._status("")

    def next_question(self) -> None:
        self.index += 1
        self.show_question()

    def action_skip_question(self) -> None:
        self.next_question()

    def action_previous_question(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show_question()

    def finish(self) -> None:
        self.session.finish()
        thanks = Text("Thank you! ", style="bold")
        thanks.append(f"All {len(self.session.entries)} answers are saved. Press Escape to close.")
        self.query_one("#question", Static).update(thanks)
        self.query_one("#progress", Static).update("")
        self.query_one("#choices", OptionList).display = False
        self.query_one("#answer", QuickEntryInput).display = False

    def action_leave(self) -> None:
        """The participant is at the keyboard: Escape asks before it leaves a survey that
        is not finished (the answers so far are saved either way)."""
        if self.session.finished:
            self._leave()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._leave()

        question = (
            "Leave the survey now? Your answers so far are saved; the rest of the "
            "questions can be answered later."
        )
        self.app.push_screen(
            ConfirmScreen(question, yes="Leave the survey", no="Go on answering"), answered
        )

    def _leave(self) -> None:
        if len(self.app.screen_stack) > 2:  # opened from the home screen: back there
            self.app.pop_screen()
            return
        participant = self.session.participant
        note = Text("The survey stays in progress")
        if participant is not None and not self.session.finished:
            note.append("; carry on with: journey ")
            note.append_text(
                literal(
                    f"--db {self.journey.db_path} capture --mode survey "
                    f"--participant {participant.code}"
                )
            )
        self.app.exit(message=note if not self.session.finished else None)
