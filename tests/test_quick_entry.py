"""Quick-entry parsing: every prefix, touchpoint tokens, channels, tags, commands, limits."""

from __future__ import annotations

import pytest

from journey.capture.entry_syntax import COMMANDS, PREFIXES, SYNTAX_HELP
from journey.capture.quick_entry import (
    ParsedCommand,
    ParsedEntry,
    QuickEntryError,
    match_channel,
    parse_effort,
    parse_emotion,
    parse_line,
    resolve_channel,
    with_channel,
)
from journey.capture.sanitize import MAX_ENTRY_LENGTH, EntryTooLong
from journey.storage.errors import InvalidValue
from journey.storage.models import LANES, Channel

# The five-stage template's channels.
NAMES = (
    "Search",
    "Referral",
    "Ads (PPC)",
    "Social media",
    "Website",
    "Reviews",
    "Email",
    "Live chat",
    "Messaging app",
    "Store / face to face",
    "Phone",
    "App",
    "Discounts and promotions",
    "Post-purchase support",
)
CHANNELS = tuple(Channel(f"ch{i}", "study", name) for i, name in enumerate(NAMES))
BY_NAME = {c.name: c for c in CHANNELS}


def entry(line: str, channels: tuple[Channel, ...] = CHANNELS) -> ParsedEntry:
    result = parse_line(line, channels)
    assert isinstance(result, ParsedEntry), result
    return result


def command(line: str) -> ParsedCommand:
    result = parse_line(line, CHANNELS)
    assert isinstance(result, ParsedCommand), result
    return result


# -- lanes and prefixes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "lane", "text"),
    [
        ("g: get a new phone", "goal", "get a new phone"),
        ("n: know the delivery date", "need", "know the delivery date"),
        ("e: free returns", "expectation", "free returns"),
        ("p: the form lost my data", "pain", "the form lost my data"),
        ("d: the parcel came early", "delight", "the parcel came early"),
        ("q: I just gave up", "quote", "I just gave up"),
        ("o: save the cart", "opportunity", "save the cart"),
        ("plain words", "note", "plain words"),
        # full lane names
        ("goal: a goal", "goal", "a goal"),
        ("need: a need", "need", "a need"),
        ("expectation: an expectation", "expectation", "an expectation"),
        ("pain: a pain", "pain", "a pain"),
        ("delight: a delight", "delight", "a delight"),
        ("quote: a quote", "quote", "a quote"),
        ("opportunity: an opportunity", "opportunity", "an opportunity"),
        ("note: a note", "note", "a note"),
        # case, spaces
        ("G: upper", "goal", "upper"),
        ("GOAL: shouting", "goal", "shouting"),
        ("Pain: title case", "pain", "title case"),
        ("g:no space", "goal", "no space"),
        ("g:    many   spaces inside  kept", "goal", "many   spaces inside  kept"),
        ("   q:  leading spaces  ", "quote", "leading spaces"),
        ("\tn:\ttabs", "need", "tabs"),
        # not prefixes
        ("http://example.com/a", "note", "http://example.com/a"),
        ("10:30 meeting", "note", "10:30 meeting"),
        ("x: not a lane", "note", "x: not a lane"),
        ("g : space before the colon", "note", "g : space before the colon"),
        ("note to self: g: later", "note", "note to self: g: later"),
        ("ok: fine", "note", "ok: fine"),
        # a prefix only counts at the start
        ("later g: goal", "note", "later g: goal"),
        ("g: q: nested", "goal", "q: nested"),
    ],
)
def test_lanes(line: str, lane: str, text: str) -> None:
    result = entry(line)
    assert (result.lane, result.text) == (lane, text)
    assert result.channel is None and result.emotion is None and result.effort is None
    assert result.lane in LANES


def test_every_prefix_maps_to_a_lane() -> None:
    assert set(PREFIXES.values()) == set(LANES)
    for prefix, lane in PREFIXES.items():
        line = f"{prefix}: some text" if lane != "touchpoint" else f"{prefix}: web some text"
        assert entry(line).lane == lane


