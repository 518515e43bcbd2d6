"""One rounding rule for every figure: half away from zero, as a spreadsheet's ROUND."""

from __future__ import annotations

from decimal import Decimal

import pytest

from journey.capture.figures import decimal_text, nearest_whole, percent_text, round_half_away


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.125, 2, "0.13"),  # half to even (Python's round) would give 0.12
        (-0.125, 2, "-0.13"),
        (0.145, 2, "0.15"),  # stored as 0.14499...: rounded as it is written
        (2.675, 2, "2.68"),
        (0.5, 0, "1"),
        (1.5, 0, "2"),
        (2.5, 0, "3"),  # half to even would give 2
        (-2.5, 0, "-3"),
        (0.333333, 2, "0.33"),
        (-0.001, 2, "0.00"),  # never minus zero
    ],
)
def test_rounds_half_away_from_zero(value: float, places: int, expected: str) -> None:
    assert decimal_text(value, places) == expected
    assert round_half_away(value, places) == Decimal(expected)


def test_signed_and_missing_values() -> None:
    assert decimal_text(0.3, signed=True) == "+0.30"
    assert decimal_text(-0.3, signed=True) == "-0.30"
    assert decimal_text(-0.001, signed=True) == "0.00"
    assert decimal_text(None) is None
    assert decimal_text(None, none="–") == "–"


def test_shares_and_levels() -> None:
    assert percent_text(0.125) == "13%"  # 12.5% -> 13%, not 12%
    assert percent_text(1 / 3) == "33%"
    assert percent_text(0.0) == "0%"
    assert [nearest_whole(v) for v in (-1.5, -0.5, 0.49, 0.5, 1.5)] == [-2, -1, 0, 1, 2]
