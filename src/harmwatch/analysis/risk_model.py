"""The weights of the escalation score: judgement points, re-fitted on the force's own past.

The score of a unit is the sum of its components' points (:mod:`.escalation_components`).
Read as a logistic model, ``log-odds(serious violence in 12 months) = b0 + score / 2``:
one point is half a unit of log-odds, so the judgement points (about twice the
log odds ratios of the femicide literature) are a prior for the weights.

:func:`fit_model` re-weights them with the force's own back-test data: at
earlier as-of dates ``t`` on a quarterly grid, with a full 12 months of
history before ``t`` and a follow-up ``[t, t + 12 months)`` that ends before
the as-of date (so only data before the as-of date is read), every unit active
before ``t`` is one row: its components (as fractions of their judgement
points) and whether it went on to serious violence. One logistic regression per
unit type is fitted by maximum a posteriori with an independent normal prior on
each weight centred on its judgement points (standard deviation
``prior_sd`` points) and a flat prior on the intercept (Gelman et al. 2008 on
weakly informative priors for logistic regression): with little data the
weights stay near judgement; with much data they follow the force's data. Where
fewer than ``min_positives`` (10) training rows went on to serious violence the
judgement points are used as they are, and the model says so: a fit on a
handful of events learns those few cases (on the scenario the only
relationships that went on to serious violence are the planted couples).

Standard errors are from the curvature of the log posterior at its mode
(Laplace approximation). Rows of one unit at successive dates are not
independent, so they understate the uncertainty; they are shown as a guide.

References
----------
.. [1] Gelman A, Jakulin A, Pittau MG, Su YS. A weakly informative default
   prior distribution for logistic and other regression models. Annals of
   Applied Statistics 2008; 2(4):1360-1383.
.. [2] Steyerberg EW. Clinical Prediction Models, 2nd ed. Springer 2019
   (temporal validation: fit on earlier periods, test on later ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.escalation_components import COMPONENTS, UNIT_COMPONENTS, score_units
from harmwatch.analysis.escalation_history import History, outcomes

__all__ = ["RiskModel", "TrainingCache", "fit_model", "judgement_model", "training_dates"]

_KEY = ["unit_type", "unit"]
#: Training rows by as-of date (components pivoted, with the outcome ``y``).
TrainingCache = dict[date, pl.DataFrame]


@dataclass
class RiskModel:
    """The weights of the score, by unit type.

    Attributes
    ----------
    as_of : date or None
        The model was fitted with data before this day (None: judgement only).
    weights : dict of str to dict of str to float
        Unit type -> component -> points when the component fires fully.
    standard_errors : dict of str to dict of str to float
        The same shape; empty for unit types not fitted.
    intercepts : dict of str to float
        Unit type -> ``b0`` (log-odds) of fitted unit types.
    fitted : dict of str to bool
        Unit type -> whether its weights were fitted (else judgement points).
    training : polars.DataFrame
        One row per unit type: ``unit_type``, ``dates``, ``first_date``,
        ``last_date``, ``rows``, ``positives``, ``fitted``.
    notes : list of str
        Plain-words account of how the weights were set.
    """

    as_of: date | None
    weights: dict[str, dict[str, float]]
    standard_errors: dict[str, dict[str, float]] = field(default_factory=dict)
    intercepts: dict[str, float] = field(default_factory=dict)
    fitted: dict[str, bool] = field(default_factory=dict)
    training: pl.DataFrame = field(default_factory=pl.DataFrame)
    notes: list[str] = field(default_factory=list)

    def apply(self, components: pl.DataFrame) -> pl.DataFrame:
        """Components with ``points`` re-weighted: judgement points x weight / judgement
        weight (a graded component keeps its fraction)."""
        table = pl.DataFrame(
            [
                {"unit_type": u, "component": c, "scale": w / COMPONENTS[c][0]}
                for u, weights in self.weights.items()
                for c, w in weights.items()
            ],
            schema={"unit_type": pl.String, "component": pl.String, "scale": pl.Float64},
        )
        return (
            components.join(table, on=["unit_type", "component"], how="left")
            .with_columns((pl.col("points") * pl.col("scale").fill_null(1.0)).round(2))
            .drop("scale")
        )

    def probability(self, unit_type: str, score: pl.Expr) -> pl.Expr:
        """Fitted probability of serious violence in 12 months for ``score`` (null
        when the unit type's weights were not fitted)."""
        if not self.fitted.get(unit_type):
            return pl.lit(None, dtype=pl.Float64)
        return 1.0 / (1.0 + (-(self.intercepts[unit_type] + score / 2.0)).exp())

    def to_json(self) -> dict[str, Any]:
        """``as_of``, ``weights``, ``standard_errors``, ``intercepts``, ``fitted``,
        ``training`` (records), ``notes``."""
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "weights": self.weights,
            "standard_errors": self.standard_errors,
            "intercepts": self.intercepts,
            "fitted": self.fitted,
            "training": [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
                for row in self.training.iter_rows(named=True)
            ],
            "notes": list(self.notes),
        }


