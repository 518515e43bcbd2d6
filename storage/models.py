"""Plain records the repository functions take and return (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field

# The lanes of DESIGN.md, in the order the map shows them.
LANES: tuple[str, ...] = (
    "goal",
    "need",
    "expectation",
    "touchpoint",
    "pain",
    "delight",
    "quote",
    "opportunity",
    "note",
)
# Each lane's heading, wherever lanes are shown (screens, map, reports).
LANE_TITLES: dict[str, str] = {
    "goal": "Goals",
    "need": "Needs",
    "expectation": "Expectations",
    "touchpoint": "Touchpoints",
    "pain": "Pains",
    "delight": "Delights",
    "quote": "Quotes",
    "opportunity": "Opportunities",
    "note": "Notes",
}
MODES: tuple[str, ...] = ("interview", "workshop", "survey")
# Interviews and surveys are customer evidence; a workshop is the team's opinion, a layer
# of its own that no customer figure counts (DESIGN.md, "What the map's figures mean").
EVIDENCE_MODES: tuple[str, ...] = ("interview", "survey")
OPINION_MODE = "workshop"
OUTCOMES: tuple[str, ...] = ("reached", "dropped", "skipped")
SESSION_STATUSES: tuple[str, ...] = ("in_progress", "finished")
ANSWER_TYPES: tuple[str, ...] = ("text", "emotion", "channel")
EMOTION_RANGE = range(-2, 3)
EFFORT_RANGE = range(1, 8)


@dataclass(frozen=True)
class PromptSpec:
    lane: str
    text: str
    answer_type: str = "text"


@dataclass(frozen=True)
class StageSpec:
    name: str
    description: str = ""
    prompts: tuple[PromptSpec, ...] = ()


@dataclass(frozen=True)
class Study:
    id: str
    name: str
    description: str
    template: str
    created_at: str
    consent_required: bool = True  # nothing is saved for a participant without consent
    demo: bool = False  # made by `journey demo`: generated data only


@dataclass(frozen=True)
class StudySummary:
    id: str
    name: str
    template: str
    sessions: int  # customer evidence: interviews and surveys
    entries: int  # their live entries
    last_activity: str | None
    workshops: int = 0  # the team's workshops, apart


@dataclass(frozen=True)
class Stage:
    id: str
    study_id: str
    position: int
    name: str
    description: str


@dataclass(frozen=True)
class Channel:
    id: str
    study_id: str
    name: str


@dataclass(frozen=True)
class Prompt:
    id: str
    study_id: str
    stage_id: str
    position: int
    lane: str
    text: str
    answer_type: str


@dataclass(frozen=True)
class Participant:
    id: str
    study_id: str
    code: str
    segment: str | None
    consent_at: str | None


@dataclass(frozen=True)
class Session:
    id: str
    study_id: str
    participant_id: str | None
    mode: str
    interviewer: str | None
    title: str | None
    started_at: str
    ended_at: str | None
    status: str
    current_stage_id: str | None
    updated_at: str


@dataclass(frozen=True)
class SessionListing:
    """A session with what a list of interviews shows beside it."""

    session: Session
    participant_code: str | None
    segment: str | None
    stage_name: str | None
    entries: int
    last_activity: str


@dataclass(frozen=True)
class Entry:
    id: str
    session_id: str
    stage_id: str
    lane: str
    text: str
    channel_id: str | None
    emotion: int | None
    effort: int | None
    votes: int
    author: str | None
    prompt_id: str | None
    created_at: str
    updated_at: str
    deleted_at: str | None
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class StageProgress:
    session_id: str
    stage_id: str
    outcome: str
    reason: str | None
    at: str
