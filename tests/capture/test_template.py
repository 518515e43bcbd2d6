"""Study templates: the three built-ins and custom TOML files, with errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.capture.template import (
    BUILT_IN,
    DEFAULT_TEMPLATE,
    StudyTemplate,
    TemplateError,
    load_template,
    parse_template,
)
from journey.storage.errors import JourneyError
from journey.storage.models import PromptSpec

STAGE_NAMES = {
    "five-stage": ["Awareness", "Consideration", "Decision", "Retention", "Advocacy"],
    "four-stage": ["Awareness", "Consideration", "Acquisition", "Retention"],
    "six-stage": [
        "Need recognition",
        "Research",
        "Evaluation",
        "Purchase decision",
        "Purchase evaluation",
        "Advocacy",
    ],
}
# The touchpoint channels DESIGN.md lists, as the templates name them.
DEFAULT_CHANNELS = [
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
]

MINIMAL = """
name = "mine"
[[stages]]
name = "Only"
prompts = [{ lane = "goal", text = "Why?" }]
"""


def test_built_ins_are_the_three_models() -> None:
    assert set(BUILT_IN) == set(STAGE_NAMES)
    assert DEFAULT_TEMPLATE == "five-stage"


@pytest.mark.parametrize("name", sorted(STAGE_NAMES))
def test_built_in_stages(name: str) -> None:
    template = load_template(name)
    assert isinstance(template, StudyTemplate)
    assert template.name == name
    assert [s.name for s in template.stages] == STAGE_NAMES[name]
    assert all(s.description for s in template.stages)
    assert template.description


@pytest.mark.parametrize("name", sorted(STAGE_NAMES))
def test_built_in_guides(name: str) -> None:
    template = load_template(name)
    lanes = set()
    for stage in template.stages:
        assert 2 <= len(stage.prompts) <= 4, stage.name
        assert all(p.text.endswith("?") for p in stage.prompts), stage.name
        lanes |= {p.lane for p in stage.prompts}
    assert {"goal", "need", "expectation", "touchpoint"} <= lanes
    answer_types = {p.answer_type for s in template.stages for p in s.prompts}
    assert answer_types == {"text", "channel", "emotion"}


@pytest.mark.parametrize("name", sorted(STAGE_NAMES))
def test_built_in_channels(name: str) -> None:
    assert list(load_template(name).channels) == DEFAULT_CHANNELS


def test_custom_template_from_file(tmp_path: Path) -> None:
    path = tmp_path / "bakery.toml"
    path.write_text(
        """
description = "  A bakery's journey  "
channels = [" Shop window ", "Instagram"]

[[stages]]
name = " Smell "
description = "Walking past"
prompts = [
    { lane = "touchpoint", text = "What made you stop?", answer_type = "channel" },
    { lane = "pain", text = "How did the queue feel?", answer_type = "emotion" },
]

[[stages]]
name = "Taste"
""",
        encoding="utf-8",
    )
    template = load_template(path)
    assert template.name == "bakery"  # the file name when the file names none
    assert template.description == "A bakery's journey"
    assert template.channels == ("Shop window", "Instagram")
    assert [s.name for s in template.stages] == ["Smell", "Taste"]
    assert template.stages[0].description == "Walking past"
    assert template.stages[0].prompts == (
        PromptSpec("touchpoint", "What made you stop?", "channel"),
        PromptSpec("pain", "How did the queue feel?", "emotion"),
    )
    assert template.stages[1].prompts == ()
    assert load_template(str(path)) == template


def test_custom_template_name_from_file(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    template = load_template(path)
    assert template.name == "mine"
    assert template.channels == ()
    assert template.stages[0].prompts == (PromptSpec("goal", "Why?", "text"),)


BROKEN = [
    ("toml syntax", 'name = "x"\n[[stages]\nname = "A"\n', "not valid TOML"),
    ("unknown top key", MINIMAL + 'colour = "red"\n', "colour"),
    (
        "unknown stage key",
        '[[stages]]\nname = "A"\nduration = 3\n',
        "stages[1].duration",
    ),
    (
        "unknown prompt key",
        '[[stages]]\nname = "A"\nprompts = [{ lane = "goal", text = "Q?", weight = 2 }]\n',
        "stages[1].prompts[1].weight",
    ),
    ("no stages", 'name = "empty"\nchannels = ["Web"]\n', "stages"),
    ("empty stages", "stages = []\n", "stages"),
    (
        "duplicate stages",
        '[[stages]]\nname = "Buy"\n[[stages]]\nname = "Use"\n[[stages]]\nname = "BUY"\n',
        "stages",
    ),
    (
        "bad lane",
        '[[stages]]\nname = "A"\n[[stages]]\nname = "B"\n'
        'prompts = [{ lane = "goal", text = "Q?" }, { lane = "feeling", text = "Q?" }]\n',
        "stages[2].prompts[2].lane",
    ),
    (
        "bad answer_type",
        '[[stages]]\nname = "A"\n'
        'prompts = [{ lane = "goal", text = "Q?", answer_type = "scale" }]\n',
        "stages[1].prompts[1].answer_type",
    ),
    ("stage without name", '[[stages]]\ndescription = "d"\n', "stages[1].name"),
    ("prompt without text", '[[stages]]\nname = "A"\nprompts = [{ lane = "goal" }]\n', "text"),
    ("name not a string", 'name = 3\n[[stages]]\nname = "A"\n', "name"),
    ("channels not a list", 'channels = "Web"\n[[stages]]\nname = "A"\n', "channels"),
    ("duplicate channels", 'channels = ["Web", "web"]\n[[stages]]\nname = "A"\n', "channels"),
]


@pytest.mark.parametrize(("kind", "text", "key"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_template_file(tmp_path: Path, kind: str, text: str, key: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert "\n" not in message


def test_duplicate_stage_message_names_the_stage(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text('[[stages]]\nname = "Buy"\n[[stages]]\nname = "buy"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="'buy' appears twice"):
        load_template(path)


def test_bad_lane_message_lists_the_lanes() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(
            'name = "t"\n[[stages]]\nname = "A"\nprompts = [{ lane = "x", text = "Q" }]', "t.toml"
        )
    assert "goal" in str(caught.value) and "opportunity" in str(caught.value)


def test_missing_template_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert str(path) in str(caught.value)
    assert "no such template file" in str(caught.value)
    assert not path.exists()


@pytest.mark.parametrize("name", ["seven-stage", "Five-Stage", "five_stage"])
def test_unknown_built_in(name: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(name)
    message = str(caught.value)
    assert name in message
    assert all(b in message for b in BUILT_IN)
    assert "\n" not in message


def test_parse_template_needs_a_name_without_a_file() -> None:
    with pytest.raises(TemplateError, match=r"^inline: name: missing$"):
        parse_template('[[stages]]\nname = "A"\n', "inline")


def test_template_error_is_a_journey_error() -> None:
    assert issubclass(TemplateError, JourneyError)


def test_unreadable_template_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "caf\xe9"\n[[stages]]\nname = "A"\n')
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert str(path) in str(caught.value)
