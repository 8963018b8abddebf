"""Multiple testing against SciPy and hand-worked examples; the public face re-exports."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis import changetest, funnel, intervals, smallnumbers
from harmwatch.analysis.smallnumbers import benjamini_hochberg, json_records

# --- Multiple testing ------------------------------------------------------------------------


def test_benjamini_hochberg_hand_example() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04; times m/rank = 0.02, 0.02, 0.04, 0.04; monotone already.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert q.tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # Step-up: a larger p-value can lower the q of a smaller one.
    assert benjamini_hochberg([0.02, 0.03]).tolist() == pytest.approx([0.03, 0.03])


def test_benjamini_hochberg_matches_scipy_and_keeps_nan() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=50) ** 2
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))
    q = benjamini_hochberg([0.01, float("nan"), 0.02])
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.02)
    assert benjamini_hochberg([]).shape == (0,)


def test_json_records_nulls_non_finite_floats_and_formats_dates() -> None:
    frame = pl.DataFrame(
        {
            "rate": [1.5, float("nan"), float("inf")],
            "day": [date(2024, 1, 2), None, date(2024, 12, 31)],
            "at": [datetime(2024, 1, 2, 3, 4, 5), None, None],
        }
    )
    records = json_records(frame)
    assert [r["rate"] for r in records] == [1.5, None, None]
    assert records[0]["day"] == "2024-01-02" and records[1]["day"] is None
    assert records[0]["at"] == "2024-01-02T03:04:05"


def test_public_face_re_exports_the_statistics_from_their_modules() -> None:
    homes = {"intervals": intervals, "changetest": changetest, "funnel": funnel}
    for name in smallnumbers.__all__:
        assert hasattr(smallnumbers, name), name
        for module in homes.values():
            if name in module.__all__:
                assert getattr(smallnumbers, name) is getattr(module, name)
