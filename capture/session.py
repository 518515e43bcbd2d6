"""The interview session the capture screen drives: where the interview stands,
what it has captured, and every action an interviewer takes, each saved at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import pstdev

from sqlite_utils import Database

from journey.capture.entry_edit import as_line, parse_edit
from journey.capture.sanitize import clean_line, entry_text, name_text
from journey.storage import entries, sessions, studies
from journey.storage.connection import now
from journey.storage.errors import ConsentRequired, InvalidValue, NotFound
from journey.storage.models import LANES, Channel, Entry, Participant, Prompt, Session, Stage, Study


@dataclass(frozen=True)
class StageState:
    """One stage as the stepper shows it."""

    stage: Stage
    outcome: str | None  # reached / dropped / skipped, or None when not yet met
    reason: str | None
    entries: int
    current: bool


class InterviewSession:
    """A live session (interview, survey or workshop) bound to a database connection."""

    def __init__(self, db: Database, session: Session, author: str | None = None) -> None:
        self.db = db
        self.session = session
        self.author = author if author is not None else session.interviewer
        self.study: Study = studies.get_study(db, session.study_id)
        self.stages: list[Stage] = studies.stages(db, session.study_id)
        if not self.stages:
            raise InvalidValue(f"study {self.study.name!r} has no stages")
        self.prompts: list[Prompt] = studies.prompts(db, session.study_id)
        self.channels: list[Channel] = studies.channels(db, session.study_id)
        self.entries: list[Entry] = []
        self.refresh()

    # -- starting and resuming -------------------------------------------------

    @classmethod
    def start(
        cls,
        db: Database,
        study: Study,
        participant_code: str,
        *,
        segment: str | None = None,
        interviewer: str | None = None,
        mode: str = "interview",
        consent: bool = False,
        suggested: bool = False,
    ) -> InterviewSession:
        """Start an interview with the participant, or resume the one in progress.

        `suggested`: the code is the form's suggestion of the next free one, so a new
        participant is meant; taken meanwhile by another interviewer, the participant
        gets the next free code instead (the session's `participant` says which).

        `consent`: the participant agreed to take part, now. Where the study requires
        consent, a participant without it recorded is refused (`ConsentRequired`) and
        nothing is saved: the face asks first, then starts again with `consent`."""
        code = name_text(participant_code, "participant code")
        participant = None if suggested else sessions.find_participant(db, study.id, code)
        if (
            study.consent_required
            and not consent
            and (participant is None or participant.consent_at is None)
        ):
            raise ConsentRequired(
                f"{code or 'the participant'} has not agreed to take part: consent is "
                f"required in study {study.name!r} before anything is saved"
            )
        if participant is None:
            participant = sessions.add_participant(
                db,
                study.id,
                code,
                segment=name_text(segment or "", "segment") or None,
                consent_at=now() if consent else None,
                next_free=suggested,
            )
        else:
            if consent and participant.consent_at is None:
                participant = sessions.record_consent(db, participant.id)
            ongoing = sessions.open_session_for(db, participant.id)
            if ongoing is not None:
                return cls(db, ongoing)
        first = studies.stages(db, study.id)[0]
        session = sessions.start_session(
            db,
            study.id,
            participant_id=participant.id,
            mode=mode,
            interviewer=name_text(interviewer or "", "interviewer") or None,
            first_stage_id=first.id,
        )
        return cls(db, session)

    @classmethod
    def resume(cls, db: Database, session_id: str) -> InterviewSession:
        return cls(db, sessions.get_session(db, session_id))

    # -- state -----------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the session, its entries and its stage progress from the database."""
        self.session = sessions.get_session(self.db, self.session.id)
        self.entries = entries.session_entries(self.db, self.session.id)
        self._progress = {p.stage_id: p for p in sessions.progress(self.db, self.session.id)}

    def refresh_channels(self) -> None:
        """Reload the study's channels (after one was added)."""
        self.channels = studies.channels(self.db, self.study.id)

    def last_entry(self) -> Entry | None:
        """The entry /undo and /edit act on."""
        return self.entries[-1] if self.entries else None

    def add_channel(self, name: str) -> Channel:
        """Add a touchpoint channel to the study (asked when a typed one is unknown)."""
        channel = studies.add_channel(self.db, self.study.id, name_text(name, "channel name"))
        self.refresh_channels()
        return channel

    @property
    def participant(self) -> Participant | None:
        if self.session.participant_id is None:
            return None
        return sessions.get_participant(self.db, self.session.participant_id)

    @property
    def current_stage(self) -> Stage:
        for stage in self.stages:
            if stage.id == self.session.current_stage_id:
                return stage
        return self.stages[0]

    @property
    def stage_index(self) -> int:
        return self.stages.index(self.current_stage)

    @property
    def finished(self) -> bool:
        return self.session.status == "finished"

    def stage_states(self) -> list[StageState]:
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.stage_id] = counts.get(entry.stage_id, 0) + 1
        current = self.current_stage
        states = []
        for stage in self.stages:
            progress = self._progress.get(stage.id)
            states.append(
                StageState(
                    stage,
                    progress.outcome if progress else None,
                    progress.reason if progress else None,
                    counts.get(stage.id, 0),
                    stage.id == current.id,
                )
            )
        return states

    def stage_entries(self, stage: Stage | None = None) -> dict[str, list[Entry]]:
        """The captured entries of a stage (the current one by default), lane by lane."""
        stage_id = (stage or self.current_stage).id
        by_lane: dict[str, list[Entry]] = {lane: [] for lane in LANES}
        for entry in self.entries:
            if entry.stage_id == stage_id:
                by_lane[entry.lane].append(entry)
        return by_lane

    def stage_prompts(self, stage: Stage | None = None) -> list[Prompt]:
        stage_id = (stage or self.current_stage).id
        return [p for p in self.prompts if p.stage_id == stage_id]

    def answered_prompts(self) -> set[str]:
        """Ids of the guide prompts that have an answer: explicitly, or through an
        entry in the prompt's lane at the prompt's stage."""
        answered = {e.prompt_id for e in self.entries if e.prompt_id}
        lanes_at = {(e.stage_id, e.lane) for e in self.entries}
        for prompt in self.prompts:
            if (prompt.stage_id, prompt.lane) in lanes_at:
                answered.add(prompt.id)
        return answered

    def emotion_curve(self) -> list[tuple[Stage, float | None, int]]:
        """Per stage: the mean emotion of this session's entries so far, and its n."""
        return [(stage, mean, n) for stage, mean, _spread, n in self.emotion_spread()]

    def emotion_spread(self) -> list[tuple[Stage, float | None, float | None, int]]:
        """Per stage: the mean emotion of this session's entries so far, their spread
        (population standard deviation, as the map's) and n."""
        curve = []
        for stage in self.stages:
            values = [
                e.emotion for e in self.entries if e.stage_id == stage.id and e.emotion is not None
            ]
            mean = sum(values) / len(values) if values else None
            spread = pstdev(values) if values else None
            curve.append((stage, mean, spread, len(values)))
        return curve

    # -- actions (each one transaction) ---------------------------------------

    def add(
        self,
        lane: str,
        text: str,
        *,
        channel: Channel | None = None,
        emotion: int | None = None,
        effort: int | None = None,
        tags: Sequence[str] = (),
        prompt: Prompt | None = None,
        stage: Stage | None = None,
    ) -> Entry:
        """Save one entry at the current stage (or `stage`); it is on disk on return."""
        entry = entries.add_entry(
            self.db,
            self.session.id,
            (stage or self.current_stage).id,
            lane,
            entry_text(text),
            channel_id=channel.id if channel else None,
            emotion=emotion,
            effort=effort,
            author=self.author,
            prompt_id=prompt.id if prompt else None,
            tags=[name_text(t, "tag") for t in tags],
        )
        # Nothing else changed: keep the list instead of re-reading the whole interview,
        # so a save costs the same at the hundredth line as at the first.
        self.entries.append(entry)
        return entry

    def go_to(self, stage: Stage) -> Stage:
        sessions.move_to_stage(self.db, self.session.id, stage.id)
        self.refresh()
        return stage

    def find_stage(self, ref: str) -> Stage:
        """A stage by its number (1-based) or by a unique prefix of its name."""
        ref = ref.strip()
        if ref.isdigit():
            number = int(ref)
            if 1 <= number <= len(self.stages):
                return self.stages[number - 1]
            raise NotFound(f"there is no stage {number}; stages are 1 to {len(self.stages)}")
        exact = [s for s in self.stages if s.name.casefold() == ref.casefold()]
        if exact:
            return exact[0]
        matches = [s for s in self.stages if s.name.casefold().startswith(ref.casefold())]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(s.name for s in (matches or self.stages))
        if matches:
            raise NotFound(f"{ref!r} could be several stages: {names}")
        raise NotFound(f"no stage called {ref!r}; stages: {names}")

    def next_stage(self) -> Stage | None:
        """Move on; None when already at the last stage."""
        if self.stage_index + 1 >= len(self.stages):
            return None
        return self.go_to(self.stages[self.stage_index + 1])

    def previous_stage(self) -> Stage | None:
        if self.stage_index == 0:
            return None
        return self.go_to(self.stages[self.stage_index - 1])

    def drop(self, reason: str) -> None:
        """The customer left the journey at the current stage."""
        sessions.record_progress(
            self.db, self.session.id, self.current_stage.id, "dropped", clean_line(reason) or None
        )
        self.refresh()

    def skip(self) -> Stage | None:
        """The current stage does not apply to this customer: mark it and move on."""
        sessions.record_progress(self.db, self.session.id, self.current_stage.id, "skipped")
        self.refresh()
        if self.stage_index + 1 >= len(self.stages):
            return None
        return self.go_to(self.stages[self.stage_index + 1])

    def undo(self) -> Entry | None:
        """Soft-delete this session's last entry; None when there is nothing to undo."""
        last = entries.last_entry(self.db, self.session.id)
        if last is None:
            return None
        entries.delete_entry(self.db, last.id, author=self.author)
        self.refresh()
        return last

    def edit_last(self, **changes) -> Entry | None:
        """Change the last entry; every changed field goes to the edits log."""
        last = entries.last_entry(self.db, self.session.id)
        if last is None:
            return None
        if "text" in changes:
            changes["text"] = entry_text(changes["text"])
        if "tags" in changes:
            changes["tags"] = [name_text(t, "tag") for t in changes["tags"]]
        edited = entries.edit_entry(self.db, last.id, author=self.author, **changes)
        self.refresh()
        return edited

    def edit_last_line(self, line: str) -> tuple[Entry, tuple[str, ...]] | None:
        """`/edit LINE`: the last entry changed as the line says (`entry_edit.parse_edit`);
        returns it with the names of the fields that changed, or None when there is no
        entry to edit. A line that cannot be read raises QuickEntryError, changing
        nothing."""
        last = entries.last_entry(self.db, self.session.id)
        if last is None:
            return None
        changes = parse_edit(line, last, self.channels)
        if not changes:
            return last, ()
        edited = self.edit_last(**changes)
        assert edited is not None
        return edited, tuple(changes)

    def last_entry_line(self) -> str | None:
        """The last entry as the quick-entry line that would save it (for /edit)."""
        last = self.last_entry()
        return None if last is None else as_line(last, self.channels)

    def save_draft(self, text: str) -> None:
        sessions.save_draft(self.db, self.session.id, text)

    @property
    def draft(self) -> str:
        return sessions.get_draft(self.db, self.session.id)

    def finish(self) -> Session:
        self.session = sessions.finish_session(self.db, self.session.id)
        return self.session
