"""The exact conditional test of change and its verdict against SciPy and hand-worked examples."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.changetest import change_test, format_p, verdict
from harmwatch.analysis.intervals import SMALL_COUNT

# --- Exact conditional test of change --------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "k2", "t1", "t2"),
    [(4, 7, 1, 1), (20, 40, 1, 1), (40, 20, 1, 1), (3, 3, 1, 2), (0, 5, 1, 1), (12, 0, 2, 1)],
)
def test_change_test_p_value_matches_binomtest(k1: int, k2: int, t1: float, t2: float) -> None:
    test = change_test(k1, k2, t1, t2)
    reference = stats.binomtest(k1, k1 + k2, t1 / (t1 + t2)).pvalue
    assert test.p_value == pytest.approx(reference, rel=1e-9)


def test_change_test_rate_ratio_and_its_exact_interval() -> None:
    test = change_test(20, 40)
    assert test.rate_ratio == pytest.approx(2.0)
    pi = stats.binomtest(40, 60).proportion_ci(method="exact")
    assert test.ci[0] == pytest.approx(pi.low / (1 - pi.low))
    assert test.ci[1] == pytest.approx(pi.high / (1 - pi.high))
    assert test.ci[0] < 2.0 < test.ci[1]
    assert test.verdict == "some evidence of an increase (p = 0.013)"
    # Exposures: the same counts over twice the time are the same rate.
    same = change_test(10, 20, 1.0, 2.0)
    assert same.rate_ratio == pytest.approx(1.0)
    assert same.verdict == "no evidence of a change"


def test_change_test_edge_cases_serialise() -> None:
    none = change_test(0, 0)
    assert none.rate_ratio is None and none.p_value == 1.0
    assert none.warnings and "nothing to compare" in none.warnings[0]
    up_from_zero = change_test(0, 12)
    assert up_from_zero.rate_ratio == math.inf and up_from_zero.ci[1] == math.inf
    payload = up_from_zero.to_json()
    assert payload["rate_ratio"] is None and payload["ci"][1] is None
    json.dumps(payload, allow_nan=False)
    assert up_from_zero.verdict.startswith("strong evidence of an increase")
    small = change_test(2, 5)
    assert any(f"fewer than {SMALL_COUNT}" in w for w in small.warnings)


@pytest.mark.parametrize(
    ("p", "direction", "expected"),
    [
        (0.2, 1, "no evidence of a change"),
        (0.10, -1, "no evidence of a change"),
        (0.07, 1, "weak evidence of an increase (p = 0.07)"),
        (0.03, 1, "some evidence of an increase (p = 0.03)"),
        (0.0499, -1, "some evidence of a decrease (p = 0.049)"),
        (0.004, -1, "strong evidence of a decrease (p = 0.004)"),
        (0.00001, 1, "strong evidence of an increase (p < 0.001)"),
        (0.001, 0, "no evidence of a change"),
    ],
)
def test_verdict_wording_and_thresholds(p: float, direction: int, expected: str) -> None:
    assert verdict(p, direction) == expected


def test_format_p_never_rounds_across_a_threshold() -> None:
    assert format_p(0.0999) == "p = 0.099"
    assert format_p(0.00999) == "p = 0.0099"
    assert format_p(0.5) == "p = 0.5"
    assert format_p(1.0) == "p = 1"
