"""A workshop on a study's map: the facilitator's stickies, dot-votes, themes and links,
the items of a cell and the entries of an item, and the timer. The workshop screens show
what this holds and call it; they keep no rule of their own.

A workshop is a session of mode "workshop" with no participant: its stickies are
entries, so everything an interview session does (undo, /edit, drafts) works the same.
Item membership is the one SQL definition (`agg_entry_keys`, see storage.workshop).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from journey.capture.journey_map import JourneyMap, MapItem, build_map
from journey.capture.quick_entry import ParsedEntry, has_lane_prefix
from journey.capture.sanitize import name_text
from journey.capture.session import InterviewSession
from journey.storage import entries, sessions, workshop
from journey.storage.browse import EntryScope
from journey.storage.errors import InvalidValue
from journey.storage.models import Entry, Session, Stage, Study

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
TIMER_OFF = ("off", "stop", "0")


def parse_duration(text: str) -> int:
    """`5m`, `90s`, `1m30s`, `1h` or a bare number of minutes, in seconds."""
    text = text.strip().lower().replace(" ", "")
    if text.isdigit():
        return int(text) * 60
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise InvalidValue(f"{text!r} is not a duration like 5m, 90s or 1m30s")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def sticky_line(line: str, lane: str | None) -> str:
    """A sticky typed into a lane's cell goes to that lane unless its own prefix names
    another (or it is a /command); typed on a row without a lane it is what it says."""
    if not lane or line.lstrip().startswith("/") or has_lane_prefix(line.lstrip()):
        return line
    return f"{lane}: {line}"


class WorkshopTimer:
    """`/timer 5m`: a countdown the banner shows; `/timer off` stops it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.deadline: float | None = None

    def set(self, argument: str) -> bool:
        """Start (or restart) the countdown, or stop it; whether it now runs."""
        if argument.strip().lower() in TIMER_OFF:
            self.deadline = None
            return False
        self.deadline = self.clock() + parse_duration(argument)
        return True

    @property
    def running(self) -> bool:
        return self.deadline is not None

    def left(self) -> int | None:
        """Whole seconds left, or None when no countdown runs."""
        if self.deadline is None:
            return None
        return max(0, round(self.deadline - self.clock()))

    def ran_out(self) -> bool:
        """True once, at the moment the countdown ends; it then stops."""
        if self.deadline is None or self.clock() < self.deadline:
            return False
        self.deadline = None
        return True


@dataclass(frozen=True)
class CellView:
    """One cell of the map as the items screen shows it: the map it was read from, its
    items by votes then by how often they were said, and this workshop's votes on them."""

    journey_map: JourneyMap
    items: tuple[MapItem, ...]
    mine: dict[str, int]


@dataclass(frozen=True)
class WorkshopSummary:
    """What a finished workshop did: its stickies, the items it voted on most (with their
    labels), the themes it made and the links it drew."""

    stickies: tuple[Entry, ...]
    votes: tuple[tuple[Entry, str, int], ...]  # (item's entry, its label, votes), most first
    votes_given: int
    themes: tuple[workshop.ThemeSummary, ...]
    links: tuple[workshop.Link, ...]


