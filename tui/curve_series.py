"""What the emotion curve shows, from the map (review, compare) or from one interview
(capture): a series of stage points and the stage names with their moment-of-truth
marks."""

from __future__ import annotations

from rich.text import Text

from journey.capture.figures import decimal_text
from journey.capture.journey_map import THIN_EVIDENCE, JourneyMap
from journey.capture.moments import MomentsOfTruth
from journey.storage.models import Stage
from journey.tui.curve_drawing import CurvePoint, CurveSeries
from journey.tui.text import literal
from journey.tui.widgets.journey_map_table import (
    LARGEST_DROP,
    LOWEST,
    MOMENT_WORDS,
    TOP_PAIN,
    stage_marks,
)


def map_series(journey_map: JourneyMap, label: str = "") -> CurveSeries:
    """The stages' mean emotion, spread and n; thin as the map says (fewer than 3
    sessions)."""
    return CurveSeries(
        label,
        tuple(
            CurvePoint(c.emotion_mean, c.emotion_spread, c.emotion_n, c.thin)
            for c in journey_map.stages
        ),
    )


def session_series(curve: list[tuple[Stage, float | None, float | None, int]]) -> CurveSeries:
    """One interview's curve (InterviewSession.emotion_spread): a stage rated fewer than
    3 times is thin."""
    return CurveSeries(
        "",
        tuple(CurvePoint(mean, spread, n, n < THIN_EVIDENCE) for _stage, mean, spread, n in curve),
    )


def stage_names(stages: list[Stage]) -> list[Text]:
    return [literal(f"{stage.position} {stage.name}") for stage in stages]


def marked_names(journey_map: JourneyMap, moments: MomentsOfTruth) -> list[Text]:
    """`▽⊘3 Decision`: the names with the symbols of their moments of truth."""
    names = []
    for column in journey_map.stages:
        name = Text(stage_marks(moments, column), style="bold")
        name.append_text(literal(f"{column.stage.position} {column.stage.name}"))
        names.append(name)
    return names


def moments_line(moments: MomentsOfTruth) -> Text:
    """The moments of truth in words, each with its symbol."""
    text = Text("Moments of truth: ", style="bold")
    if moments.lowest is not None:
        stage = moments.lowest.stage
        text.append(f"{LOWEST} {MOMENT_WORDS[LOWEST]} ")
        text.append_text(literal(f"{stage.position} {stage.name}", style="bold"))
        text.append(
            f" ({decimal_text(moments.lowest.emotion_mean, 1, signed=True)},"
            f" n={moments.lowest.emotion_n}) · "
        )
    if moments.largest_drop is not None:
        stage = moments.largest_drop.stage
        text.append(f"{LARGEST_DROP} {MOMENT_WORDS[LARGEST_DROP]} ")
        text.append_text(literal(f"{stage.position} {stage.name}", style="bold"))
        text.append(f" ({moments.largest_drop.dropped} dropped) · ")
    text.append(f"{TOP_PAIN} {MOMENT_WORDS[TOP_PAIN]} of each stage in Pains")
    return text