@pytest.mark.parametrize(
    ("line", "lane", "emotion", "text"),
    [
        ("p: -2 lost everything", "pain", -2, "lost everything"),
        ("p: -1 slow", "pain", -1, "slow"),
        ("p: -- awful", "pain", -2, "awful"),
        ("p: - meh", "pain", -1, "meh"),
        ("p: +1 odd but fine", "pain", 1, "odd but fine"),
        ("p: -0 zero", "pain", 0, "zero"),
        ("pain: -2 full name", "pain", -2, "full name"),
        ("d: ++ loved it", "delight", 2, "loved it"),
        ("d: + nice", "delight", 1, "nice"),
        ("d: +2 great", "delight", 2, "great"),
        ("D:+1 tight", "delight", 1, "tight"),
        # a delight's bare 1 or 2 is its emotion; a pain's bare number is text
        ("d: 2 loved it", "delight", 2, "loved it"),
        ("d: 1 fine", "delight", 1, "fine"),
        ("d: 2 day delivery", "delight", 2, "day delivery"),
        ("d: + 2 day delivery", "delight", 1, "2 day delivery"),  # the way to say it
        ("d: 0 fees", "delight", None, "0 fees"),
        ("d: 3 days early", "delight", None, "3 days early"),
        ("p: 2 hours on hold", "pain", None, "2 hours on hold"),
        ("p: 1 star review", "pain", None, "1 star review"),
        # only the first token, only a whole token
        ("p: slow -1", "pain", None, "slow -1"),
        ("p: -15% off was a lie", "pain", None, "-15% off was a lie"),
        ("p: -1 -2 second is text", "pain", -1, "-2 second is text"),
        ("p: e6 effort is not for pains", "pain", None, "e6 effort is not for pains"),
        # other lanes take no emotion
        ("g: -1 thing", "goal", None, "-1 thing"),
        ("n: ++ more", "need", None, "++ more"),
        ("q: -2 said it", "quote", None, "-2 said it"),
        ("-1 a note", "note", None, "-1 a note"),
    ],
)
def test_pain_and_delight_emotion(line: str, lane: str, emotion: int | None, text: str) -> None:
    result = entry(line)
    assert (result.lane, result.emotion, result.text) == (lane, emotion, text)


