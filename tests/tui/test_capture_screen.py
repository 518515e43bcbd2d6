"""Pilot and snapshot tests of the capture screen: every line typed ends up in the database.

Each pilot test drives the app with keys as an interviewer would and then reads
the database with its own connection, row by row.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.containers import Vertical
from textual.keys import _character_to_key
from textual.widgets import Checkbox, Input, OptionList, Select, Static

from journey.capture.sanitize import MAX_ENTRY_LENGTH
from journey.storage import open_database
from journey.storage.errors import DatabaseBusy, StorageFull
from journey.storage.studies import find_study
from journey.tui.app import CaptureRequest, make_app
from journey.tui.screens.capture_screen import CaptureScreen
from journey.tui.screens.channel_choice_screen import ChannelChoiceScreen
from journey.tui.screens.consent_screen import ConsentScreen
from journey.tui.screens.entry_form_screen import EntryFormScreen
from journey.tui.screens.help_screen import HelpScreen
from journey.tui.screens.new_interview_screen import NewInterviewScreen
from journey.tui.screens.summary_screen import SummaryScreen
from journey.tui.widgets.lane_card import LaneCard
from journey.tui.widgets.quick_entry_input import QuickEntryInput
from journey.tui.widgets.stage_stepper import StageStepper
from tests.tui.settle import settle

STUDY = "Checkout study"
FORM_FIELDS = ("#study", "#participant", "#segment", "#interviewer", "#mode", "#consent")


# -- helpers -------------------------------------------------------------------


def study_id(path: Path) -> str:
    with open_database(path, read_only=True) as db:
        study = find_study(db, STUDY)
    assert study is not None
    return study.id


def capture_app(path: Path, participant: str | None = "P01", **request):
    request.setdefault("interviewer", "ana")
    request.setdefault("consent", True)
    return make_app(
        path,
        capture=CaptureRequest(study_id(path), participant=participant, **request),
        poll_seconds=0.05,
        cursor_blink=False,
    )


def keystrokes(app, text: str, *, enter: bool = True) -> None:
    """Send `text` as the key events a terminal sends, back to back, without waiting.

    `pilot.press` waits for the app to go idle after every key (about 70 ms each);
    posting the same events in one burst is how a fast typist or a scripted
    terminal sends them, and keeps a long interview quick to test.
    """
    for char in text:
        app.post_message(events.Key(_character_to_key(char), char))
    if enter:
        app.post_message(events.Key("enter", "\r"))


async def type_line(pilot, text: str, *, enter: bool = True) -> None:
    """Type `text` (then Enter) and let the app handle it."""
    keystrokes(pilot.app, text, enter=enter)
    await settle(pilot)


async def paste_line(pilot, text: str, *, enter: bool = True) -> None:
    """Paste `text` into the focused input (then Enter), as a terminal's bracketed paste."""
    pilot.app.post_message(events.Paste(text))
    if enter:
        pilot.app.post_message(events.Key("enter", "\r"))
    await settle(pilot)


def entry_input(app) -> QuickEntryInput:
    return app.screen.query_one("#entry", QuickEntryInput)


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def live_entries(path: Path) -> list[tuple]:
    """Every live entry in capture order: stage, lane, text, channel, emotion, effort, tags."""
    rows = query(
        path,
        """
        SELECT st.name, e.lane, e.text, c.name, e.emotion, e.effort,
            coalesce((SELECT group_concat(name, ',') FROM (
                SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                WHERE et.entry_id = e.id ORDER BY t.name)), '')
        FROM entries e
        JOIN stages st ON st.id = e.stage_id
        LEFT JOIN channels c ON c.id = e.channel_id
        WHERE e.deleted_at IS NULL
        ORDER BY e.created_at, e.rowid
        """,
    )
    return [tuple(row) for row in rows]


def progress(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT st.name, sp.outcome, sp.reason FROM stage_progress sp "
        "JOIN stages st ON st.id = sp.stage_id ORDER BY st.position",
    )


def sessions(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT s.id, p.code, s.interviewer, s.mode, s.status, s.ended_at, st.name "
        "FROM sessions s LEFT JOIN participants p ON p.id = s.participant_id "
        "LEFT JOIN stages st ON st.id = s.current_stage_id ORDER BY s.started_at",
    )


def plain(widget: Static, width: int = 200) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


# -- 1. a whole interview through the quick-entry line ---------------------------


