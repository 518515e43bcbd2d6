"""A small fixed study for the export tests: the same ids, times and bytes on every run.

Ids and clocks of the storage layer are replaced while it is built (a counter
for UUIDs, a clock that ticks one second per call), so the golden files in
tests/data/golden/ can be compared byte for byte.

Checkout study: stages Awareness, Consideration, Decision; channels Web, Phone, Store.

P01 new        ana  interview  formula-like and Markdown-active text, a quote with
                               a phone number, an e-mail address and a line break;
                               finished
P02 new        ben  interview  "-1" typed as an expectation; dropped "Too expensive"
P03 returning  ana  interview  "@SUM(A1)", an undone entry, a skipped stage, an entry
                               with control characters written past sanitising (as a
                               careless import would); dropped "Payment failed"
W1  (none)     kim  workshop   an opportunity voted 3 (edit log); dropped "Shipping cost"
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from journey.capture.quick_entry import ParsedEntry, parse_line
from journey.capture.session import InterviewSession
from journey.storage import entries, studies
from journey.storage.connection import open_database
from journey.storage.models import PromptSpec, StageSpec

STUDY = "Checkout study"
HYPERLINK = '=HYPERLINK("http://x","y")'
CONTROL_TEXT = "bell\x07 esc\x1b[31m red\u202e bidi\r\nnext\x85line\x00"
_PATCHED = (
    "journey.storage.studies",
    "journey.storage.sessions",
    "journey.storage.entries",
    "journey.capture.session",
)


@contextmanager
def fixed_ids_and_clock() -> Iterator[None]:
    counter = itertools.count(1)
    ticks = itertools.count(0)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def new_id() -> str:
        return f"00000000-0000-4000-8000-{next(counter):012d}"

    def now() -> str:
        return (start + timedelta(seconds=next(ticks))).isoformat(timespec="milliseconds")

    with pytest.MonkeyPatch.context() as patch:
        for module in _PATCHED:
            if module != "journey.capture.session":
                patch.setattr(f"{module}.new_id", new_id)
            patch.setattr(f"{module}.now", now)
        yield


def typed(session: InterviewSession, line: str):
    """Save a line as the interviewer would type it on the capture screen."""
    parsed = parse_line(line, session.channels)
    assert isinstance(parsed, ParsedEntry) and not parsed.needs_channel, parsed
    return session.add(
        parsed.lane,
        parsed.text,
        channel=parsed.channel,
        emotion=parsed.emotion,
        effort=parsed.effort,
        tags=parsed.tags,
    )


def build(path: Path) -> Path:
    with fixed_ids_and_clock():
        db = open_database(path, create=True)
        try:
            _build(db)
        finally:
            db.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE participants SET personal_name = 'Jo Doe', "
            "personal_contact = 'jo@example.com' WHERE code = 'P01'"
        )
    conn.close()
    return path


def _build(db) -> None:
    study = studies.create_study(
        db,
        STUDY,
        template="custom",
        description="Why carts are abandoned",
        stages=(
            StageSpec(
                "Awareness",
                "First contact with the brand",
                (
                    PromptSpec("goal", "What did you want?"),
                    PromptSpec("touchpoint", "Where did you look?", "channel"),
                ),
            ),
            StageSpec(
                "Consideration", prompts=(PromptSpec("expectation", "What did you expect?"),)
            ),
            StageSpec("Decision"),
        ),
        channels=("Web", "Phone", "Store"),
    )
    stage = {s.name: s for s in studies.stages(db, study.id)}

    a = InterviewSession.start(db, study, "P01", segment="new", interviewer="ana", consent=True)
    typed(a, "g: find a cheap one #price")
    typed(a, "t: web +2 e2 saw an ad, then searched")
    typed(a, "t: phone -2 e6 called them #support #phone")
    a.add(
        "quote",
        'He said: "call me on +44 20 7946 0958 or mail jo@example.com"\nthen hung up.',
    )
    typed(a, f"p: -1 {HYPERLINK}")
    a.next_stage()
    typed(a, "t: web 0 compared on the site; twice")
    typed(a, "p: -1 | pipes | <b>bold</b> `code` *stars* & [link](x)")
    typed(a, "d: +2 # not a heading")
    a.next_stage()
    typed(a, "d: ++ one-click pay #checkout")
    a.finish()

    b = InterviewSession.start(db, study, "P02", segment="new", interviewer="ben", consent=True)
    typed(b, "t: web +1 searched")
    typed(b, "n: the total price")
    typed(b, "g: Find a cheap one")
    b.next_stage()
    typed(b, "t: store -1 went to the store")
    b.add("expectation", "-1")
    b.drop("Too expensive")

    c = InterviewSession.start(
        db, study, "P03", segment="returning", interviewer="ana", consent=True
    )
    typed(c, "t: phone -1 rang support")
    typed(c, "@SUM(A1)")
    typed(c, "p: -2 typed by mistake")
    assert c.undo() is not None
    c.next_stage()
    c.skip()
    typed(c, "t: store +1 bought in store #checkout")
    typed(c, "o: +2 more staff")
    entries.add_entry(db, c.session.id, stage["Decision"].id, "note", CONTROL_TEXT, author="ana")
    c.drop("Payment failed")

    d = InterviewSession.start(db, study, "W1", interviewer="kim", mode="workshop", consent=True)
    typed(d, "p: -1 too many ads")
    voted = typed(d, "o: say who we are")
    entries.edit_entry(db, voted.id, author="kim", votes=3)
    d.next_stage()
    typed(d, "p: -- prices differ")
    d.drop("Shipping cost")


# --- the workshop on top: themes, links, votes from two workshop sessions -------------

THEME_TITLE = "Ads everywhere (ask kim@example.com)"


@contextmanager
def _workshop_ids_and_clock() -> Iterator[None]:
    counter = itertools.count(1)
    ticks = itertools.count(0)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    def new_id() -> str:
        return f"00000000-0000-4000-9000-{next(counter):012d}"

    def now() -> str:
        return (start + timedelta(seconds=next(ticks))).isoformat(timespec="milliseconds")

    with pytest.MonkeyPatch.context() as patch:
        for module in ("journey.storage.workshop", "journey.storage.sessions"):
            patch.setattr(f"{module}.new_id", new_id)
            patch.setattr(f"{module}.now", now)
        yield


def build_workshop(path: Path) -> Path:
    """The fixed study (`build`) after two workshop sessions: W1 and a second one
    without a participant ("lee"). Two pains grouped into a theme; an ungrouped
    (deleted) theme; the opportunity "say who we are" linked to two pains and
    voted by both sessions (1 + 2 on top of the 3 it had); "too many ads" voted
    once by the second session."""
    build(path)
    with _workshop_ids_and_clock():
        db = open_database(path)
        try:
            _build_workshop(db)
        finally:
            db.close()
    return path


def _build_workshop(db) -> None:
    from journey.storage import sessions, workshop

    study = studies.find_study(db, STUDY)
    assert study is not None
    entry = {
        row[1]: row[0]
        for row in db.conn.execute("SELECT id, text FROM entries WHERE deleted_at IS NULL")
    }
    first = db.conn.execute(
        "SELECT id FROM sessions WHERE mode = 'workshop' AND interviewer = 'kim'"
    ).fetchone()[0]
    second = sessions.start_session(
        db, study.id, participant_id=None, mode="workshop", interviewer="lee", title="Round two"
    ).id
    ads, prices, link_pain = entry["too many ads"], entry["prices differ"], entry[HYPERLINK]
    opportunity = entry["say who we are"]
    workshop.group_entries(db, study.id, [ads, link_pain], THEME_TITLE, author="kim")
    gone = workshop.group_entries(
        db, study.id, [entry["searched"], entry["saw an ad, then searched"]], "Search", "lee"
    )
    workshop.ungroup(db, gone.id)
    workshop.link(db, opportunity, [ads, prices], author="kim")
    workshop.vote(db, opportunity, first, +1)
    workshop.vote(db, opportunity, second, +1)
    workshop.vote(db, opportunity, second, +1)
    workshop.vote(db, ads, second, +1)