# -- touchpoints -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "channel", "emotion", "effort", "text"),
    [
        ("t: web -1 e6 asked me to register twice", "Website", -1, 6, "asked me to register twice"),
        # every emotion spelling
        ("t: web -2 x", "Website", -2, None, "x"),
        ("t: web -1 x", "Website", -1, None, "x"),
        ("t: web 0 x", "Website", 0, None, "x"),
        ("t: web +1 x", "Website", 1, None, "x"),
        ("t: web 1 x", "Website", 1, None, "x"),
        ("t: web +2 x", "Website", 2, None, "x"),
        ("t: web 2 x", "Website", 2, None, "x"),
        ("t: web -- x", "Website", -2, None, "x"),
        ("t: web - x", "Website", -1, None, "x"),
        ("t: web + x", "Website", 1, None, "x"),
        ("t: web ++ x", "Website", 2, None, "x"),
        # every effort, any case
        *[(f"t: web e{n} x", "Website", None, n, "x") for n in range(1, 8)],
        ("t: web E3 x", "Website", None, 3, "x"),
        # either order
        ("t: web e6 -1 x", "Website", -1, 6, "x"),
        ("t: web -1 e6 x", "Website", -1, 6, "x"),
        # a second emotion or effort is text
        ("t: web -1 +2 x", "Website", -1, None, "+2 x"),
        ("t: web e2 e3 x", "Website", None, 2, "e3 x"),
        ("t: web e6 -1 2 factor auth", "Website", -1, 6, "2 factor auth"),
        # tokens only right after the channel
        ("t: web slow -1 e6", "Website", None, None, "slow -1 e6"),
        # case, spaces, the full prefix
        ("T: WEB -1 shouting", "Website", -1, None, "shouting"),
        ("t:web -1 tight", "Website", -1, None, "tight"),
        ("t:   web    -1    e2   spaced", "Website", -1, 2, "spaced"),
        ("touchpoint: email + newsletter", "Email", 1, None, "newsletter"),
        ("Touchpoint: Email + newsletter", "Email", 1, None, "newsletter"),
        # a comma or colon after the channel word
        ("t: web, asked twice", "Website", None, None, "asked twice"),
        ("t: email: spam", "Email", None, None, "spam"),
        # exact names win over prefixes, full multi-word names
        ("t: app crashed", "App", None, None, "crashed"),
        ("t: APP crashed", "App", None, None, "crashed"),
        ("t: live chat + quick answer", "Live chat", 1, None, "quick answer"),
        ("t: Live Chat + quick answer", "Live chat", 1, None, "quick answer"),
        ("t: live   chat + quick answer", "Live chat", 1, None, "quick answer"),
        ("t: live -1 slow", "Live chat", -1, None, "slow"),
        ("t: messaging app ++ whatsapp", "Messaging app", 2, None, "whatsapp"),
        ("t: mess ++ whatsapp", "Messaging app", 2, None, "whatsapp"),
        ("t: store / face to face ++ e2 kind staff", "Store / face to face", 2, 2, "kind staff"),
        ("t: store -1 queue", "Store / face to face", -1, None, "queue"),
        ("t: ads (ppc) - annoying", "Ads (PPC)", -1, None, "annoying"),
        ("t: ads - annoying", "Ads (PPC)", -1, None, "annoying"),
        (
            "t: post-purchase support e7 never answered",
            "Post-purchase support",
            None,
            7,
            "never answered",
        ),
        ("t: post e7 never answered", "Post-purchase support", None, 7, "never answered"),
        ("t: disc + 10% off", "Discounts and promotions", 1, None, "10% off"),
        ("t: phone 0 ok", "Phone", 0, None, "ok"),
        ("t: referral friend said so", "Referral", None, None, "friend said so"),
    ],
)
def test_touchpoints(
    line: str, channel: str, emotion: int | None, effort: int | None, text: str
) -> None:
    result = entry(line)
    assert result.lane == "touchpoint"
    assert result.channel == BY_NAME[channel]
    assert (result.emotion, result.effort, result.text) == (emotion, effort, text)
    assert result.channel_problem is None and not result.needs_channel
    assert result.channel_candidates == ()
    assert result.channel_message is None


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("t: web x", "web"),
        ("t: WEB x", "WEB"),
        ("t: Live   Chat x", "Live Chat"),
        ("t: web, x", "web"),
    ],
)
def test_channel_word_is_as_typed(line: str, word: str) -> None:
    assert entry(line).channel_word == word


def test_longest_full_name_wins() -> None:
    channels = (
        Channel("a", "s", "Live"),
        Channel("b", "s", "Live chat"),
        Channel("c", "s", "Live chat bot"),
    )
    assert entry("t: live chat bot + quick", channels).channel == channels[2]
    assert entry("t: live chat + quick", channels).channel == channels[1]
    assert entry("t: live + quick", channels).channel == channels[0]
    assert entry("t: live + quick", channels).text == "quick"


@pytest.mark.parametrize(
    ("line", "emotion", "effort", "text"),
    [
        ("t: web -1", -1, None, "Website"),
        ("t: web e6", None, 6, "Website"),
        ("t: web ++ e1", 2, 1, "Website"),
        ("t: web", None, None, "Website"),
        ("t: live chat -", -1, None, "Live chat"),
        ("t: web -1 #checkout", -1, None, "Website"),
    ],
)
def test_touchpoint_without_text_is_named_after_its_channel(
    line: str, emotion: int | None, effort: int | None, text: str
) -> None:
    result = entry(line)
    assert (result.emotion, result.effort, result.text) == (emotion, effort, text)
    assert result.text_from_channel