class WorkshopSession(InterviewSession):
    """The facilitator's workshop: stickies land at a chosen stage (a workshop records no
    stage progress, so the map's funnel counts customers only)."""

    def __init__(self, db: Database, session: Session, author: str | None = None) -> None:
        super().__init__(db, session, author)
        # A resumed workshop carries on with what it added before.
        self.added: list[str] = [entry.id for entry in self.entries]
        self.timer = WorkshopTimer()

    @classmethod
    def start_workshop(
        cls,
        db: Database,
        study: Study,
        *,
        facilitator: str | None = None,
        title: str | None = None,
    ) -> WorkshopSession:
        """A workshop session on the study's map; the facilitator is its interviewer.
        It records no first stage reached: a workshop is not a customer's journey."""
        session = sessions.start_session(
            db,
            study.id,
            participant_id=None,
            mode="workshop",
            interviewer=name_text(facilitator or "", "facilitator") or None,
            title=name_text(title or "", "title") or None,
        )
        return cls(db, session)

    @classmethod
    def open_workshop(
        cls,
        db: Database,
        study: Study,
        *,
        facilitator: str | None = None,
        title: str | None = None,
    ) -> tuple[WorkshopSession, bool]:
        """The facilitator's workshop in progress on the study (of `title`, when given),
        or a new one; and whether it was resumed. A workshop left without /done (a
        dropped SSH line, a lunch break) carries on where it was."""
        facilitator = name_text(facilitator or "", "facilitator") or None
        title = name_text(title or "", "title") or None
        found = sessions.open_workshop_of(db, study.id, facilitator, title)
        if found is not None:
            return cls(db, found), True
        return cls.start_workshop(db, study, facilitator=facilitator, title=title), False

    # -- stickies ----------------------------------------------------------------

    @property
    def last_sticky(self) -> str | None:
        return self.added[-1] if self.added else None

    def starting_stage(self) -> Stage:
        """Where the workshop carries on: its last sticky's stage, or the first."""
        last = self.entries[-1].stage_id if self.entries else None
        return next((s for s in self.stages if s.id == last), self.current_stage)

    def add_sticky(self, parsed: ParsedEntry, stage: Stage) -> Entry:
        entry = self.add(
            parsed.lane,
            parsed.text,
            channel=parsed.channel,
            emotion=parsed.emotion,
            effort=parsed.effort,
            tags=parsed.tags,
            stage=stage,
        )
        self.added.append(entry.id)
        return entry

    def undo(self) -> Entry | None:
        undone = super().undo()
        if undone is not None and undone.id in self.added:
            self.added.remove(undone.id)
        return undone

    def vote_last(self, delta: int) -> int | None:
        """/up, /down: a vote on the last sticky; its total, or None without a sticky."""
        if self.last_sticky is None:
            return None
        return workshop.vote(self.db, self.last_sticky, self.session.id, delta)

    # -- items of a cell -----------------------------------------------------------

    def vote_item(self, item: MapItem, delta: int) -> int:
        return workshop.vote_item(self.db, item.entry_id, self.session.id, delta)

    def group(self, items: Sequence[MapItem], title: str) -> workshop.Theme:
        """Make the items one theme: every entry of each item, as the map counts them."""
        entry_ids = [
            entry_id for item in items for entry_id in workshop.item_entries(self.db, item.entry_id)
        ]
        return workshop.group_entries(
            self.db, self.study.id, entry_ids, title, self.author, self.session.id
        )

    def ungroup(self, item: MapItem) -> None:
        if not item.theme_id:
            raise InvalidValue("only a theme can be ungrouped")
        workshop.ungroup(self.db, item.theme_id)

    def set_links(self, item: MapItem, pain_ids: Sequence[str]) -> tuple[int, int]:
        """The pains the opportunity `item` answers become exactly `pain_ids`; returns
        (linked, unlinked)."""
        return workshop.set_links(self.db, item.entry_id, pain_ids, self.author, self.session.id)

    def item_scope(self, item: MapItem) -> EntryScope:
        """The entries of an item (same stage, lane and key, or the same theme)."""
        return EntryScope(self.study.id, item_of=item.entry_id)

    def summary(self) -> WorkshopSummary:
        self.refresh()  # votes given since the entries were last read
        voted = sorted(
            workshop.session_votes(self.db, self.session.id).items(), key=lambda pair: -pair[1]
        )
        labels = workshop.item_labels(self.db, [entry_id for entry_id, _ in voted[:10]])
        top = []
        for entry_id, votes in voted[:10]:
            entry = entries.get_entry(self.db, entry_id)
            top.append((entry, labels.get(entry_id, entry.text), votes))
        return WorkshopSummary(
            stickies=tuple(self.entries),
            votes=tuple(top),
            votes_given=sum(votes for _, votes in voted),
            themes=tuple(workshop.session_themes(self.db, self.session.id)),
            links=tuple(workshop.study_links(self.db, self.study.id, self.session.id)),
        )


# -- reads on any connection (the screens run them in a worker) -------------------------


def read_cell(db: Database, study: Study, session_id: str, stage: Stage, lane: str) -> CellView:
    journey_map = build_map(db, study, top=None)
    items = sorted(
        journey_map.cell(stage, lane).items, key=lambda item: (-item.votes, -item.entries)
    )
    mine = workshop.session_item_votes(db, session_id, stage.id, lane)
    return CellView(journey_map, tuple(items), mine)


def read_links(db: Database, study: Study, item: MapItem) -> tuple[JourneyMap, set[str]]:
    """The whole map (its pain items to choose from) and the pain items `item` answers."""
    return build_map(db, study, top=None), workshop.linked_pains(db, item.entry_id)
