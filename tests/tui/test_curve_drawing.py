"""The emotion curve as text: a continuous scale, joined stages, whiskers, n, thin
evidence hollow and labelled, two series told apart without colour."""

from __future__ import annotations

from rich.text import Text

from journey.tui.curve_drawing import (
    CurvePoint,
    CurveSeries,
    centres,
    dot_row,
    draw_curve,
    legend,
)

NAMES = [Text(n) for n in ("1 Awareness", "2 Consideration", "3 Decision")]


def series(label: str, *points: tuple[float | None, int, bool]) -> CurveSeries:
    return CurveSeries(
        label, tuple(CurvePoint(m, 0.5 if m is not None else None, n, t) for m, n, t in points)
    )


def test_ten_rows_place_a_mean_to_a_tenth() -> None:
    # 44 dot rows for the 41 tenths of -2..+2: each tenth lands on its own dot row.
    rows = [dot_row(step / 10, 11) for step in range(-20, 21)]
    assert len(set(rows)) == len(rows)
    assert rows == sorted(rows, reverse=True)  # +2 at the top
    # -0.3 and +0.4 (the example) are 7 dots apart, never on one row of dots.
    assert dot_row(-0.3, 11) - dot_row(0.4, 11) >= 7


def test_means_whiskers_n_and_thin() -> None:
    one = series("", (0.4, 12, False), (-0.3, 2, True), (None, 0, False))
    lines = [line.plain for line in draw_curve(60, 10, NAMES, [one])]
    chart, names, values, counts = lines[:10], lines[10], lines[11], lines[12]
    drawn = "".join(chart)
    assert drawn.count("●") == 1 and drawn.count("○") == 1  # thin is hollow
    assert any("\u2800" < c <= "\u28ff" for c in drawn)  # the joining line and whiskers
    assert "1 Awareness" in names and "3 Decision" in names
    assert "+0.4 ±0.5" in values and "-0.3 ±0.5" in values
    assert "n=12" in counts and "n=2 thin" in counts and "n=0" in counts
    # The filled mean sits higher than the hollow one: +0.4 above -0.3.
    row_of = {c: i for i, line in enumerate(chart) for c in line if c in "●○"}
    assert row_of["●"] < row_of["○"]


def test_two_series_differ_without_colour() -> None:
    a = series("A: new", (0.5, 10, False), (0.0, 10, False), (-1.0, 10, False))
    b = series("B: returning", (-0.5, 10, False), (1.0, 2, True), (1.5, 10, False))
    lines = [line.plain for line in draw_curve(80, 10, NAMES, [a, b])]
    drawn = "".join(lines[:10])
    assert drawn.count("●") == 3 and drawn.count("■") == 2 and drawn.count("□") == 1
    assert "●+0.5 ■-0.5" in lines[11] and "n=10/2 thin" in lines[12]
    words = legend([a, b]).plain
    assert "●━ A: new" in words and "■╍ B: returning" in words and "thin" in words


def test_plain_marks_for_the_linux_console() -> None:
    a = series("A: new", (0.5, 10, False), (0.0, 2, True), (-1.0, 10, False))
    b = series("B: old", (-0.5, 10, False), (1.0, 10, False), (1.5, 2, True))
    lines = [line.plain for line in draw_curve(80, 10, NAMES, [a, b], plain=True)]
    drawn = "".join(lines[:10])
    assert not any("\u2800" <= c <= "\u28ff" for c in drawn)  # no braille
    assert drawn.count("*") == 2 and drawn.count("o") == 1
    assert drawn.count("#") == 2 and drawn.count("+") >= 1
    assert "|" in drawn and "·" in drawn
    assert "*· A: new" in legend([a, b], plain=True).plain


def test_stages_share_the_width() -> None:
    assert centres(75, 5) == [7, 22, 37, 52, 67]
    lines = draw_curve(
        160, 4, NAMES, [series("", (0.1, 3, False), (0.2, 3, False), (None, 0, False))]
    )
    assert max(line.cell_len for line in lines) <= 160