def test_ambiguous_channel_is_kept_for_the_screen_to_ask() -> None:
    result = entry("t: s -1 e4 could not find it")
    assert result.channel is None
    assert result.channel_problem == "ambiguous" and result.needs_channel
    assert result.channel_word == "s"
    assert result.channel_candidates == (
        BY_NAME["Search"],
        BY_NAME["Social media"],
        BY_NAME["Store / face to face"],
    )
    assert (result.emotion, result.effort, result.text) == (-1, 4, "could not find it")
    assert "Search, Social media, Store / face to face" in (result.channel_message or "")

    chosen = with_channel(result, BY_NAME["Social media"])
    assert chosen.channel == BY_NAME["Social media"]
    assert chosen.channel_problem is None and chosen.channel_candidates == ()
    assert (chosen.emotion, chosen.effort, chosen.text) == (-1, 4, "could not find it")


def test_unknown_channel_is_kept_and_resolves_once_added() -> None:
    result = entry("t: tiktok -1 e5 too many ads #social")
    assert result.channel is None
    assert result.channel_problem == "unknown"
    assert result.channel_word == "tiktok"
    assert result.channel_candidates == ()
    assert "'tiktok'" in (result.channel_message or "")
    assert (result.emotion, result.effort, result.text, result.tags) == (
        -1,
        5,
        "too many ads",
        ("social",),
    )

    still = resolve_channel(result, CHANNELS)
    assert still == result

    tiktok = Channel("new", "study", "TikTok")
    resolved = resolve_channel(result, (*CHANNELS, tiktok))
    assert resolved.channel == tiktok and resolved.channel_problem is None
    assert resolved.text == "too many ads"
    assert with_channel(result, tiktok) == resolved


def test_unknown_channel_without_text_takes_the_chosen_name() -> None:
    result = entry("t: tiktok -1")
    assert result.text == "tiktok" and result.text_from_channel
    picked = with_channel(result, BY_NAME["Social media"])
    assert picked.text == "Social media"
    assert picked.emotion == -1


def test_resolve_can_turn_unknown_into_ambiguous() -> None:
    result = entry("t: tik x")
    more = (*CHANNELS, Channel("1", "s", "TikTok"), Channel("2", "s", "Tiki bar"))
    again = resolve_channel(result, more)
    assert again.channel_problem == "ambiguous"
    assert [c.name for c in again.channel_candidates] == ["TikTok", "Tiki bar"]


def test_no_channels_in_the_study() -> None:
    result = entry("t: web -1 slow", ())
    assert result.channel_problem == "unknown" and result.channel_word == "web"
    assert result.emotion == -1 and result.text == "slow"


@pytest.mark.parametrize(
    ("line", "emotion", "effort", "text"),
    [
        ("t: -1 e5 slow everywhere", -1, 5, "slow everywhere"),
        ("t: e5 slow", None, 5, "slow"),
        ("t: ++ lovely", 2, None, "lovely"),
    ],
)
def test_missing_channel(line: str, emotion: int | None, effort: int | None, text: str) -> None:
    result = entry(line)
    assert result.channel is None and result.channel_problem == "missing"
    assert result.channel_word is None
    assert (result.emotion, result.effort, result.text) == (emotion, effort, text)
    assert resolve_channel(result, CHANNELS) == result
    assert with_channel(result, BY_NAME["Phone"]).channel == BY_NAME["Phone"]
    assert with_channel(result, BY_NAME["Phone"]).text == text


def test_with_channel_refuses_other_lanes() -> None:
    with pytest.raises(QuickEntryError):
        with_channel(entry("g: x"), BY_NAME["Phone"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("t:", "needs a channel"),
        ("t:    ", "needs a channel"),
        ("t: -1", "no channel and no text"),
        ("t: -1 e3", "no channel and no text"),
        ("t: web -3 x", "out of range"),
        ("t: web +3 x", "out of range"),
        ("t: web e0 x", "effort e0 is out of range"),
        ("t: web e8 x", "effort e8 is out of range"),
        ("t: web -1 E9 x", "effort E9 is out of range"),
        ("t: e8 x", "effort e8 is out of range"),
        ("t: #only-tags", "needs a channel"),
        ("p: -5 x", "out of range"),
    ],
)
def test_touchpoint_errors(line: str, message: str) -> None:
    with pytest.raises(QuickEntryError, match=message) as error:
        parse_line(line, CHANNELS)
    assert "\n" not in str(error.value)
    assert isinstance(error.value, InvalidValue)


