"""Snapshot tests of the dialogs and secondary screens: the channel question and the entry
form of capture, the filter and the comparison of review, and the pick list and text
prompt of a workshop's cell items.

Each screen is reached the way a user reaches it, with keys from the screen that opens
it, and each `run_before` checks that the screen on top is the one meant, so a snapshot
of the wrong screen cannot pass. The data is a fresh study or demo data fixed by its
seed; paths show relative to the test folder. The last test reads the saved SVGs back
as text, so a snapshot that shows the wrong thing fails even when regenerated.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList, Select, SelectionList, Static

from journey.capture.demo import add_demo_sessions
from journey.storage import open_database
from journey.storage.session_filter import NO_FILTER
from journey.storage.studies import find_study
from journey.tui.app import CaptureRequest, ReviewRequest, WorkshopRequest, make_app
from journey.tui.screens.capture_screen import CaptureScreen
from journey.tui.screens.cell_items_screen import CellItemsScreen
from journey.tui.screens.channel_choice_screen import ChannelChoiceScreen
from journey.tui.screens.compare_screen import CompareScreen
from journey.tui.screens.consent_screen import ConsentScreen
from journey.tui.screens.dropped_sessions_screen import DroppedSessionsScreen
from journey.tui.screens.entry_form_screen import EntryFormScreen
from journey.tui.screens.filter_screen import FilterScreen
from journey.tui.screens.pick_screen import PickScreen
from journey.tui.screens.review_screen import ReviewScreen
from journey.tui.screens.text_prompt_screen import TextPromptScreen
from journey.tui.screens.workshop_screen import WorkshopScreen
from tests.tui.settle import settle
from tests.tui.test_capture_screen import keystrokes

SMALL = (80, 24)
LARGE = (120, 40)


@pytest.fixture(autouse=True)
def _in_db_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The header shows the database path as given: relative, so snapshots are stable.
    monkeypatch.chdir(tmp_path)


def relative(path: Path) -> Path:
    return path.relative_to(Path.cwd()) if path.is_absolute() else path


async def press(pilot, *keys: str) -> None:
    """Send `keys` in one burst, as a terminal does, then let the app handle them."""
    for key in keys:
        pilot.app.post_message(events.Key(key, None))
    await settle(pilot)


async def type_line(pilot, text: str, *, enter: bool = True) -> None:
    keystrokes(pilot.app, text, enter=enter)
    await settle(pilot)


async def finish(pilot) -> None:
    pilot.app.clear_notifications()  # toasts time out: keep them out of the picture
    await settle(pilot)


# -- capture: the channel question and the entry form -------------------------------------------


def capture_app(path: Path):
    with open_database(path, read_only=True) as db:
        study = find_study(db, "Checkout study")
    assert study is not None
    return make_app(
        relative(path),
        capture=CaptureRequest(study.id, participant="P01", interviewer="ana", consent=True),
        poll_seconds=60,
        cursor_blink=False,
    )


def channel_question(line: str):
    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, CaptureScreen)
        await type_line(pilot, "g: compare prices quickly")
        await type_line(pilot, line)
        screen = pilot.app.screen
        assert isinstance(screen, ChannelChoiceScreen)
        assert screen.query_one("#choices", OptionList).option_count >= 3
        await finish(pilot)

    return before


def test_snapshot_channel_choice_unknown(snap_compare, study_db: Path) -> None:
    # An unknown channel: add it, or pick one of the study's 14, every one in sight.
    assert snap_compare(
        capture_app(study_db), run_before=channel_question("t: fax -1 text"), terminal_size=SMALL
    )


def test_snapshot_channel_choice_unknown_markup_large(snap_compare, study_db: Path) -> None:
    # The typed word is shown as typed, never as markup, in the question and the option.
    assert snap_compare(
        capture_app(study_db),
        run_before=channel_question("t: [b]fax[/] -1 text"),
        terminal_size=LARGE,
    )


def test_snapshot_channel_choice_ambiguous(snap_compare, study_db: Path) -> None:
    # "s" starts three channel names: only those three are offered.
    assert snap_compare(
        capture_app(study_db),
        run_before=channel_question("t: s -1 asked about [b]delivery[/b]"),
        terminal_size=SMALL,
    )


def entry_form(*keys: str):
    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, CaptureScreen)
        await press(pilot, "ctrl+f")
        screen = pilot.app.screen
        assert isinstance(screen, EntryFormScreen)
        assert screen.query_one("#lane", Select).value == "note"
        for key in keys:
            await press(pilot, key)
        await finish(pilot)

    return before


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_snapshot_entry_form(snap_compare, study_db: Path, size) -> None:
    # Every row and both buttons show, at 80x24 as well (no scrolling).
    assert snap_compare(capture_app(study_db), run_before=entry_form(), terminal_size=size)


def test_snapshot_entry_form_empty_text_error(snap_compare, study_db: Path) -> None:
    # Enter in the empty text box: the error shows beside the buttons, and the text box
    # takes the focus.
    async def before(pilot) -> None:
        await entry_form("tab")(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, EntryFormScreen)
        assert str(screen.query_one("#error", Static).render())
        assert pilot.app.focused is screen.query_one("#text", Input)
        await finish(pilot)

    assert snap_compare(capture_app(study_db), run_before=before, terminal_size=LARGE)


# -- review: the filter and the comparison ------------------------------------------------------


@pytest.fixture
def demo_review(db_path: Path) -> tuple[Path, str]:
    """Demo data, its times fixed by the seed (the same as test_review_screen's)."""
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=7).study
    return db_path, study.id


