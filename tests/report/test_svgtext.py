"""Numbers, ticks and label spacing of the SVG drawing kit."""

from __future__ import annotations

from harmwatch.report._svgtext import fmt_num, nice_ticks, spread_labels


def test_numbers_and_ticks() -> None:
    assert fmt_num(1234567) == "1,234,567"
    assert fmt_num(-3.25) == "−3.25"
    assert fmt_num(None) == "–"
    assert fmt_num(float("nan")) == "–"
    assert fmt_num(12.345) == "12.3"
    assert nice_ticks(0, 17) == [0, 5, 10, 15, 20]
    assert nice_ticks(0, 0.9)[-1] >= 0.9
    assert spread_labels([10, 11, 50], 12, 0, 100) == [10, 22, 50]