# -- tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text", "tags"),
    [
        ("g: cheaper plan #price", "cheaper plan", ("price",)),
        ("g: #price cheaper plan", "cheaper plan", ("price",)),
        ("g: cheaper #price plan", "cheaper plan", ("price",)),
        ("p: -1 slow #checkout #mobile", "slow", ("checkout", "mobile")),
        ("x #a #b #A #b", "x", ("a", "b")),
        ("x #Price #price", "x", ("Price",)),
        ("x #a#b", "x", ("a", "b")),
        ("x #re-design #v2_beta", "x", ("re-design", "v2_beta")),
        ("slow checkout #pain, again", "slow checkout, again", ("pain",)),
        ("end of sentence #tag.", "end of sentence.", ("tag",)),
        ("x #café #日本語 #हिंदी #مرحبا", "x", ("café", "日本語", "हिंदी", "مرحبا")),
        ("line one #tag\nline two", "line one\nline two", ("tag",)),
        # kept as text
        ("order #1234 arrived", "order #1234 arrived", ()),
        ("ticket #1", "ticket #1", ()),
        ("a lone # sign", "a lone # sign", ()),
        ("ends with #", "ends with #", ()),
        ("a#b inside a word", "a#b inside a word", ()),
        ("C# and F#", "C# and F#", ()),
        ("## heading", "## heading", ()),
        ("#- dash", "#- dash", ()),
        ("see https://x.org/#anchor", "see https://x.org/#anchor", ()),
        ("[#ff0000]red[/]", "[#ff0000]red[/]", ()),
        ("#1 fan #fan", "#1 fan", ("fan",)),
        ("#🎉 party", "#🎉 party", ()),
    ],
)
def test_tags(line: str, text: str, tags: tuple[str, ...]) -> None:
    result = entry(line)
    assert (result.text, result.tags) == (text, tags)


def test_tags_in_touchpoints_go_anywhere() -> None:
    result = entry("t: #journey web -1 #checkout e6 asked twice #mobile")
    assert result.channel == BY_NAME["Website"]
    assert (result.emotion, result.effort) == (-1, 6)
    assert result.text == "asked twice"
    assert result.tags == ("journey", "checkout", "mobile")


@pytest.mark.parametrize("line", ["#just-a-tag", "g: #a #b", "p: -1 #x", "q:#x"])
def test_only_tags_is_an_error(line: str) -> None:
    with pytest.raises(QuickEntryError, match="only tags"):
        parse_line(line, CHANNELS)


# -- commands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "argument"),
    [
        ("/next", "next", None),
        ("/NEXT", "next", None),
        ("  /next  ", "next", None),
        ("/prev", "prev", None),
        ("/stage 3", "stage", "3"),
        ("/stage cons", "stage", "cons"),
        ("/Stage   Purchase   decision ", "stage", "Purchase decision"),
        ("/drop", "drop", None),
        ("/drop too expensive", "drop", "too expensive"),
        ("/DROP  shipping cost  ", "drop", "shipping cost"),
        ("/skip", "skip", None),
        ("/undo", "undo", None),
        ("/edit", "edit", None),
        ("/edit \x1b ", "edit", None),
        ("/edit the new text", "edit", "the new text"),
        ("/edit p: -1 #x kept literally", "edit", "p: -1 #x kept literally"),
        ("/done", "done", None),
        ("/help", "help", None),
        ("/help stage", "help", "stage"),
    ],
)
def test_commands(line: str, name: str, argument: str | None) -> None:
    result = command(line)
    assert (result.name, result.argument, result.known) == (name, argument, True)
    assert result.message is None


@pytest.mark.parametrize(
    ("line", "name", "argument"),
    [
        ("/quit", "quit", None),
        ("/nxt", "nxt", None),
        ("/usr/bin is slow", "usr/bin", "is slow"),
        ("/", "", None),
        ("/ next", "", "next"),
    ],
)
def test_unknown_commands(line: str, name: str, argument: str | None) -> None:
    result = command(line)
    assert (result.name, result.argument, result.known) == (name, argument, False)
    message = result.message or ""
    assert "\n" not in message
    for known, _, _ in COMMANDS:
        assert f"/{known}" in message
    assert "//" in message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/stage", "needs a number or name"),
        ("/stage   ", "needs a number or name"),
        ("/next please", "takes no argument"),
        ("/done with it", "takes no argument"),
        ("/undo 2", "takes no argument"),
    ],
)
def test_command_errors(line: str, message: str) -> None:
    with pytest.raises(QuickEntryError, match=message):
        parse_line(line, CHANNELS)