async def test_whole_interview_through_the_quick_entry_line(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        assert isinstance(app.screen, CaptureScreen)
        assert app.focused is entry_input(app)
        await pilot.press(*"g: compare prices quickly", "enter")  # key by key, as typed
        await pilot.pause()
        for line in [
            "t: web -1 e6 checkout asked me to register twice #checkout",
            "n: a guest checkout",
            "/undo",
            "n: a guest checkout option",
            "/edit a guest checkout, clearly labelled",
            "/next",
            "p: -2 shipping cost only at the end #pricing",
            "d: + the chat answered in seconds",
            "q: I just wanted to pay and go.",
            "e: no surprise fees",
            "o: show shipping cost in the basket",
            "a plain note",
            "/stage 4",
            "/prev",
            "t: store e2 picked it up the same day #Pickup #checkout",
            "/next",
            "/skip",
        ]:
            await type_line(pilot, line)
            assert entry_input(app).value == "", line
        screen = app.screen
        assert isinstance(screen, CaptureScreen)
        assert screen.session.current_stage.name == "Advocacy"
        await type_line(pilot, "/stage dec")
        assert screen.session.current_stage.name == "Decision"
        await type_line(pilot, "/drop too expensive")
        await type_line(pilot, "/done")
        assert isinstance(app.screen, SummaryScreen)
        shown = "\n".join(plain(s) for s in app.screen.query(Static))
        assert "Interview finished" in shown and "P01" in shown
        assert "dropped: too expensive" in shown and "skipped" in shown
        await pilot.press("enter")
        await pilot.pause()
    assert not app.is_running

    assert live_entries(study_db) == [
        ("Awareness", "goal", "compare prices quickly", None, None, None, ""),
        (
            "Awareness",
            "touchpoint",
            "checkout asked me to register twice",
            "Website",
            -1,
            6,
            "checkout",
        ),
        ("Awareness", "need", "a guest checkout, clearly labelled", None, None, None, ""),
        (
            "Consideration",
            "pain",
            "shipping cost only at the end",
            None,
            -2,
            None,
            "pricing",
        ),
        ("Consideration", "delight", "the chat answered in seconds", None, 1, None, ""),
        ("Consideration", "quote", "I just wanted to pay and go.", None, None, None, ""),
        ("Consideration", "expectation", "no surprise fees", None, None, None, ""),
        ("Consideration", "opportunity", "show shipping cost in the basket", None, None, None, ""),
        ("Consideration", "note", "a plain note", None, None, None, ""),
        (
            "Decision",
            "touchpoint",
            "picked it up the same day",
            "Store / face to face",
            None,
            2,
            "Pickup,checkout",
        ),
    ]
    # /undo soft-deletes: the row stays, with deleted_at set, and the audit log says so.
    deleted = query(
        study_db, "SELECT id, text, deleted_at FROM entries WHERE deleted_at IS NOT NULL"
    )
    assert [(text, bool(at)) for _id, text, at in deleted] == [("a guest checkout", True)]
    assert query(study_db, "SELECT count(*) FROM entries") == [(11,)]
    edits = query(study_db, "SELECT entry_id, field, old, new, author FROM edits ORDER BY rowid")
    assert [(f, o, a) for _e, f, o, _n, a in edits] == [
        ("deleted_at", None, "ana"),
        ("text", "a guest checkout option", "ana"),
    ]
    assert edits[0][0] == deleted[0][0] and edits[0][3] == deleted[0][2]
    assert edits[1][3] == "a guest checkout, clearly labelled"
    assert progress(study_db) == [
        ("Awareness", "reached", None),
        ("Consideration", "reached", None),
        ("Decision", "dropped", "too expensive"),
        ("Retention", "skipped", None),
        ("Advocacy", "reached", None),
    ]
    ((_id, code, interviewer, mode, status, ended_at, stage),) = sessions(study_db)
    assert (code, interviewer, mode, status, stage) == (
        "P01",
        "ana",
        "interview",
        "finished",
        "Decision",
    )
    assert ended_at
    assert query(study_db, "SELECT count(*) FROM drafts") == [(0,)]
    assert query(study_db, "SELECT DISTINCT author FROM entries") == [("ana",)]


# -- 2. the same through keys and the form ------------------------------------------


async def choose(pilot, select_id: str, moves: list[str]) -> None:
    """Open the focused form's Select with Enter, move with the arrows, Enter to choose."""
    select = pilot.app.screen.query_one(select_id, Select)
    select.focus()
    await pilot.pause()
    await pilot.press("enter", *moves, "enter")
    await pilot.pause()


async def test_the_entry_form_fits_80x24_with_or_without_its_error(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryFormScreen)
        box = form.query_one(Vertical)
        error = form.query_one("#error", Static)

        def fits() -> None:
            assert box.max_scroll_y == 0  # nothing below the fold
            for selector in (
                *("#lane", "#text", "#channel", "#emotion", "#effort", "#tags"),
                *("#error", "#cancel", "#save"),
            ):
                assert box.content_region.contains_region(form.query_one(selector).region)

        fits()
        await pilot.click("#save")  # no text
        await pilot.pause()
        assert isinstance(app.screen, EntryFormScreen)
        assert "empty" in plain(error)
        fits()
        # The longest error there is takes three lines beside the buttons: still no scrolling.
        assert app.focused is form.query_one("#text", Input)
        app.focused.value = "x" * (MAX_ENTRY_LENGTH + 1)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EntryFormScreen)
        assert "limit" in plain(error)
        assert error.region.height == 3
        fits()