def review_app(demo_review: tuple[Path, str]):
    path, study_id = demo_review
    return make_app(
        relative(path),
        review=ReviewRequest(study_id, NO_FILTER),
        read_only=True,
        poll_seconds=60,
        cursor_blink=False,
    )


def in_review(screen_type: type, *keys: str, then: tuple[str, ...] = (), typed: str = ""):
    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReviewScreen)
        await press(pilot, *keys)
        assert isinstance(pilot.app.screen, screen_type)
        await press(pilot, *then)
        if typed:
            await type_line(pilot, typed)
        assert isinstance(pilot.app.screen, screen_type)
        await finish(pilot)

    return before


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_snapshot_dropped_sessions(snap_compare, demo_review, size) -> None:
    # Enter on Consideration's Dropped figure: who left there, their segment, interviewer,
    # when and why.
    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReviewScreen)
        await press(pilot, "down", "right", "enter")
        assert isinstance(pilot.app.screen, DroppedSessionsScreen)
        await finish(pilot)

    assert snap_compare(review_app(demo_review), run_before=before, terminal_size=size)


def consent_app(path: Path, mode: str):
    with open_database(path, read_only=True) as db:
        study = find_study(db, "Checkout study")
    assert study is not None
    return make_app(
        relative(path),
        capture=CaptureRequest(study.id, participant="P05", interviewer="ana", mode=mode),
        poll_seconds=60,
        cursor_blink=False,
    )


@pytest.mark.parametrize("mode", ["interview", "survey"])
def test_snapshot_consent(snap_compare, study_db: Path, mode: str) -> None:
    # No consent recorded: the interviewer is asked, or in a survey the participant.
    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConsentScreen)
        await finish(pilot)

    assert snap_compare(consent_app(study_db, mode), run_before=before, terminal_size=SMALL)


def test_snapshot_filter(snap_compare, demo_review) -> None:
    assert snap_compare(
        review_app(demo_review), run_before=in_review(FilterScreen, "f"), terminal_size=SMALL
    )


def test_snapshot_filter_segment_list_open(snap_compare, demo_review) -> None:
    # Enter on the segment box opens its list: (all) and the three demo segments.
    assert snap_compare(
        review_app(demo_review),
        run_before=in_review(FilterScreen, "f", then=("enter",)),
        terminal_size=SMALL,
    )


def test_snapshot_filter_bad_date(snap_compare, demo_review) -> None:
    # A date that is not ISO: the error under the form, the filter stays open.
    assert snap_compare(
        review_app(demo_review),
        run_before=in_review(FilterScreen, "f", then=("tab", "tab", "tab"), typed="30/09/2026"),
        terminal_size=SMALL,
    )


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_snapshot_compare(snap_compare, demo_review, size) -> None:
    # The first two segments, A and B: the emotion chart above the two funnels, the stage
    # names whole; at 80x24 the funnel's bottom edge too.
    async def before(pilot) -> None:
        await in_review(CompareScreen, "c")(pilot)
        screen = pilot.app.screen
        assert screen.query_one("#a", Select).value == "first-time buyer"
        assert screen.query_one("#b", Select).value == "returning customer"

    assert snap_compare(review_app(demo_review), run_before=before, terminal_size=size)


# -- workshop: the pick list and the text prompt of a cell's items ------------------------------