def judgement_model() -> RiskModel:
    """The judgement points of :data:`.escalation_components.COMPONENTS`, not fitted."""
    return RiskModel(
        None,
        {u: {c: COMPONENTS[c][0] for c in comps} for u, comps in UNIT_COMPONENTS.items()},
        fitted={u: False for u in UNIT_COMPONENTS},
        notes=["weights: judgement points (not fitted)"],
    )


def training_dates(
    history: History, as_of: date, *, every_months: int = 3, horizon_days: int = 365
) -> list[date]:
    """Grid dates (first of a month, every ``every_months`` months from January) with 12
    months of data before them and a follow-up that ends before ``as_of``."""
    first = history.first_day
    if first is None:
        return []
    start = first + timedelta(days=365)
    out: list[date] = []
    index = start.year * 12
    while True:
        day = date(index // 12, index % 12 + 1, 1)
        if day + timedelta(days=horizon_days) > as_of:
            return out
        if day >= start:
            out.append(day)
        index += every_months


def _rows(history: History, day: date, horizon_days: int) -> pl.DataFrame:
    """Training rows at ``day``, grouped: ``unit_type``, the components as fractions of
    their judgement points, ``n`` (units) and ``y`` (of them, with serious violence)."""
    comps = score_units(history, day)
    if comps.height == 0:
        return pl.DataFrame(schema={"unit_type": pl.String, "n": pl.UInt32, "y": pl.Int32})
    comps = comps.with_columns(
        (pl.col("points") / pl.col("component").replace_strict(
            {c: v[0] for c, v in COMPONENTS.items()}, return_dtype=pl.Float64
        )).alias("x")
    )  # fmt: skip
    wide = comps.pivot(on="component", index=_KEY, values="x").fill_null(0.0)
    positive = outcomes(history, day, horizon_days).select(*_KEY, pl.lit(1).alias("y"))
    features = [c for c in wide.columns if c in COMPONENTS]
    return (
        wide.join(positive, on=_KEY, how="left")
        .with_columns(pl.col("y").fill_null(0))
        .group_by("unit_type", *features)
        .agg(pl.len().alias("n"), pl.col("y").sum())
    )


def _map_fit(
    x: np.ndarray[Any, Any],
    n: np.ndarray[Any, Any],
    pos: np.ndarray[Any, Any],
    prior: np.ndarray[Any, Any],
    prior_sd: float,
) -> tuple[float, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """MAP logistic regression on grouped rows: log-odds = b0 + x @ w / 2."""
    design = np.column_stack([np.ones(len(x)), x / 2.0])
    precision = np.r_[0.0, np.full(len(prior), 1.0 / prior_sd**2)]
    centre = np.r_[0.0, prior]

    def objective(theta: np.ndarray[Any, Any]) -> tuple[float, np.ndarray[Any, Any]]:
        z = design @ theta
        loglik = float(np.sum(pos * z - n * np.logaddexp(0.0, z)))
        penalty = 0.5 * float(np.sum(precision * (theta - centre) ** 2))
        grad = design.T @ (pos - n / (1.0 + np.exp(-z))) - precision * (theta - centre)
        return penalty - loglik, -grad

    rate = max(pos.sum(), 0.5) / n.sum()
    start = np.r_[np.log(rate / (1 - rate)), prior]
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B")
    theta = result.x
    p = 1.0 / (1.0 + np.exp(-(design @ theta)))
    hessian = (design * (n * p * (1 - p))[:, None]).T @ design + np.diag(precision)
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(hessian)), 0.0, None))
    return float(theta[0]), theta[1:], se[1:]