@pytest.mark.parametrize(
    ("line", "text", "tags"),
    [
        ("//etc/hosts is wrong", "/etc/hosts is wrong", ()),
        ("//next", "/next", ()),
        ("// spaced", "/ spaced", ()),
        ("//path #infra", "/path", ("infra",)),
        ("///triple", "//triple", ()),
    ],
)
def test_double_slash_is_a_note_starting_with_slash(
    line: str, text: str, tags: tuple[str, ...]
) -> None:
    result = entry(line)
    assert (result.lane, result.text, result.tags) == ("note", text, tags)


# -- empty text, sanitising, limits -------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "the line is empty"),
        ("    ", "the line is empty"),
        ("\x1b\x00\x07", "the line is empty"),
        ("g:", "the goal has no text"),
        ("g:   ", "the goal has no text"),
        ("Goal:", "the goal has no text"),
        ("note:", "the note has no text"),
        ("p: -2", "the pain has no text"),
        ("d: ++   ", "the delight has no text"),
        ("q: \x1b", "the quote has no text"),
    ],
)
def test_empty_text_is_an_error(line: str, message: str) -> None:
    with pytest.raises(QuickEntryError, match=message) as error:
        parse_line(line, CHANNELS)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "text",
    [
        "[bold]x[/]",
        "[@click=app.quit]go[/]",
        "[link=https://evil]click[/link]",
        "<script>alert(1)</script>",
        '=HYPERLINK("x")',
        "😀 loved the 🚚 delivery 👍🏽",
        "注文が簡単でした",
        "שלום עולם، مرحبا بالعالم",
        "e\u0301tude",
    ],
)
def test_text_is_kept_literally(text: str) -> None:
    assert entry(f"q: {text}").text == text
    assert entry(f"t: web -1 {text}").text == text


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("g: red\x1b[31m alert", "red[31m alert"),
        ("g: bell\x07 nul\x00 del\x7f csi\x9b", "bell nul del csi"),
        ("g: \u202eevil\u202c rtl override", "evil rtl override"),
        ("g: two\r\nlines", "two\nlines"),
        ("t:\x1b web -1 x\x00y", "xy"),
    ],
)
def test_control_characters_are_stripped(line: str, text: str) -> None:
    assert entry(line).text == text


def test_control_characters_in_command_arguments_are_stripped() -> None:
    assert command("/drop too\x1b[2J expensive").argument == "too[2J expensive"
    assert command("/edit new\x00 text").argument == "new text"


def test_long_paste_raises_entry_too_long() -> None:
    with pytest.raises(EntryTooLong) as error:
        parse_line("q: " + "x" * 20_000, CHANNELS)
    assert isinstance(error.value, QuickEntryError)
    assert "\n" not in str(error.value)
    with pytest.raises(EntryTooLong):
        parse_line("x" * 20_000, CHANNELS)
    with pytest.raises(EntryTooLong):
        parse_line("t: web -1 " + "x" * 20_000, CHANNELS)
    with pytest.raises(EntryTooLong):
        parse_line("/edit " + "x" * 20_000, CHANNELS)


def test_the_limit_counts_the_text_not_the_prefix() -> None:
    text = "x" * MAX_ENTRY_LENGTH
    assert entry(f"g: {text} #tag").text == text
    assert entry(f"t: web -1 e3 {text}").text == text