@pytest.fixture
def demo_workshop(db_path: Path) -> tuple[Path, str]:
    with open_database(db_path) as db:
        study = add_demo_sessions(db, 30, seed=2).study
    return db_path, study.id


def workshop_app(demo_workshop: tuple[Path, str]):
    path, study_id = demo_workshop
    return make_app(
        relative(path),
        workshop=WorkshopRequest(study_id, facilitator="kim", title="Checkout day"),
        poll_seconds=60,
        cursor_blink=False,
    )


# Demo map rows: reach, dropped, emotion, goals, needs, expectations, 14 channels, pains,
# delights, opportunities.
DEMO_PAIN_ROW = 20
DEMO_OPPORTUNITY_ROW = 22


def cell_items(downs: int, *keys: str, screen_type: type):
    """Decision x the row `downs` below the reach row, its items, then `keys`."""

    async def before(pilot) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, WorkshopScreen)
        await type_line(pilot, "/stage Decision")
        await press(pilot, *["down"] * downs, "enter")
        assert isinstance(pilot.app.screen, CellItemsScreen)
        for key in keys:  # one by one: a dialog opens once what it offers is read
            await press(pilot, key)
        assert isinstance(pilot.app.screen, screen_type)
        await finish(pilot)

    return before


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_snapshot_pick_pains(snap_compare, demo_workshop, size) -> None:
    # l on an opportunity: the study's pain items to link it to (each once, by stage), the
    # second one marked; at 80x24 the list shrinks to fit, its bottom edge in sight.
    async def before(pilot) -> None:
        await cell_items(DEMO_OPPORTUNITY_ROW, "l", "down", "space", screen_type=PickScreen)(pilot)
        choices = pilot.app.screen.query_one(SelectionList)
        assert choices.option_count > 12  # more than the dialog holds at 80x24
        assert len(choices.selected) == 1

    assert snap_compare(workshop_app(demo_workshop), run_before=before, terminal_size=size)


def test_snapshot_text_prompt_theme_title(snap_compare, demo_workshop) -> None:
    # Two pains marked, g: the title of the theme, the first marked item's text to edit.
    async def before(pilot) -> None:
        await cell_items(
            DEMO_PAIN_ROW, "space", "down", "space", "g", screen_type=TextPromptScreen
        )(pilot)
        assert pilot.app.screen.query_one("#answer", Input).value

    assert snap_compare(workshop_app(demo_workshop), run_before=before, terminal_size=SMALL)


# -- what the snapshots show --------------------------------------------------------------------

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_dialog_snapshots"
CELL_WIDTH = 12.2  # pixels per column in Textual's SVG export
SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="([0-9.]+)" y="[0-9.]+" textLength="[0-9.]+" '
    r'clip-path="url\(#terminal-line-([0-9]+)\)">([^<]*)</text>'
)


def shown(name: str) -> str:
    """The screen of a snapshot as text, each span put at its column."""
    rows: dict[int, dict[int, str]] = {}
    for x, line, text in SVG_TEXT.findall((SNAPSHOTS / name).read_text(encoding="utf-8")):
        column = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            rows.setdefault(int(line), {})[column + offset] = char
    return "\n".join(
        "".join(row.get(c, " ") for c in range(max(row) + 1)).rstrip() if row else ""
        for _, row in sorted(rows.items())
    )


def closes_after(lines: list[str], text: str, edge: str = "▁" * 10) -> bool:
    """Whether the line after the one showing `text` is the bottom edge of its list."""
    (index,) = [i for i, line in enumerate(lines) if text in line]
    return edge in lines[index + 1]


