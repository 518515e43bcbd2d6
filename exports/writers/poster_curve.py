"""The emotion curve of the HTML poster as drawing instructions for an inline SVG.

Each stage's mean emotion sits on a continuous -2..+2 scale, joined stage to stage
(a stage without a rated entry breaks the line); its spread (the population standard
deviation of `storage.aggregates`) is a whisker and a band of mean ± spread, clipped
to the scale; its n (evidence entries with an emotion) is written under the stage.
Thin evidence (fewer than `THIN_EVIDENCE` sessions) is a hollow point labelled
"thin", so nothing is told by colour alone. Only geometry is computed here: every
figure comes from the map's `StageColumn` and is written by `capture.figures`.
"""

from __future__ import annotations

from dataclasses import dataclass

from journey.capture.figures import decimal_text
from journey.capture.journey_map import StageColumn
from journey.capture.sanitize import clean_text

WIDTH = 640.0
HEIGHT = 222.0
LEFT = 30.0  # room for the scale's labels
RIGHT = 8.0
TOP = 14.0
PLOT = 128.0  # height of -2..+2
NAME_LINE = 16  # characters of a stage name on one line under the curve
SCALE = (2, 1, 0, -1, -2)


@dataclass(frozen=True)
class CurvePoint:
    x: float
    y: float | None  # None: no rated entry at the stage
    low: float | None  # mean - spread, clipped to -2
    high: float | None  # mean + spread, clipped to +2
    name: str
    name_lines: tuple[str, ...]  # the name broken for the room under the stage
    mean: str  # "+0.40", or "–"
    spread: str
    n: int
    thin: bool


@dataclass(frozen=True)
class Curve:
    width: float
    height: float
    left: float
    right: float
    label_y: float  # the stage names' baseline
    n_y: float  # the n's baseline
    grid: tuple[tuple[float, str], ...]  # (y, "+2")
    points: tuple[CurvePoint, ...]
    lines: tuple[str, ...]  # polyline points, one per run of stages with a mean
    bands: tuple[str, ...]  # polygon points of mean ± spread, one per run


def y_of(value: float) -> float:
    """Where an emotion (-2..+2, clipped) sits: +2 at the top."""
    value = max(-2.0, min(2.0, value))
    return round(TOP + (2.0 - value) / 4.0 * PLOT, 1)


def build_curve(columns: tuple[StageColumn, ...]) -> Curve:
    step = (WIDTH - LEFT - RIGHT) / max(len(columns), 1)
    points = tuple(_point(column, LEFT + (i + 0.5) * step) for i, column in enumerate(columns))
    runs = _runs(points)
    return Curve(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        TOP + PLOT + 22,
        TOP + PLOT + 52,
        tuple((y_of(level), f"{level:+d}" if level else "0") for level in SCALE),
        points,
        tuple(" ".join(f"{p.x:.1f},{p.y}" for p in run) for run in runs if len(run) > 1),
        tuple(_band(run) for run in runs if len(run) > 1),
    )


def _point(column: StageColumn, x: float) -> CurvePoint:
    mean, spread = column.emotion_mean, column.emotion_spread
    name = clean_text(f"{column.stage.position} {column.stage.name}")
    lines = _lines(name)
    if mean is None:
        return CurvePoint(round(x, 1), None, None, None, name, lines, "–", "–", 0, column.thin)
    spread_value = spread or 0.0
    return CurvePoint(
        round(x, 1),
        y_of(mean),
        y_of(mean - spread_value),
        y_of(mean + spread_value),
        name,
        lines,
        decimal_text(mean, signed=True) or "–",
        decimal_text(spread, none="–") or "–",
        column.emotion_n,
        column.thin,
    )


def _runs(points: tuple[CurvePoint, ...]) -> list[list[CurvePoint]]:
    """Consecutive stages that have a mean: the curve is not drawn across a gap."""
    runs: list[list[CurvePoint]] = [[]]
    for point in points:
        if point.y is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _band(run: list[CurvePoint]) -> str:
    upper = [f"{p.x:.1f},{p.high}" for p in run]
    lower = [f"{p.x:.1f},{p.low}" for p in reversed(run)]
    return " ".join(upper + lower)


def _lines(name: str) -> tuple[str, ...]:
    """A stage name on at most two lines of about `NAME_LINE` characters (the second cut
    with an ellipsis; the funnel's table beside the curve has it whole)."""
    if len(name) <= NAME_LINE:
        return (name,)
    cut = name.rfind(" ", 0, NAME_LINE + 1)
    if cut <= 0:
        cut = NAME_LINE
    first, rest = name[:cut].rstrip(), name[cut:].strip()
    if len(rest) > NAME_LINE:
        rest = rest[: NAME_LINE - 1].rstrip() + "…"
    return (first, rest) if rest else (first,)
