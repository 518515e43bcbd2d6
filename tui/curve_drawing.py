"""The emotion curve drawn as text: braille dots for the lines and whiskers, a symbol per
stage mean.

The scale is continuous, -2 at the bottom to +2 at the top: each text row holds four
braille dots, so a chart of 11 rows (44 dots) puts each tenth of the scale on a dot row of
its own (on a short terminal fewer rows; the value is written under the stage to 0.1
at any size). Stage to stage the means are joined by a line
(a second series dashed); the spread is a whisker of one standard deviation each side;
a mean resting on thin evidence is drawn hollow (○ □ instead of ● ■) and its n says
"thin". Two series differ by symbol and line, not by colour alone (NO_COLOR,
TERM=linux). The Linux console's fonts have no braille and few symbols: there
(`plain=True`) a cell holding any dot of a line is `·` (A) or `:` (B), of a whisker `|`,
and the means are ASCII, `*` and `o` (thin) for A, `#` and `+` for B: a row is then the
resolution of the drawing, and the values under the stages still say it to 0.1. Pure
Rich: the widget (widgets/emotion_curve.py) only sizes and caches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from journey.capture.figures import decimal_text, nearest_whole
from journey.tui.text import fit

AXIS = 5  # "+2 ┤"
BRAILLE = 0x2800
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))  # [x][y] in a 2x4 cell
LABEL_ROWS = 3  # stage names, values, n


@dataclass(frozen=True)
class CurvePoint:
    mean: float | None
    spread: float | None
    n: int
    thin: bool


@dataclass(frozen=True)
class CurveSeries:
    label: str  # "A: new" in the legend of two series; "" for one
    points: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class SeriesLook:
    filled: str
    hollow: str
    line: str  # as the legend names it
    dashed: bool
    style: str


LOOKS = (
    SeriesLook("●", "○", "━", False, "bold cyan"),
    SeriesLook("■", "□", "╍", True, "bold magenta"),
)
PLAIN_LOOKS = (
    SeriesLook("*", "o", "·", False, "bold cyan"),
    SeriesLook("#", "+", ":", True, "bold magenta"),
)
PLAIN_WHISKER = "|"


def looks(plain: bool) -> tuple[SeriesLook, ...]:
    return PLAIN_LOOKS if plain else LOOKS


class _Canvas:
    """A grid of braille cells; a symbol put in a cell replaces its dots."""

    def __init__(self, columns: int, rows: int, plain: bool = False) -> None:
        self.columns, self.rows, self.plain = columns, rows, plain
        self.marks: dict[tuple[int, int], str] = {}  # plain: the character of a cell
        self.bits = [[0] * columns for _ in range(rows)]
        self.styles: list[list[str]] = [[""] * columns for _ in range(rows)]
        self.symbols: dict[tuple[int, int], tuple[str, str]] = {}

    def dot(self, x: int, y: int, style: str, mark: str = "·") -> None:
        column, row = x // 2, y // 4
        if 0 <= column < self.columns and 0 <= row < self.rows:
            self.bits[row][column] |= DOT_BITS[x % 2][y % 4]
            self.styles[row][column] = style
            self.marks[(row, column)] = mark

    def line(self, start: tuple[int, int], end: tuple[int, int], look: SeriesLook) -> None:
        style, dashed = look.style, look.dashed
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            if dashed and (step // 2) % 2:
                continue
            x = x0 + (x1 - x0) * step / steps
            y = y0 + (y1 - y0) * step / steps
            self.dot(nearest_whole(x), nearest_whole(y), style, look.line)

    def row_text(self, row: int, zero_row: bool) -> Text:
        text = Text()
        for column in range(self.columns):
            if (row, column) in self.symbols:
                symbol, style = self.symbols[(row, column)]
                text.append(symbol, style=style)
            elif self.bits[row][column]:
                dots = chr(BRAILLE + self.bits[row][column])
                shown = self.marks[(row, column)] if self.plain else dots
                text.append(shown, style=self.styles[row][column])
            else:
                text.append(("-" if self.plain else "┈") if zero_row else " ", style="dim")
        return text


def dot_row(value: float, rows: int) -> int:
    """The dot row of an emotion: 0 at +2, 4*rows-1 at -2."""
    clamped = max(-2.0, min(2.0, value))
    return nearest_whole((2 - clamped) / 4 * (rows * 4 - 1))


def centres(columns: int, stages: int) -> list[int]:
    return [int((index + 0.5) * columns / stages) for index in range(stages)]


def _draw_series(canvas: _Canvas, series: CurveSeries, look: SeriesLook, xs: list[int]) -> None:
    rows = canvas.rows
    pairs = list(zip(xs, series.points, strict=True))
    for (x0, p0), (x1, p1) in zip(pairs, pairs[1:], strict=False):
        # Joined stage to stage; a stage without a mean leaves a gap, never a guess.
        if p0.mean is not None and p1.mean is not None:
            start = (2 * x0 + 1, dot_row(p0.mean, rows))
            canvas.line(start, (2 * x1, dot_row(p1.mean, rows)), look)
    placed = [(x, point) for x, point in pairs if point.mean is not None]
    for x, point in placed:
        assert point.mean is not None
        if point.spread:
            top = dot_row(point.mean + point.spread, rows)
            bottom = dot_row(point.mean - point.spread, rows)
            for y in range(top, bottom + 1):
                canvas.dot(2 * x, y, look.style, PLAIN_WHISKER)
    for x, point in placed:
        assert point.mean is not None
        symbol = look.hollow if point.thin else look.filled
        canvas.symbols[(dot_row(point.mean, rows) // 4, x)] = (symbol, look.style)


def _axis(row: int, rows: int) -> Text:
    for value in (2, 1, 0, -1, -2):
        if dot_row(value, rows) // 4 == row and (value in (2, 0, -2) or rows >= 5):
            return Text(f"{value:+d} ┤ " if value else " 0 ┤ ", style="dim")
    return Text("   │ ", style="dim")


def draw_curve(
    width: int, rows: int, names: list[Text], series: list[CurveSeries], plain: bool = False
) -> list[Text]:
    """The chart (`rows` rows of the -2..+2 scale) and its three label rows under the
    stages: name (with its marks), value (mean ± spread), n (and "thin")."""
    stages = len(names)
    plot = max(width - AXIS, stages)
    if not stages or rows < 1:
        return [Text("no stages")]
    xs = centres(plot, stages)
    canvas = _Canvas(plot, rows, plain)
    for index, one in enumerate(series[: len(LOOKS)]):
        offset = 0 if len(series) == 1 or plot // stages < 6 else (-1 if index == 0 else 1)
        _draw_series(canvas, one, looks(plain)[index], [x + offset for x in xs])
    zero = dot_row(0, rows) // 4
    lines = [_axis(row, rows) + canvas.row_text(row, row == zero) for row in range(rows)]
    label_rows = [
        names,
        [_values(series, index, plain) for index in range(stages)],
        [_counts(series, index) for index in range(stages)],
    ]
    for cells in label_rows:
        line = Text(" " * AXIS)
        for start, cell in place(xs, cells, plot):
            line.append(" " * (AXIS + start - line.cell_len))
            line.append_text(cell)
        lines.append(line)
    return lines


def place(xs: list[int], cells: list[Text], width: int) -> list[tuple[int, Text]]:
    """Each label centred under its stage, moved aside where it would touch a neighbour;
    whole when all fit in the width with a space between them, else each cut to its
    stage's share (the one `fit`)."""
    slot = max(width // max(len(cells), 1) - 1, 1)
    if sum(cell.cell_len for cell in cells) + len(cells) - 1 > width:
        cells = [fit(cell, slot) for cell in cells]
    starts: list[int] = []
    for x, cell in zip(xs, cells, strict=True):
        least = starts[-1] + cells[len(starts) - 1].cell_len + 1 if starts else 0
        starts.append(max(x - cell.cell_len // 2, least))
    limit = width
    for index in range(len(cells) - 1, -1, -1):
        starts[index] = max(0, min(starts[index], limit - cells[index].cell_len))
        limit = starts[index] - 1
    return list(zip(starts, cells, strict=True))


def _values(series: list[CurveSeries], index: int, plain: bool = False) -> Text:
    text = Text()
    for number, one in enumerate(series[: len(LOOKS)]):
        point = one.points[index]
        if number:
            text.append(" ")
        if len(series) > 1:
            look = looks(plain)[number]
            text.append(look.hollow if point.thin else look.filled, style=look.style)
        if point.mean is None:
            text.append("·", style="dim")
            continue
        value = decimal_text(point.mean, 1, signed=True) or ""
        text.append(value if value.startswith(("+", "-")) else "+" + value)  # as the map: +0.0
        if len(series) == 1 and point.spread is not None:
            text.append(f" ±{decimal_text(point.spread, 1)}", style="dim")
    return text


def _counts(series: list[CurveSeries], index: int) -> Text:
    points = [one.points[index] for one in series[: len(LOOKS)]]
    text = Text("n=" + "/".join(str(point.n) for point in points), style="dim")
    if any(point.thin and point.mean is not None for point in points):
        text.append(" thin", style="italic")
    return text


def legend(series: list[CurveSeries], plain: bool = False) -> Text:
    """What the symbols mean, in words: the series, the whisker, thin evidence."""
    text = Text()
    shown = looks(plain)
    if len(series) > 1:
        for number, one in enumerate(series[: len(LOOKS)]):
            look = shown[number]
            text.append(f"{look.filled}{look.line} ", style=look.style)
            text.append_text(fit(Text(one.label), 24))
            text.append("  ")
    else:
        text.append(f"{shown[0].filled} mean  ")
    text.append(f"{PLAIN_WHISKER if plain else '⡇'} ±1 sd  ")
    text.append(shown[0].hollow if len(series) < 2 else shown[0].hollow + shown[1].hollow)
    text.append(" thin (<3)")
    return text