def test_the_snapshots_show_the_dialogs() -> None:
    for size in ("size0", "size1"):
        dropped = shown(f"test_snapshot_dropped_sessions[{size}].svg")
        assert "Consideration: sessions that dropped out" in dropped
        assert "Who" in dropped and "Segment" in dropped and "Reason" in dropped
        assert re.search(r"P\d{3} .* 2026-\d\d-\d\d.* could not find the right size", dropped)
    asked = shown("test_snapshot_consent[interview].svg")
    assert "requires consent before anything is" in asked
    assert "Yes, record consent" in asked and "No (nothing is saved)" in asked
    participant = shown("test_snapshot_consent[survey].svg")
    assert "Do you agree to take part?" in participant and "Yes, I agree" in participant
    unknown = shown("test_snapshot_channel_choice_unknown.svg")
    assert "No channel is called fax" in unknown
    assert "+ Add fax as a new channel" in unknown and "Search" in unknown
    # All 15 options at 80x24, the last default channel and the list's bottom edge too.
    assert "Post-purchase support" in unknown
    assert closes_after(unknown.splitlines(), "Post-purchase support")

    large = shown("test_snapshot_channel_choice_unknown_markup_large.svg")
    assert "No channel is called [b]fax[/]. Add it to the study, or" in large
    assert "+ Add [b]fax[/] as a new channel" in large
    assert "Discounts and promotions" in large
    assert "Post-purchase support" in large
    assert closes_after(large.splitlines(), "Post-purchase support")

    ambiguous = shown("test_snapshot_channel_choice_ambiguous.svg")
    assert "Which channel is s?" in ambiguous
    for name in ("Search", "Social media", "Store / face to face"):
        assert name in ambiguous
    assert "Website" not in ambiguous

    form = shown("test_snapshot_entry_form[size1].svg")
    assert "New entry at Awareness" in form
    for label in ("Lane", "Text", "Channel", "Emotion", "Effort", "Tags", "Cancel", "Save"):
        assert label in form
    small = shown("test_snapshot_entry_form[size0].svg").splitlines()
    for label in ("Lane", "Text", "Channel", "Emotion", "Effort", "Tags", "Cancel", "Save"):
        assert any(label in line for line in small), label
    # At 80x24 the buttons show whole: top edge, label, bottom edge; the form ends below.
    (buttons,) = [i for i, line in enumerate(small) if "Cancel" in line and "Save" in line]
    assert small[buttons - 1].count("▔" * 16) == 2 and small[buttons + 1].count("▁" * 16) == 2
    assert "▄" * 60 in small[buttons + 2]
    assert "New entry at Awareness" in small[buttons - 20]
    # The error shares the buttons' row.
    error = shown("test_snapshot_entry_form_empty_text_error.svg")
    assert any(
        "the entry is empty" in line and "Cancel" in line and "Save" in line
        for line in error.splitlines()
    )

    assert "Which sessions to count (empty = all)" in shown("test_snapshot_filter.svg")
    segments = shown("test_snapshot_filter_segment_list_open.svg")
    for segment in ("first-time buyer", "returning customer", "small business"):
        assert segment in segments
    assert "is not a date; use YYYY-MM-DD" in shown("test_snapshot_filter_bad_date.svg")

    for size in ("size0", "size1"):
        compare = shown(f"test_snapshot_compare[{size}].svg")
        assert "compare segments" in compare
        assert "Emotion -2..+2" in compare and "A: first-time buyer" in compare
        # The stage names whole, under the curve and in the funnel.
        assert re.search(
            r"1 Awareness +2 Consideration +3 Decision +4 Retention +5 Advocacy", compare
        )
        assert "│ 2 Consideration │" in compare
        assert not [line for line in compare.splitlines() if "Awareness" in line and "…" in line]
        # The funnel whole: its last stage and its bottom edge.
        assert "│ 5 Advocacy      │" in compare and "└───" in compare
    assert "■╍ B: returning customer" in shown("test_snapshot_compare[size1].svg")

    for size in ("size0", "size1"):
        pick = shown(f"test_snapshot_pick_pains[{size}].svg")
        assert "Which pains does this opportunity answer?" in pick
        assert "most frequent" not in pick  # every pain item is offered
        # Marked and unmarked tell apart without colour: an X in the box, or an empty box.
        boxes = [re.search(r"▐([X ])▌ (.*?)(?:  |$)", line) for line in pick.splitlines()]
        shown_boxes = [(box[1], box[2]) for box in boxes if box]
        assert [text for mark, text in shown_boxes if mark == "X"] == [
            "Awareness: too many ads before I knew what it was"
        ]
        choices = [text for _, text in shown_boxes]
        assert len(choices) == len(set(choices)), "a pain is offered twice"
        # Each pain item once, by what was said (a tag is no item of its own).
        assert choices[:3] == [
            "Awareness: could not tell who was behind the brand",
            "Awareness: too many ads before I knew what it was",
            "Consideration: reviews look fake",
        ]
        assert not any(": #" in choice for choice in choices)
        assert "Consideration: reviews look fake" in choices
        # The list's bottom edge, then the dialog's.
        lines = pick.splitlines()
        (bottom,) = [i for i, line in enumerate(lines) if "▄" * 60 in line]
        assert "▁" * 60 in lines[bottom - 1]

    assert "Title of the theme:" in shown("test_snapshot_text_prompt_theme_title.svg")
