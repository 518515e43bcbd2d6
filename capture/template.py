"""Study templates: a stage model, its touchpoint channels and its interview guide.

The built-in ones are TOML files shipped in `capture/templates/`; a custom one is
any TOML file of the same shape, from anyone: its names and texts are cleaned as typed
text is, within the same length limits. Validation errors name the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from journey.capture.sanitize import MAX_ENTRY_LENGTH, MAX_LINE_LENGTH, clean_line, clean_text
from journey.storage.errors import InputTooLarge, JourneyError, NotARegularFile
from journey.storage.files import MAX_TOML_BYTES, read_input
from journey.storage.models import ANSWER_TYPES, LANES, PromptSpec, StageSpec

BUILT_IN = ("five-stage", "four-stage", "six-stage")
DEFAULT_TEMPLATE = "five-stage"

_TOP_KEYS = {"name", "description", "channels", "stages", "consent_required"}
_STAGE_KEYS = {"name", "description", "prompts"}
_PROMPT_KEYS = {"lane", "text", "answer_type"}


class TemplateError(JourneyError):
    """A template file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class StudyTemplate:
    name: str
    description: str
    stages: tuple[StageSpec, ...]
    channels: tuple[str, ...]
    consent_required: bool = True


def load_template(name_or_path: str | Path) -> StudyTemplate:
    """A built-in template by name, or a custom one from a TOML file."""
    if str(name_or_path) in BUILT_IN:
        source = resources.files("journey.capture") / "templates" / f"{name_or_path}.toml"
        return parse_template(source.read_text(encoding="utf-8"), f"{name_or_path}.toml")
    path = Path(name_or_path)
    if path.suffix.lower() != ".toml" and not path.exists():
        raise TemplateError(
            f"{name_or_path}: unknown template (built in: {', '.join(BUILT_IN)}; "
            "or give the path of a .toml file)"
        )
    try:
        text = read_input(path, limit=MAX_TOML_BYTES, what="a template").decode("utf-8")
    except FileNotFoundError as error:
        raise TemplateError(f"{path}: no such template file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"{path}: cannot read the template ({error})") from error
    except (NotARegularFile, InputTooLarge) as error:  # a FIFO, a device, an endless file
        raise TemplateError(str(error)) from None
    return parse_template(text, str(path), default_name=path.stem)


def parse_template(text: str, source: str, *, default_name: str | None = None) -> StudyTemplate:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{source}: not valid TOML ({error})") from error
    _unknown_keys(data, _TOP_KEYS, source, "")
    name = _string(data, "name", source, "", default=default_name)
    description = _string(data, "description", source, "", default="", lines=True)
    raw_channels = data.get("channels", [])
    if not isinstance(raw_channels, list) or not all(isinstance(c, str) for c in raw_channels):
        raise TemplateError(f"{source}: channels: must be a list of non-empty names")
    channels = [clean_line(c) for c in raw_channels]
    if not all(channels):
        raise TemplateError(f"{source}: channels: must be a list of non-empty names")
    for channel in channels:
        if len(channel) > MAX_LINE_LENGTH:
            raise TemplateError(
                f"{source}: channels: a name of {len(channel):,} characters; the limit is "
                f"{MAX_LINE_LENGTH}"
            )
    _no_duplicates(channels, source, "channels")
    raw_stages = data.get("stages")
    if not raw_stages:
        raise TemplateError(f"{source}: stages: a template needs at least one [[stages]] table")
    if not isinstance(raw_stages, list) or not all(isinstance(s, dict) for s in raw_stages):
        raise TemplateError(f"{source}: stages: must be an array of tables ([[stages]])")
    stages = tuple(_stage(raw, source, f"stages[{i}]") for i, raw in enumerate(raw_stages, 1))
    _no_duplicates([s.name for s in stages], source, "stages")
    consent_required = data.get("consent_required", True)
    if not isinstance(consent_required, bool):
        raise TemplateError(f"{source}: consent_required: must be true or false")
    return StudyTemplate(
        name or "custom",
        description or "",
        stages,
        tuple(channels),
        consent_required,
    )


def _stage(raw: dict[str, Any], source: str, where: str) -> StageSpec:
    _unknown_keys(raw, _STAGE_KEYS, source, where + ".")
    name = _string(raw, "name", source, where + ".")
    if not name:
        raise TemplateError(f"{source}: {where}.name: every stage needs a name")
    raw_prompts = raw.get("prompts", [])
    if not isinstance(raw_prompts, list) or not all(isinstance(p, dict) for p in raw_prompts):
        raise TemplateError(f"{source}: {where}.prompts: must be a list of tables")
    prompts = []
    for i, prompt in enumerate(raw_prompts, 1):
        at = f"{where}.prompts[{i}]"
        _unknown_keys(prompt, _PROMPT_KEYS, source, at + ".")
        lane = _string(prompt, "lane", source, at + ".")
        if lane not in LANES:
            raise TemplateError(f"{source}: {at}.lane: {lane!r} is not one of {', '.join(LANES)}")
        text = _string(prompt, "text", source, at + ".", lines=True)
        if not text:
            raise TemplateError(f"{source}: {at}.text: a prompt needs its question")
        answer_type = _string(prompt, "answer_type", source, at + ".", default="text")
        if answer_type not in ANSWER_TYPES:
            raise TemplateError(
                f"{source}: {at}.answer_type: {answer_type!r} is not one of "
                f"{', '.join(ANSWER_TYPES)}"
            )
        answer_type = answer_type or "text"
        if (lane == "touchpoint") != (answer_type == "channel"):
            # A survey saves the answer as it is: a touchpoint without its channel would
            # count nowhere on the map's channel rows.
            raise TemplateError(
                f'{source}: {at}: a touchpoint prompt takes answer_type = "channel" and a '
                'channel answer needs lane = "touchpoint" (an emotion question goes in '
                "another lane, such as note)"
            )
        prompts.append(PromptSpec(lane, text, answer_type))
    description = _string(raw, "description", source, where + ".", default="", lines=True)
    return StageSpec(name, description or "", tuple(prompts))


def _unknown_keys(data: dict[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise TemplateError(
                f"{source}: {where}{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _string(
    data: dict[str, Any],
    key: str,
    source: str,
    where: str,
    default: str | None = None,
    *,
    lines: bool = False,
) -> str | None:
    """The value cleaned as typed text is: one line (a name), or with `lines` a text of
    several lines (a description, a question); each within its length limit."""
    if key not in data:
        if default is None:
            raise TemplateError(f"{source}: {where}{key}: missing")
        return default
    value = data[key]
    if not isinstance(value, str):
        raise TemplateError(f"{source}: {where}{key}: must be a string")
    cleaned = clean_text(value).strip() if lines else clean_line(value)
    limit = MAX_ENTRY_LENGTH if lines else MAX_LINE_LENGTH
    if len(cleaned) > limit:
        raise TemplateError(
            f"{source}: {where}{key}: {len(cleaned):,} characters; the limit is {limit:,}"
        )
    return cleaned


def _no_duplicates(names: list[str], source: str, key: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise TemplateError(f"{source}: {key}: {name!r} appears twice")
        seen.add(name.casefold())