async def test_the_form_takes_only_the_fields_of_the_lane(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryFormScreen)

        def enabled() -> list[str]:
            return [
                name
                for name in ("channel", "emotion", "effort")
                if not form.query_one(f"#{name}", Select).disabled
            ]

        assert enabled() == []  # a note takes none of them
        await choose(pilot, "#lane", ["up"] * 5)  # note -> touchpoint
        assert enabled() == ["channel", "emotion", "effort"]
        form.query_one("#text", Input).value = "asked me to register twice"
        await pilot.click("#save")  # no channel chosen
        await pilot.pause()
        assert app.screen is form
        assert plain(form.query_one("#error", Static)).strip() == (
            "a touchpoint needs its channel: choose one"
        )
        assert app.focused is form.query_one("#channel", Select)
        assert query(study_db, "SELECT count(*) FROM entries") == [(0,)]

        # A channel and an effort chosen, then the lane changed to a pain: the pain keeps
        # its emotion, and neither the channel nor the effort goes with it.
        await choose(pilot, "#channel", ["down"] * 5)  # Website
        await choose(pilot, "#emotion", ["down"] * 4)  # -1
        await choose(pilot, "#effort", ["down"] * 6)  # 6
        await choose(pilot, "#lane", ["down"])  # touchpoint -> pain
        assert form.query_one("#lane", Select).value == "pain"
        assert enabled() == ["emotion"]
        assert [
            form.query_one(f"#{name}", Select).is_blank() for name in ("channel", "effort")
        ] == [
            True,
            True,
        ]
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
    assert query(study_db, "SELECT lane, text, channel_id, emotion, effort FROM entries") == [
        ("pain", "asked me to register twice", None, -1, None)
    ]


async def test_interview_through_keys_and_the_form(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, CaptureScreen)
        # The form: lane, text, channel, emotion, effort and tags with the keyboard.
        await pilot.press("ctrl+f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EntryFormScreen)
        assert app.focused is form.query_one("#lane", Select)
        await pilot.press("enter", *["up"] * 5, "enter")  # note -> touchpoint
        await pilot.pause()
        assert form.query_one("#lane", Select).value == "touchpoint"
        await pilot.press("tab")
        await type_line(pilot, "asked me to register twice", enter=False)
        await pilot.press("tab", "enter", *["down"] * 5, "enter")  # (none) -> Website
        await pilot.pause()
        await pilot.press("tab", "enter", *["down"] * 4, "enter")  # (none) +2 +1 0 -> -1
        await pilot.pause()
        await pilot.press("tab", "enter", *["down"] * 6, "enter")  # (none) 1..6
        await pilot.pause()
        values = [
            form.query_one(f"#{name}", Select).value for name in ("channel", "emotion", "effort")
        ]
        channel_ids = {c.name: c.id for c in screen.session.channels}
        assert values == [channel_ids["Website"], -1, 6]
        await pilot.press("tab")
        await type_line(pilot, "checkout, #signup")  # Enter in the tags field saves
        assert isinstance(app.screen, CaptureScreen)
        # A quick line, undone with ctrl+z.
        await type_line(pilot, "g: find a gift")
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert "Removed goal: find a gift" in notices(app)
        # ctrl+n: next stage; a pain through the form with an emotion only.
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.session.current_stage.name == "Consideration"
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter", *["up"] * 4, "enter")  # note -> pain
        await pilot.press("tab")
        await type_line(pilot, "shipping cost only at the end", enter=False)
        await choose(pilot, "#emotion", ["down"] * 5)  # -2
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        # ctrl+n, ctrl+b: forward to Decision and back to Consideration.
        await pilot.press("ctrl+n", "ctrl+b")
        await pilot.pause()
        assert screen.session.current_stage.name == "Consideration"
        # The form's defaults: a note with text only.
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("tab")
        await type_line(pilot, "compared three shops")
        # An empty text is refused in the form; Escape cancels and saves nothing.
        await pilot.press("ctrl+f")
        await pilot.pause()
        form = app.screen
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, EntryFormScreen)
        assert "empty" in plain(form.query_one("#error", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        assert app.focused is entry_input(app)
        # F1 shows the help; Escape closes it.
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)

    assert live_entries(study_db) == [
        (
            "Awareness",
            "touchpoint",
            "asked me to register twice",
            "Website",
            -1,
            6,
            "checkout,signup",
        ),
        ("Consideration", "pain", "shipping cost only at the end", None, -2, None, ""),
        ("Consideration", "note", "compared three shops", None, None, None, ""),
    ]
    assert query(study_db, "SELECT lane, text FROM entries WHERE deleted_at IS NOT NULL") == [
        ("goal", "find a gift")
    ]
    assert progress(study_db) == [
        ("Awareness", "reached", None),
        ("Consideration", "reached", None),
        ("Decision", "reached", None),
    ]
    ((_id, _code, _who, _mode, status, ended_at, stage),) = sessions(study_db)
    assert (status, ended_at, stage) == ("in_progress", None, "Consideration")


# -- 3. a channel that is unknown, ambiguous or missing -----------------------------


def channel_names(path: Path) -> list[str]:
    return [name for (name,) in query(path, "SELECT name FROM channels ORDER BY rowid")]


async def test_unknown_channel_is_added_from_the_modal(study_db: Path) -> None:
    before = channel_names(study_db)
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "t: pigeon -1 e4 the letter came late")
        modal = app.screen
        assert isinstance(modal, ChannelChoiceScreen)
        question = plain(modal.query_one(Static))
        assert "No channel is called pigeon" in question
        options = modal.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt) == "+ Add pigeon as a new channel"
        assert options.option_count == 1 + len(before)
        assert app.focused is options
        await pilot.press("enter")  # the first option: add it
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        assert entry_input(app).value == ""
        # Known from now on: the next line needs no question.
        await type_line(pilot, "t: Pigeon + the reply came back fast")
        assert isinstance(app.screen, CaptureScreen)
    assert channel_names(study_db) == [*before, "pigeon"]
    assert live_entries(study_db) == [
        ("Awareness", "touchpoint", "the letter came late", "pigeon", -1, 4, ""),
        ("Awareness", "touchpoint", "the reply came back fast", "pigeon", 1, None, ""),
    ]


