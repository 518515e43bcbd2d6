"""Realistic demo interviews: for new users, tests and the benchmarks.

The same seed on the same database gives the same data, and repeated runs grow
one study. Nothing here touches a file: rows go to `storage.bulk` in batches.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from journey.capture.study import DEMO_STUDY_NAME, demo_study
from journey.capture.template import DEFAULT_TEMPLATE
from journey.storage import bulk, studies
from journey.storage.connection import write
from journey.storage.models import Stage, Study

DEMO_STUDY = DEMO_STUDY_NAME
BATCH_SESSIONS = 250
SEGMENTS = ("first-time buyer", "returning customer", "small business")
INTERVIEWERS = ("ana", "ben", "chloe", "dev", "eli")
FACILITATORS = ("kim", "lee")
# Interviews start 37 minutes apart from here: 10,000 sessions still end in the past.
_EPOCH = datetime(2026, 1, 5, 9, 0)
_SPACING = timedelta(minutes=37)

# Five phases of a journey; a study's stages are spread over them by position.
_PHASE_MOOD = (0.3, -0.2, -0.6, 0.4, 0.8)
_PHASE_DROP = (0.04, 0.14, 0.22, 0.12, 0.0)
_SEGMENT_MOOD = {"first-time buyer": -0.3, "returning customer": 0.35, "small business": 0.0}
_CHANNEL_MOOD = {
    "live chat": 0.6,
    "store / face to face": 0.6,
    "discounts and promotions": 0.5,
    "referral": 0.5,
    "reviews": 0.2,
    "app": 0.2,
    "phone": -0.6,
    "ads (ppc)": -0.5,
    "website": -0.3,
    "post-purchase support": -0.3,
    "email": -0.1,
}
_PHASE_CHANNELS = (
    ("Search", "Referral", "Ads (PPC)", "Social media", "Reviews"),
    ("Website", "Reviews", "Search", "Social media", "Live chat", "Store / face to face"),
    ("Website", "App", "Store / face to face", "Live chat", "Discounts and promotions", "Phone"),
    ("Email", "App", "Post-purchase support", "Phone", "Live chat"),
    ("Social media", "Reviews", "Referral", "Messaging app", "Email"),
)
_TEXT = {
    "goal": (
        (
            "find something that fits my budget",
            "replace my old one before it broke",
            "see what is out there",
            "get a recommendation from someone I trust",
        ),
        (
            "compare prices quickly",
            "find honest reviews",
            "understand what is included",
            "check delivery times before deciding",
        ),
        (
            "buy without creating an account",
            "pay the way I always pay",
            "get it delivered by the weekend",
            "finish the order on my phone",
        ),
        (
            "get it working the first day",
            "know what to do when something breaks",
            "get value for the subscription",
            "change my plan without calling",
        ),
        (
            "tell friends about a good deal",
            "leave a fair review",
            "help my team choose the same tool",
        ),
    ),
    "need": (
        (
            "a clear idea of the price range",
            "to know the brand is legitimate",
            "examples from people like me",
        ),
        (
            "a side-by-side comparison",
            "real photos, not renders",
            "the total price up front",
            "to know the return policy",
        ),
        (
            "a guest checkout",
            "the shipping cost before the last step",
            "a quick answer to one question",
            "a payment plan",
        ),
        (
            "setup instructions that match the product",
            "a human when the app fails",
            "a reminder before renewal",
        ),
        ("something worth sharing", "a referral code that works"),
    ),
    "expectation": (
        ("ads that match what the site sells", "a brand I had heard of"),
        ("prices that match the ad", "reviews I can filter", "a chat that answers at night"),
        ("checkout in under two minutes", "no surprise fees", "a confirmation e-mail at once"),
        ("delivery on the promised day", "support that knows my order", "no spam afterwards"),
        ("a thank-you for referring", "the review to be published"),
    ),
    "touchpoint": (
        (
            "saw an ad between videos",
            "a friend sent me a link",
            "searched for the category",
            "read a comparison blog",
            "an influencer mentioned it",
        ),
        (
            "browsed the product pages",
            "read the one-star reviews first",
            "asked in the chat",
            "went to the store to touch it",
            "watched an unboxing video",
        ),
        (
            "checkout asked me to register twice",
            "applied a discount code",
            "paid in the app",
            "called to confirm stock",
            "the basket emptied itself",
            "chat agent found my size",
        ),
        (
            "onboarding e-mails every day",
            "the app reminded me to set it up",
            "support ticket took a week",
            "chat solved it in five minutes",
        ),
        (
            "posted a photo of it",
            "wrote a review",
            "shared my referral link",
            "recommended it in a group chat",
        ),
    ),
    "pain": (
        ("too many ads before I knew what it was", "could not tell who was behind the brand"),
        ("prices differ between site and app", "reviews look fake", "no size guide"),
        (
            "shipping cost only shown at the end",
            "forced to create an account",
            "the payment failed twice",
            "too many steps to pay",
        ),
        ("setup guide out of date", "waited an hour on the phone", "renewal came as a surprise"),
        ("referral code did not work", "my review never appeared"),
    ),
    "delight": (
        ("the ad was actually funny", "a friend vouched for them"),
        ("the chat answered in seconds", "clear comparison table"),
        ("one-click payment", "delivered a day early", "free gift in the box"),
        ("the app set itself up", "support called me back"),
        ("they thanked me for the review", "my friend got a discount too"),
    ),
    "quote": (
        ("I had never heard of them before that ad.", "My sister swears by them."),
        ("I always read the bad reviews first.", "Why is the price different in the app?"),
        ("I just wanted to pay and go.", "At the last step the price jumped, so I left."),
        ("It worked out of the box, which never happens.", "I was on hold for ages."),
        ("I tell everyone about it.", "I would recommend it, with a warning about delivery."),
    ),
    "opportunity": (
        ("show who we are in the first ad",),
        ("show the total price on the product page", "add filters to reviews"),
        ("offer guest checkout", "show shipping cost in the basket"),
        ("call back instead of queueing", "remind before renewal"),
        ("make referral codes work in the app",),
    ),
    "note": (
        ("participant hesitant at first",),
        ("compared three brands on paper",),
        ("showed the order on their phone",),
        ("still a customer after a year",),
        ("active in online communities",),
    ),
}
_REASONS = (
    ("not interested after all", "chose a competitor"),
    ("too expensive", "chose a competitor", "could not find the right size"),
    ("too expensive", "shipping cost", "abandoned cart: too many steps", "payment failed"),
    ("product broke", "poor support", "cancelled subscription"),
    (),
)
_TAGS = {
    "pain": ("pricing", "checkout", "delivery", "support", "trust"),
    "delight": ("service", "speed", "delivery"),
    "opportunity": ("pricing", "checkout", "support"),
    "touchpoint": ("checkout", "mobile"),
}
# (lane, at least, at most) entries captured per stage reached
_PER_STAGE = (
    ("goal", 1, 3),
    ("need", 1, 3),
    ("expectation", 1, 2),
    ("touchpoint", 3, 6),
    ("pain", 1, 4),
    ("delight", 0, 3),
    ("quote", 1, 2),
    ("opportunity", 0, 2),
    ("note", 0, 1),
)

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoAdded:
    """What a demo run added: customer sessions (interviews, surveys) apart from workshops."""

    study: Study
    entries: int
    interviews: int
    surveys: int
    workshops: int

    @property
    def sessions(self) -> int:
        return self.interviews + self.surveys + self.workshops

    def describe(self) -> str:
        """`12 interviews, 1 survey and 1 workshop (230 entries)`."""
        parts = [
            _plural(self.interviews, "interview"),
            _plural(self.surveys, "survey"),
            _plural(self.workshops, "workshop"),
        ]
        return (
            f"{', '.join(parts[:2])} and {parts[2]} ({_plural(self.entries, 'entry', 'entries')})"
        )


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def _clamp(value: float) -> int:
    return max(-2, min(2, round(value)))


class _Generator:
    def __init__(self, db: Database, study: Study, seed: int, offset: int) -> None:
        self.rng = random.Random(f"{seed}:{offset}")
        self.study = study
        self.stages = studies.stages(db, study.id)
        self.channels = {c.name.lower(): c.id for c in studies.channels(db, study.id)}
        self.tags = bulk.existing_tags(db, study.id)
        # Ids are salted with the study, so two studies demoed with the same seed
        # never draw the same ids (the texts and numbers stay those of the seed).
        self.salt = uuid.uuid5(uuid.NAMESPACE_URL, f"journey-demo:{study.id}").int

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128) ^ self.salt, version=4))

    def phase(self, stage: Stage) -> int:
        last = max(len(self.stages) - 1, 1)
        return round((stage.position - 1) * 4 / last)

    def tag_id(self, name: str, rows: dict[str, list[dict]]) -> str:
        if name not in self.tags:
            self.tags[name] = self.uuid()
            rows["tags"].append({"id": self.tags[name], "study_id": self.study.id, "name": name})
        return self.tags[name]

    def session(self, number: int, rows: dict[str, list[dict]]) -> None:
        """The study's `number`th session (its participant is P`number`)."""
        rng = self.rng
        if number % 40 == 0:
            self.workshop(number, rows)
            return
        start = _EPOCH + _SPACING * number + timedelta(minutes=rng.randrange(30))
        segment = rng.choice(SEGMENTS)
        participant_id, session_id = self.uuid(), self.uuid()
        code = f"P{number:03d}"
        stamp = _iso(start)
        rows["participants"].append(
            {
                "id": participant_id,
                "study_id": self.study.id,
                "code": code,
                "segment": segment,
                "consent_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        clock = start
        last_stage = self.stages[0]
        # An interview still in progress has got as far as some stage, not to the end.
        finished = rng.random() < 0.93
        furthest = len(self.stages) if finished else rng.randint(1, len(self.stages))
        for stage in self.stages[:furthest]:
            phase = self.phase(stage)
            clock += timedelta(minutes=rng.randrange(2, 6))
            if 1 < stage.position < len(self.stages) and rng.random() < 0.04:
                rows["stage_progress"].append(
                    {
                        "session_id": session_id,
                        "stage_id": stage.id,
                        "outcome": "skipped",
                        "reason": None,
                        "at": _iso(clock),
                    }
                )
                continue
            last_stage = stage
            dropped = rng.random() < _PHASE_DROP[phase] and _REASONS[phase]
            mood = _PHASE_MOOD[phase] + _SEGMENT_MOOD[segment]
            for lane, low, high in _PER_STAGE:
                for _ in range(rng.randint(low, high)):
                    clock += timedelta(seconds=rng.randrange(20, 90))
                    self.entry(session_id, stage, phase, lane, mood, clock, rows)
            outcome = "dropped" if dropped else "reached"
            rows["stage_progress"].append(
                {
                    "session_id": session_id,
                    "stage_id": stage.id,
                    "outcome": outcome,
                    "reason": rng.choice(_REASONS[phase]) if dropped else None,
                    "at": _iso(clock),
                }
            )
            if dropped:
                break
        rows["sessions"].append(
            {
                "id": session_id,
                "study_id": self.study.id,
                "participant_id": participant_id,
                "mode": "survey" if rng.random() < 0.08 else "interview",
                "interviewer": rng.choice(INTERVIEWERS),
                "title": None,
                "started_at": stamp,
                "ended_at": _iso(clock) if finished else None,
                "status": "finished" if finished else "in_progress",
                "current_stage_id": last_stage.id,
                "updated_at": _iso(clock),
            }
        )

    def entry(
        self,
        session_id: str,
        stage: Stage,
        phase: int,
        lane: str,
        mood: float,
        clock: datetime,
        rows: dict[str, list[dict]],
        votes: int = 0,
    ) -> None:
        rng = self.rng
        channel_id = emotion = effort = None
        if lane == "touchpoint":
            name = rng.choice(_PHASE_CHANNELS[phase])
            channel_id = self.channels.get(name.lower())
            if channel_id is None and self.channels:
                # A study of other channels: a touchpoint always names one of its own.
                name, channel_id = rng.choice(sorted(self.channels.items()))
            if channel_id is not None:
                emotion = _clamp(rng.gauss(mood + _CHANNEL_MOOD.get(name.lower(), 0.0), 0.9))
                effort = max(1, min(7, round(rng.gauss(4 - emotion, 1.2))))
            else:
                lane = "note"  # a study without channels has no touchpoints
        elif lane == "pain":
            emotion = _clamp(rng.gauss(-1.4, 0.6)) if rng.random() < 0.8 else None
        elif lane == "delight":
            emotion = _clamp(rng.gauss(1.5, 0.6)) if rng.random() < 0.8 else None
        entry_id = self.uuid()
        stamp = _iso(clock)
        rows["entries"].append(
            {
                "id": entry_id,
                "session_id": session_id,
                "stage_id": stage.id,
                "lane": lane,
                "text": rng.choice(_TEXT[lane][phase]),
                "channel_id": channel_id,
                "emotion": emotion,
                "effort": effort,
                "votes": votes,
                "author": None,
                "prompt_id": None,
                "created_at": stamp,
                "updated_at": stamp,
                "deleted_at": None,
            }
        )
        if lane in _TAGS and rng.random() < 0.35:
            tag = self.tag_id(rng.choice(_TAGS[lane]), rows)
            rows["entry_tags"].append({"entry_id": entry_id, "tag_id": tag})

    def workshop(self, number: int, rows: dict[str, list[dict]]) -> None:
        rng = self.rng
        start = _EPOCH + _SPACING * number
        session_id = self.uuid()
        clock = start
        for stage in self.stages:
            phase = self.phase(stage)
            for lane in ("pain", "opportunity", "delight"):
                for _ in range(rng.randint(1, 3)):
                    clock += timedelta(minutes=1)
                    self.entry(
                        session_id, stage, phase, lane, 0.0, clock, rows, votes=rng.randint(0, 8)
                    )
        rows["sessions"].append(
            {
                "id": session_id,
                "study_id": self.study.id,
                "participant_id": None,
                "mode": "workshop",
                "interviewer": rng.choice(FACILITATORS),
                "title": f"Journey workshop {number // 40}",
                "started_at": _iso(start),
                "ended_at": _iso(clock),
                "status": "finished",
                "current_stage_id": self.stages[-1].id,
                "updated_at": _iso(clock),
            }
        )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def add_demo_sessions(
    db: Database,
    sessions: int,
    *,
    seed: int = 1,
    study_name: str = DEMO_STUDY,
    template: str | Path = DEFAULT_TEMPLATE,
    progress: ProgressCallback | None = None,
) -> DemoAdded:
    """Add `sessions` generated sessions to the demo study `study_name` (created from
    `template` when absent; a study of real research is refused): interviews, some
    surveys, and every 40th a workshop. Returns what was added, customer sessions apart
    from workshops.

    Each batch numbers its sessions (and so its participants' codes) and creates its
    tags inside its own write transaction, so demo runs started together all succeed."""
    study = demo_study(db, study_name, template)
    generator: _Generator | None = None
    entries = 0
    done = 0
    modes: Counter[str] = Counter()
    while done < sessions:
        size = min(BATCH_SESSIONS, sessions - done)
        rows: dict[str, list[dict]] = {table: [] for table in bulk.INSERT_ORDER}
        with write(db):
            first = bulk.next_session_number(db, study.id)
            if generator is None:
                generator = _Generator(db, study, seed, first - 1)
            generator.tags = bulk.existing_tags(db, study.id)
            for number in range(first, first + size):
                generator.session(number, rows)
            bulk.insert_batches(db, rows)
        entries += len(rows["entries"])
        modes.update(row["mode"] for row in rows["sessions"])
        done += size
        if progress is not None:
            progress(done, sessions)
    return DemoAdded(study, entries, modes["interview"], modes["survey"], modes["workshop"])
