"""How figures are written, everywhere: one rounding rule and one way to spell a number.

Means and shares round half away from zero (0.125 -> 0.13, -0.125 -> -0.13), as a
spreadsheet's ROUND does, not half to even as Python's `round` and format do. The
value is rounded as its shortest decimal spelling (`repr`), so a mean stored as
0.145 (binary 0.14499...) is written 0.15, as a person reading it expects.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_away(value: float, places: int = 2) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero; never -0."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def decimal_text(
    value: float | None, places: int = 2, *, signed: bool = False, none: str | None = None
) -> str | None:
    """A figure as written: fixed decimals rounded half away from zero, `+` in front of
    positive values when `signed`, never `-0.00`; None gives `none`."""
    if value is None:
        return none
    rounded = round_half_away(value, places)
    text = f"{rounded:.{places}f}"
    if signed and rounded > 0:
        return "+" + text
    return text


def percent_text(share: float, places: int = 0) -> str:
    """A share (0..1) as a percentage, rounded half away from zero: `0.125` -> `13%`."""
    return f"{round_half_away(share * 100, places):.{places}f}%"


def nearest_whole(value: float) -> int:
    """The whole number nearest `value`, halves away from zero (a level on a chart)."""
    return int(round_half_away(value, 0))