# -- helpers and help tables ---------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "bare", "value"),
    [
        ("-2", True, -2),
        ("-1", True, -1),
        ("0", True, 0),
        ("+0", True, 0),
        ("1", True, 1),
        ("+1", True, 1),
        ("2", True, 2),
        ("+2", True, 2),
        ("--", True, -2),
        ("-", True, -1),
        ("+", True, 1),
        ("++", True, 2),
        ("3", True, None),
        ("1", False, None),
        ("0", False, None),
        ("+1", False, 1),
        ("---", True, None),
        ("x", True, None),
        ("-1x", True, None),
    ],
)
def test_parse_emotion(token: str, bare: bool, value: int | None) -> None:
    assert parse_emotion(token, bare=bare) == value


@pytest.mark.parametrize(
    ("token", "value"),
    [("e1", 1), ("E7", 7), ("e4", 4), ("e", None), ("ex", None), ("4", None), ("e2e", None)],
)
def test_parse_effort(token: str, value: int | None) -> None:
    assert parse_effort(token) == value


@pytest.mark.parametrize("token", ["e0", "e8", "e10", "E99"])
def test_parse_effort_out_of_range(token: str) -> None:
    with pytest.raises(QuickEntryError):
        parse_effort(token)


@pytest.mark.parametrize(
    ("word", "names"),
    [
        ("web", ["Website"]),
        ("WEBSITE", ["Website"]),
        ("app", ["App"]),
        ("ap", ["App"]),
        ("s", ["Search", "Social media", "Store / face to face"]),
        ("live chat", ["Live chat"]),
        ("tiktok", []),
        ("", []),
    ],
)
def test_match_channel(word: str, names: list[str]) -> None:
    assert [c.name for c in match_channel(word, CHANNELS)] == names


def test_help_tables() -> None:
    assert all(len(row) == 2 and all(row) for row in SYNTAX_HELP)
    assert [name for name, _, _ in COMMANDS] == [
        "next",
        "prev",
        "stage",
        "drop",
        "skip",
        "undo",
        "edit",
        "done",
        "help",
    ]
    assert all(meaning for _, _, meaning in COMMANDS)
    syntax = " ".join(s for s, _ in SYNTAX_HELP)
    for prefix in ("g:", "n:", "e:", "p:", "d:", "q:", "o:", "t:", "#tag", "//"):
        assert prefix in syntax


def test_results_are_frozen() -> None:
    result = entry("g: x")
    with pytest.raises(AttributeError):
        result.text = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        command("/next").name = "prev"  # type: ignore[misc]


def test_no_textual_import() -> None:
    import subprocess
    import sys

    code = "import sys, capture.quick_entry; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("q: " + "#a " * 200_000, "the quote has only tags: add some text"),
        (
            "q: " + "word #a, " * 100_000,
            "the entry is 599,999 characters long; the limit is 10,000: "
            "split it into several entries",
        ),
        ("#1 " * 300_000, "the entry is 899,999 characters long; the limit is 10,000"),
        ("a#b " * 300_000, "the entry is 1,199,999 characters long; the limit is 10,000"),
    ],
)
def test_huge_pastes_are_refused_with_one_line(line: str, message: str) -> None:
    # How long the parse takes (it must stay linear) is the huge_paste benchmark figure.
    with pytest.raises(QuickEntryError) as caught:
        parse_line(line, CHANNELS)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("line", "meant"),
    [
        ("pian: slow checkout", "pain"),
        ("ned: a guest checkout", "need"),
        ("Goals: find a gift", "goal"),
        ("delihgt: quick", "delight"),
        ("opportunty: show the total", "opportunity"),
        ("touchpiont: web slow", "touchpoint"),
        ("expectaion: fast", "expectation"),
    ],
)
def test_a_mistyped_prefix_asks_instead_of_saving_a_note(line: str, meant: str) -> None:
    with pytest.raises(QuickEntryError) as caught:
        parse_line(line, CHANNELS)
    assert f"did you mean {meant}:?" in str(caught.value)
    assert "start it with note:" in str(caught.value)


@pytest.mark.parametrize(
    "line", ["Re: the call", "Idea: more", "Time: 10 min", "http://x.org", "Info: late", "ok: yes"]
)
def test_a_word_far_from_every_lane_is_a_note(line: str) -> None:
    assert entry(line).lane == "note"
    assert entry("note: pian: as typed").text == "pian: as typed"