def fit_model(
    history: History,
    as_of: date,
    *,
    every_months: int = 3,
    prior_sd: float = 2.0,
    min_positives: int = 10,
    horizon_days: int = 365,
    cache: TrainingCache | None = None,
) -> RiskModel:
    """Fit the weights of each unit type on back-test rows before ``as_of`` (see the module
    docstring).

    Parameters
    ----------
    history : History
    as_of : date
        Only outcomes before this day are read: the training follow-ups end before it.
    every_months : int
        Spacing of the training dates.
    prior_sd : float
        Standard deviation of the prior of each weight, in points.
    min_positives : int
        Fewer training rows with an outcome than this: judgement points.
    horizon_days : int
        Follow-up of the outcome (365: 12 months).
    cache : dict, optional
        Training rows by date, filled and reused (back-tests fit at many dates).
    """
    model = judgement_model()
    model.as_of, model.notes = as_of, []
    dates = training_dates(history, as_of, every_months=every_months, horizon_days=horizon_days)
    cache = {} if cache is None else cache
    frames = []
    for day in dates:
        if day not in cache:
            cache[day] = _rows(history, day, horizon_days)
        frames.append(cache[day])
    rows = pl.concat(frames, how="diagonal").fill_null(0.0) if frames else pl.DataFrame()
    summary = []
    for unit_type, comps in UNIT_COMPONENTS.items():
        part = rows.filter(pl.col("unit_type") == unit_type) if rows.height else rows
        positives = int(part.get_column("y").sum()) if part.height else 0
        units = int(part.get_column("n").sum()) if part.height else 0
        fitted = positives >= min_positives
        summary.append(
            {
                "unit_type": unit_type,
                "dates": len(dates),
                "first_date": dates[0] if dates else None,
                "last_date": dates[-1] if dates else None,
                "rows": units,
                "positives": positives,
                "fitted": fitted,
            }
        )
        model.fitted[unit_type] = fitted
        if not fitted:
            model.notes.append(
                f"{unit_type}s: judgement points ({positives} training row(s) with serious "
                f"violence at {len(dates)} earlier date(s); {min_positives} needed to fit)"
            )
            continue
        part = part.with_columns([pl.lit(0.0).alias(c) for c in comps if c not in part.columns])
        grouped = part.group_by(list(comps)).agg(pl.col("n").sum(), pl.col("y").sum())
        prior = np.array([COMPONENTS[c][0] for c in comps])
        b0, weights, se = _map_fit(
            grouped.select(comps).to_numpy().astype(float),
            grouped.get_column("n").to_numpy().astype(float),
            grouped.get_column("y").to_numpy().astype(float),
            prior,
            prior_sd,
        )
        model.weights[unit_type] = {
            c: round(float(w), 2) for c, w in zip(comps, weights, strict=True)
        }
        model.standard_errors[unit_type] = {
            c: round(float(s), 2) for c, s in zip(comps, se, strict=True)
        }
        model.intercepts[unit_type] = float(b0)
        model.notes.append(
            f"{unit_type}s: weights fitted on {units} rows ({positives} with serious "
            f"violence) at {len(dates)} dates {dates[0]} to {dates[-1]}, prior sd {prior_sd} points"
        )
    model.training = pl.DataFrame(summary)
    return model