async def test_ambiguous_channel_is_picked_and_escape_keeps_the_line(study_db: Path) -> None:
    before = channel_names(study_db)
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "t: s -2 e7 nothing worked #broken")
        modal = app.screen
        assert isinstance(modal, ChannelChoiceScreen)
        assert "Which channel is s?" in plain(modal.query_one(Static))
        options = modal.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown == ["Search", "Social media", "Store / face to face"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        # Escape in the modal: nothing saved, the line is back in the input.
        line = "t: nowhere 0 just browsing"
        await type_line(pilot, line)
        assert isinstance(app.screen, ChannelChoiceScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        assert entry_input(app).value == line
        assert app.focused is entry_input(app)
        assert any("Not saved" in n for n in notices(app))
        await type_line(pilot, " more", enter=False)  # typing goes on after the line
        assert entry_input(app).value == line + " more"
        # No channel at all: the modal asks which one, without offering to add "".
        await pilot.press("ctrl+u")
        await type_line(pilot, "t: -1 slow to load")
        modal = app.screen
        assert isinstance(modal, ChannelChoiceScreen)
        assert plain(modal.query_one(Static)).strip() == "Which channel was it? Pick one:"
        options = modal.query_one(OptionList)
        assert options.option_count == len(before)
        assert "Add" not in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")  # the first channel, Search
        await pilot.pause()
    assert channel_names(study_db) == before
    assert live_entries(study_db) == [
        ("Awareness", "touchpoint", "nothing worked", "Social media", -2, 7, "broken"),
        ("Awareness", "touchpoint", "slow to load", "Search", -1, None, ""),
    ]
    assert query(study_db, "SELECT text FROM drafts") == []


async def test_every_channel_shows_when_there_is_room_and_the_list_scrolls_when_not(
    study_db: Path,
) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, "t: pigeon -1 the letter came late")
        modal = app.screen
        assert isinstance(modal, ChannelChoiceScreen)
        box = modal.query_one(Vertical)
        options = modal.query_one(OptionList)
        assert options.option_count == 1 + len(channel_names(study_db))
        for size, scrolls in (((80, 24), False), ((120, 40), False), ((80, 14), True)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            # The list with its borders inside the dialog, the dialog inside the screen.
            assert box.content_region.contains_region(options.region), size
            assert modal.region.contains_region(box.region), size
            assert (options.max_scroll_y > 0) is scrolls, size


# -- 4. leaving mid-line and resuming --------------------------------------------------


async def test_leaving_mid_line_and_resuming(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "g: compare prices quickly")
        await type_line(pilot, "/next")
        await type_line(pilot, "n: half a thought", enter=False)
        await pilot.pause(1.0)  # past the draft delay
        assert query(study_db, "SELECT text FROM drafts") == [("n: half a thought",)]
        session_id = app.screen.session.session.id
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running
    ((sid, _code, _who, _mode, status, _ended, stage),) = sessions(study_db)
    assert (sid, status, stage) == (session_id, "in_progress", "Consideration")

    again = capture_app(study_db)
    async with again.run_test() as pilot:
        screen = again.screen
        assert isinstance(screen, CaptureScreen)
        assert screen.session.session.id == session_id
        assert screen.session.current_stage.name == "Consideration"
        line = entry_input(again)
        assert line.value == "n: half a thought"
        assert line.cursor_position == len(line.value)
        assert "Your unsent line was restored." in notices(again)
        await type_line(pilot, ", finished")
        assert query(study_db, "SELECT text FROM drafts") == []
    assert len(sessions(study_db)) == 1
    assert live_entries(study_db) == [
        ("Awareness", "goal", "compare prices quickly", None, None, None, ""),
        ("Consideration", "need", "half a thought, finished", None, None, None, ""),
    ]


# -- 5. a failed save keeps the line ------------------------------------------------


async def until(pilot, done, seconds: float = 10.0) -> None:
    """Let the app run until `done()` holds (a generous deadline, for a loaded machine)."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    assert done()


async def test_a_held_lock_does_not_freeze_the_capture_screen(study_db: Path) -> None:
    """Another program holds the write lock: the line waits in view, keys keep working,
    and once the lock is released the line is saved without another Enter."""
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        other = sqlite3.connect(study_db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            await type_line(pilot, "n: a guest checkout #checkout")
            line = entry_input(app)
            assert line.value == "n: a guest checkout #checkout"
            assert str(line.border_subtitle).startswith("waiting for the database")
            # The screen answers keys while the lock is held (a save waiting on the
            # lock in the UI thread would hold them until it timed out).
            await pilot.press("home")
            assert line.cursor_position == 0
            await pilot.press("end")
            assert line.cursor_position == len(line.value)
            await pilot.pause(1.2)  # retried meanwhile, and still waiting
            assert str(line.border_subtitle).startswith("waiting for the database")
            assert line.value == "n: a guest checkout #checkout"
            assert query(study_db, "SELECT count(*) FROM entries") == [(0,)]
        finally:
            other.execute("ROLLBACK")
            other.close()
        await until(pilot, lambda: line.value == "")
        assert not line.has_class("-unsaved")
        assert str(line.border_subtitle).startswith("saved need")
        await pilot.pause(0.8)  # a pending draft save must not bring the line back
        assert line.value == ""
    assert live_entries(study_db) == [
        ("Awareness", "need", "a guest checkout", None, None, None, "checkout")
    ]
    assert query(study_db, "SELECT count(*) FROM entries") == [(1,)]
    assert query(study_db, "SELECT text FROM drafts") == []


async def test_a_waiting_line_typed_on_is_sent_by_enter(
    study_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import journey.storage.entries

    real_add = journey.storage.entries.add_entry

    def busy(*args, **kwargs):
        raise DatabaseBusy("the database is locked")

    app = capture_app(study_db)
    async with app.run_test() as pilot:
        monkeypatch.setattr(journey.storage.entries, "add_entry", busy)
        await type_line(pilot, "q: I just wanted to pay")
        line = entry_input(app)
        assert line.value == "q: I just wanted to pay"
        assert str(line.border_subtitle).startswith("waiting for the database")
        assert app.is_running and isinstance(app.screen, CaptureScreen)
        await type_line(pilot, " and go", enter=False)  # the kept line goes on
        assert line.value == "q: I just wanted to pay and go"
        await pilot.pause(0.8)  # edited: no longer sent on its own
        assert line.border_subtitle == "NOT SAVED: press Enter to save the line"
        monkeypatch.setattr(journey.storage.entries, "add_entry", real_add)
        await pilot.pause(0.8)
        assert line.value == "q: I just wanted to pay and go"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # Enter on an empty line does nothing
        await pilot.pause()
    assert live_entries(study_db) == [
        ("Awareness", "quote", "I just wanted to pay and go", None, None, None, "")
    ]


async def test_a_failed_save_keeps_the_line_and_enter_retries(
    study_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import journey.storage.entries

    real_add = journey.storage.entries.add_entry

    def full(*args, **kwargs):
        raise StorageFull("the disk is full; nothing of this change was saved")

    app = capture_app(study_db)
    async with app.run_test() as pilot:
        monkeypatch.setattr(journey.storage.entries, "add_entry", full)
        await type_line(pilot, "n: a guest checkout")
        line = entry_input(app)
        assert line.value == "n: a guest checkout"
        assert line.border_subtitle == "NOT SAVED"
        assert line.has_class("-unsaved")
        assert any(n.startswith("Not saved: the disk is full") for n in notices(app))
        monkeypatch.setattr(journey.storage.entries, "add_entry", real_add)
        await pilot.press("enter")
        await pilot.pause()
        assert line.value == ""
        assert str(line.border_subtitle).startswith("saved need")
    assert [text for _s, _l, text, *_ in live_entries(study_db)] == ["a guest checkout"]


# -- 6. fast typing ----------------------------------------------------------------


async def test_lines_typed_back_to_back_stay_separate_and_in_order(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await pilot.press(*"n: one", "enter", *"n: two", "enter", *"n: three", "enter")
        await pilot.pause()
        # A burst: every key of twenty lines sent before the app handles the first.
        for n in range(20):
            keystrokes(app, f"g: goal {n}")
        await pilot.pause()
        assert entry_input(app).value == ""
    assert [(lane, text) for _s, lane, text, *_ in live_entries(study_db)] == [
        ("need", "one"),
        ("need", "two"),
        ("need", "three"),
        *[("goal", f"goal {n}") for n in range(20)],
    ]


# -- 7. hostile text ----------------------------------------------------------------

HOSTILE = [
    # (pasted, stored and shown)
    ("[bold]x[/]", "[bold]x[/]"),
    ("[@click=app.quit]go[/]", "[@click=app.quit]go[/]"),
    ("[link=http://x]y[/]", "[link=http://x]y[/]"),
    ("\x1b[2Jclear", "[2Jclear"),
    ("nul\x00byte", "nulbyte"),
    ("bell\x07 and csi\x9b31m", "bell and csi31m"),
    ("right\u202eto left", "rightto left"),
    ("family 👩\u200d👩\u200d👧", "family 👩\u200d👩\u200d👧"),
    ("顧客 の旅", "顧客 の旅"),
    ("العميل دفع مرتين", "العميل دفع مرتين"),
]


async def test_hostile_text_is_stored_clean_and_shown_literally(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        for pasted, _stored in HOSTILE:
            await paste_line(pilot, pasted)
            assert entry_input(app).value == "", pasted
        card = app.screen.query_one("#lane-note", LaneCard)
        shown = plain(card)
        for _pasted, stored in HOSTILE:
            assert f"• {stored}\n" in shown
        # The card is plain text: clicking the "[@click=app.quit]" line does nothing.
        await pilot.click("#lane-note", offset=(6, 2))
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, CaptureScreen)
    texts = [text for _s, _l, text, *_ in live_entries(study_db)]
    assert texts == [stored for _pasted, stored in HOSTILE]
    for text in texts:
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), repr(text)


async def test_an_over_long_paste_is_refused_and_kept(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        line = "n: " + "very long answer " * 1200  # over 20,000 characters
        assert len(line) > 20_000
        entry_input(app).value = line
        await pilot.press("enter")
        await pilot.pause()
        assert entry_input(app).value == line
        assert any("the limit is 10,000" in n for n in notices(app))
        assert isinstance(app.screen, CaptureScreen)
    assert query(study_db, "SELECT count(*) FROM entries") == [(0,)]


# -- 8. the new-interview form -------------------------------------------------------


async def test_new_interview_form_needs_consent_and_starts_the_session(study_db: Path) -> None:
    app = capture_app(study_db, participant=None, interviewer=None)
    async with app.run_test(size=(80, 30)) as pilot:
        form = app.screen
        assert isinstance(form, NewInterviewScreen)
        participant = form.query_one("#participant", Input)
        assert participant.value == "P01" and app.focused is participant
        await pilot.press("ctrl+u")
        await type_line(pilot, "P07", enter=False)
        await pilot.press("tab")
        await type_line(pilot, "first-time buyer", enter=False)
        await pilot.press("tab", "ctrl+u")
        await type_line(pilot, "ana")  # Enter in a field: Start, without consent
        assert isinstance(app.screen, NewInterviewScreen)
        assert "Tick 'Consent given'" in plain(form.query_one("#error", Static))
        consent = form.query_one("#consent", Checkbox)
        assert app.focused is consent and not consent.value
        assert query(study_db, "SELECT count(*) FROM participants") == [(0,)]
        assert query(study_db, "SELECT count(*) FROM sessions") == [(0,)]
        await pilot.press("space")
        assert consent.value
        await pilot.click("#start")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CaptureScreen)
        assert screen.sub_title == "Checkout study · P07 (first-time buyer) · ana"
        assert app.focused is entry_input(app)
        await type_line(pilot, "g: a present for my sister")
    ((code, segment, consent_at),) = query(
        study_db, "SELECT code, segment, consent_at FROM participants"
    )
    assert (code, segment) == ("P07", "first-time buyer") and consent_at
    ((_id, code, interviewer, mode, status, ended_at, stage),) = sessions(study_db)
    assert (code, interviewer, mode, status, ended_at, stage) == (
        "P07",
        "ana",
        "interview",
        "in_progress",
        None,
        "Awareness",
    )
    assert live_entries(study_db) == [
        ("Awareness", "goal", "a present for my sister", None, None, None, "")
    ]


async def test_two_interviewers_accepting_the_same_suggested_code_both_start(
    study_db: Path,
) -> None:
    """Both forms suggest P01; the first to start gets it, the second gets P02 and is told."""
    first, second = (capture_app(study_db, participant=None) for _ in range(2))
    async with first.run_test(size=(80, 30)) as one, second.run_test(size=(80, 30)) as two:
        for app in (first, second):
            assert isinstance(app.screen, NewInterviewScreen)
            assert app.screen.query_one("#participant", Input).value == "P01"
            app.screen.query_one("#consent", Checkbox).value = True
        await one.click("#start")
        await one.pause()
        await two.click("#start")
        await two.pause()
        assert isinstance(first.screen, CaptureScreen) and isinstance(second.screen, CaptureScreen)
        assert first.screen.sub_title.startswith("Checkout study · P01")
        assert second.screen.sub_title.startswith("Checkout study · P02")
        assert "P01 was taken a moment ago by another interview: this participant is P02." in (
            notices(second)
        )
        assert not any("already taken" in notice for notice in notices(second))
    assert query(study_db, "SELECT code FROM participants ORDER BY code") == [("P01",), ("P02",)]
    assert [code for _id, code, *_ in sessions(study_db)] == ["P01", "P02"]


async def test_the_whole_new_interview_form_fits_80x24(study_db: Path) -> None:
    app = capture_app(study_db, participant=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewInterviewScreen)
        box = form.query_one(Vertical)
        assert box.max_scroll_y == 0  # no scrollbar: nothing is below the fold
        screen = form.region
        for selector in (".title", *FORM_FIELDS, "#start", "#cancel"):
            widget = form.query_one(selector)
            assert screen.contains_region(widget.region), selector
        # One line per field.
        for selector in FORM_FIELDS:
            assert form.query_one(selector).region.height == 1, selector
        title = form.query_one(".title", Static)
        assert plain(title).strip() == "New interview"


async def test_the_consent_box_says_whether_it_is_ticked(study_db: Path) -> None:
    app = capture_app(study_db, participant=None)
    async with app.run_test(size=(80, 24)) as pilot:
        consent = app.screen.query_one("#consent", Checkbox)
        assert str(consent.label).startswith("Consent given: not yet")
        consent.focus()
        await pilot.press("space")
        assert consent.value
        assert str(consent.label) == "Consent given: yes, recorded with the time"
        await pilot.press("space")
        assert not consent.value
        assert str(consent.label).startswith("Consent given: not yet")


async def test_cancelling_the_new_interview_form_writes_nothing(study_db: Path) -> None:
    app = capture_app(study_db, participant=None)
    async with app.run_test() as pilot:
        assert isinstance(app.screen, NewInterviewScreen)
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running
    assert query(study_db, "SELECT count(*) FROM participants") == [(0,)]
    assert query(study_db, "SELECT count(*) FROM sessions") == [(0,)]


async def test_a_multi_line_paste_is_kept_whole_and_once(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "q: ", enter=False)
        await paste_line(pilot, "I just wanted\n  to pay\n\nand go.", enter=False)
        assert entry_input(app).value == "q: I just wanted to pay and go."
        await pilot.press("enter")
        await pilot.pause()
    assert live_entries(study_db) == [
        ("Awareness", "quote", "I just wanted to pay and go.", None, None, None, "")
    ]


# -- 9. the stage bar ---------------------------------------------------------------------


def stage_bar(app) -> str:
    return app.screen.query_one(StageStepper).render().plain


async def test_the_stage_bar_keeps_entry_counts_apart_from_the_marks(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, "g: cheap")
        await type_line(pilot, "n: fast")
        assert stage_bar(app).startswith("▶ 1 Awareness (2) › ·2 Consi")
        await pilot.press("ctrl+n")
        for line in ("g: compare", "n: the total", "e: no fees"):
            await type_line(pilot, line)
        # ✓ marks a stage reached; the count of entries is in brackets, the current
        # stage's too, with no mark of its own to be read as one.
        bar = stage_bar(app)
        assert bar == "✓1 Aware… (2) › ▶ 2 Consideration (3) › ·3 Decis… › ·4 Reten… › ·5 Advoc…"
        assert len(bar) <= 80
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert stage_bar(app) == (
            "✓1 Awareness (2) › ▶ 2 Consideration (3) › ·3 Decision › ·4 Retention › ·5 Advocacy"
        )


# -- snapshots -----------------------------------------------------------------------

ONE_LINE_PER_LANE = [
    "g: compare prices quickly",
    "n: a guest checkout",
    "e: no surprise fees",
    "t: web -1 e6 asked me to register twice #checkout",
    "p: -2 shipping cost only at the end #pricing",
    "d: ++ the chat answered in seconds",
    "q: I just wanted to pay and go.",
    "o: show shipping cost in the basket",
    "a plain note [@click=app.quit]not a link[/]",
]


@pytest.fixture(autouse=True)
def _in_db_folder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # The header shows the database path as given: relative, so snapshots are stable.
    if "snap_compare" in request.fixturenames:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr("getpass.getuser", lambda: "ana")


def snapshot_app(path: Path, participant: str | None = "P01"):
    relative = path.relative_to(Path.cwd()) if path.is_absolute() else path
    return make_app(
        relative,
        capture=CaptureRequest(
            study_id(path), participant=participant, interviewer="ana", consent=True
        ),
        poll_seconds=0.05,
        cursor_blink=False,
    )


def typing(*lines: str):
    async def run_before(pilot) -> None:
        for line in lines:
            await type_line(pilot, line)
        pilot.app.clear_notifications()  # toasts time out: keep them out of the picture
        await pilot.pause()

    return run_before


def test_snapshot_new_interview_form(snap_compare, study_db: Path) -> None:
    app = snapshot_app(study_db, participant=None)
    assert snap_compare(app, press=["tab", *"returning"], terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_capture_screen_with_every_lane(snap_compare, study_db: Path, size) -> None:
    app = snapshot_app(study_db)
    assert snap_compare(app, run_before=typing(*ONE_LINE_PER_LANE), terminal_size=size)


def test_snapshot_new_interview_form_consent_given_no_color(
    snap_compare, study_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without colour, the box and its label still say that consent was given.
    monkeypatch.setenv("NO_COLOR", "1")
    app = snapshot_app(study_db, participant=None)
    keys = ["tab", "tab", "tab", "tab", "space"]
    assert snap_compare(app, press=keys, terminal_size=(80, 24))


def test_snapshot_help(snap_compare, study_db: Path) -> None:
    assert snap_compare(snapshot_app(study_db), press=["f1"], terminal_size=(80, 24))


def test_snapshot_summary_after_done(snap_compare, study_db: Path) -> None:
    run_before = typing(
        "g: compare prices quickly",
        "t: web -1 e6 asked me to register twice",
        "/next",
        "p: -2 shipping cost only at the end",
        "d: + the chat answered in seconds",
        "/next",
        "/drop too expensive",
        "/done",
    )
    assert snap_compare(snapshot_app(study_db), run_before=run_before, terminal_size=(80, 24))


# -- /edit reads its line as a new line -------------------------------------------------------


async def test_edit_with_a_prefix_changes_lane_emotion_and_tags(study_db: Path) -> None:
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "n: a slow page")
        await type_line(pilot, "/edit p: -2 very slow page #speed")
        assert live_entries(study_db) == [
            ("Awareness", "pain", "very slow page", None, -2, None, "speed")
        ]
        # /edit alone puts the last entry back as the line that would save it.
        await type_line(pilot, "/edit")
        assert entry_input(app).value == "/edit p: -2 very slow page #speed"
        entry_input(app).value = ""
        # Without a prefix the lane stays; what the line types changes.
        await type_line(pilot, "/edit -1 slow page after all")
        assert live_entries(study_db) == [
            ("Awareness", "pain", "slow page after all", None, -1, None, "speed")
        ]
        assert "Edited (text, emotion)" in notices(app)[-1]
        # A channel the study lacks changes nothing and keeps the line.
        await type_line(pilot, "/edit t: fax machine slow")
        assert entry_input(app).value == "/edit t: fax machine slow"
        assert "no channel match 'fax'" in notices(app)[-1]
    edits = query(study_db, "SELECT field, old, new FROM edits ORDER BY rowid")
    assert edits == [
        ("text", "a slow page", "very slow page"),
        ("lane", "need", "pain"),
        ("emotion", None, "-2"),
        ("tags", "", "speed"),
        ("text", "very slow page", "slow page after all"),
        ("emotion", "-2", "-1"),
    ]


# -- consent before anything is saved ----------------------------------------------------------


async def test_capture_without_consent_asks_and_a_no_saves_nothing(study_db: Path) -> None:
    app = capture_app(study_db, "P05", consent=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConsentScreen)
        shown = plain(app.screen.query_one("#question", Static))
        assert "requires consent" in shown and "P05" in shown
        await pilot.press("n")
        await pilot.pause()
    assert not app.is_running
    assert query(study_db, "SELECT count(*) FROM participants") == [(0,)]
    assert query(study_db, "SELECT count(*) FROM sessions") == [(0,)]


async def test_capture_without_consent_asks_and_a_yes_records_it(study_db: Path) -> None:
    app = capture_app(study_db, "P05", consent=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConsentScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
        await type_line(pilot, "g: a first line")
    ((code, consent_at),) = query(study_db, "SELECT code, consent_at FROM participants")
    assert code == "P05" and consent_at
    assert query(study_db, "SELECT text FROM entries") == [("a first line",)]


async def test_a_survey_asks_the_participant_first(study_db: Path) -> None:
    app = capture_app(study_db, "S09", consent=False, mode="survey")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConsentScreen)
        shown = plain(app.screen.query_one("#question", Static))
        assert "Do you agree to take part?" in shown
        await pilot.press("n")
        await pilot.pause()
    assert not app.is_running
    assert query(study_db, "SELECT count(*) FROM participants") == [(0,)]


async def test_a_study_without_the_requirement_does_not_ask(db_path: Path) -> None:
    from journey.capture.study import new_study

    with open_database(db_path) as db:
        relaxed = new_study(db, "Street intercepts", consent_required=False)
    app = make_app(
        db_path,
        capture=CaptureRequest(relaxed.id, participant="P01", interviewer="ana"),
        cursor_blink=False,
    )
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)
    assert query(db_path, "SELECT consent_at FROM participants") == [(None,)]


async def test_a_refused_line_comes_back_selected_and_is_not_extended(study_db: Path) -> None:
    """The issue's trap: a line refused as typed, then /done typed at once, was saved as
    the text of a pain. Now the refused line comes back selected: the next key replaces
    it, an arrow key keeps it to fix."""
    app = capture_app(study_db)
    async with app.run_test() as pilot:
        await type_line(pilot, "pian: the page was slow")
        assert entry_input(app).value == "pian: the page was slow"
        assert "did you mean pain:?" in notices(app)[-1]
        await pilot.press("end")  # kept to fix: the arrow keeps the line
        await pilot.press(*" really", "home", "delete", "delete", "delete", "delete")
        await pilot.press(*"pain", "enter")
        await pilot.pause()
        assert live_entries(study_db)[-1][:3] == ("Awareness", "pain", "the page was slow really")
        await type_line(pilot, "ned: a guest checkout")  # refused again
        await type_line(pilot, "/done")  # typed over it: the refused line is not extended
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    assert [row[2] for row in live_entries(study_db)] == ["the page was slow really"]
