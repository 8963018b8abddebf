"""The weights of the escalation score: MAP logistic regression, judgement fallback, dates."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from harmwatch.analysis.escalation_components import COMPONENTS, UNIT_COMPONENTS
from harmwatch.analysis.escalation_history import History
from harmwatch.analysis.risk_model import _map_fit, judgement_model, training_dates


def test_map_fit_recovers_weights_with_much_data() -> None:
    """Simulated log-odds = -4 + (6 x1 - 2 x2) / 2: the fit finds the weights within
    a few standard errors, far from a wrong prior."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(200_000, 2)).astype(float)
    z = -4.0 + x @ np.array([6.0, -2.0]) / 2.0
    y = (rng.random(len(x)) < 1.0 / (1.0 + np.exp(-z))).astype(float)
    b0, w, se = _map_fit(x, np.ones(len(x)), y, prior=np.array([1.0, 1.0]), prior_sd=2.0)
    assert abs(b0 + 4.0) < 0.2
    assert np.all(np.abs(w - np.array([6.0, -2.0])) < 4 * se + 0.05), (w, se)


def test_map_fit_stays_at_prior_without_signal() -> None:
    """A component that never fires keeps its judgement points exactly."""
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.integers(0, 2, 5_000), np.zeros(5_000)]).astype(float)
    y = (rng.random(5_000) < 0.05).astype(float)
    _, w, _ = _map_fit(x, np.ones(len(x)), y, prior=np.array([2.0, 4.0]), prior_sd=2.0)
    assert w[1] == 4.0
    assert abs(w[0]) < 1.0  # no effect in the data: pulled from 2 towards 0


def test_judgement_model_and_apply() -> None:
    model = judgement_model()
    assert model.weights["relationship"]["strangulation"] == COMPONENTS["strangulation"][0]
    assert "network" not in UNIT_COMPONENTS["relationship"]
    model.weights["relationship"]["harm"] = 2.5  # half its judgement points of 5
    frame = pl.DataFrame(
        {
            "unit_type": ["relationship", "relationship", "person"],
            "unit": ["a+b", "a+b", "a"],
            "component": ["harm", "strangulation", "harm"],
            "points": [2.0, 4.0, 2.0],
        }
    )
    assert model.apply(frame).get_column("points").to_list() == [1.0, 4.0, 2.0]


def test_training_dates_end_their_follow_up_before_as_of() -> None:
    empty = pl.DataFrame({"day": [date(2015, 3, 4)]})
    history = History(empty, empty, empty, empty, empty, empty, empty, linked=False)
    dates = training_dates(history, date(2019, 11, 16))
    assert dates[0] >= date(2016, 3, 4)
    assert all(d.day == 1 and d.month in (1, 4, 7, 10) for d in dates)
    assert max(dates) <= date(2018, 11, 16)
    assert training_dates(history, date(2016, 6, 1)) == []
