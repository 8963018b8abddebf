"""Honest statistics for small numbers: exact intervals, tests of change, funnels.

Homicide and the most serious violence are rare: a force sees a handful a year,
and a rise from 4 to 7 says little. Every analysis states its counts with the
statistics here, so that the report never makes a claim the numbers cannot bear.
This module is their public face: it holds the multiple-testing adjustment and
the JSON form of tables, and re-exports the rest from where they live.

- :func:`poisson_ci`, :func:`rate_ci`: exact (Garwood) intervals for a count and
  for a rate per 100,000 (:mod:`.intervals`).
- :func:`binomial_ci`: exact (Clopper–Pearson) interval for a proportion
  (:mod:`.intervals`).
- :func:`change_test`: the exact conditional test of a change between two
  periods, with the rate ratio, its exact interval and a plain-words verdict
  (:func:`verdict`) (:mod:`.changetest`).
- :func:`funnel_limits`, :func:`funnel_position`: Poisson funnel-plot control
  limits (95% and 99.8%) and where each unit falls (Spiegelhalter 2005)
  (:mod:`.funnel`).
- :func:`benjamini_hochberg`: false discovery rate adjustment.
- :data:`SMALL_COUNT`, :func:`small_count_warning`: the visible caution for
  counts too small to support a claim (:mod:`.intervals`).
- :func:`json_records`: a table as JSON-ready records.

References
----------
.. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika
   1936; 28:437-442.
.. [2] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
   illustrated in the case of the binomial. Biometrika 1934; 26:404-413.
.. [3] Przyborowski J, Wilenski H. Homogeneity of results in testing samples
   from Poisson series. Biometrika 1940; 31:313-323 (the conditional test).
.. [4] Spiegelhalter DJ. Funnel plots for comparing institutional performance.
   Statistics in Medicine 2005; 24:1185-1202.
.. [5] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a
   practical and powerful approach to multiple testing. JRSS B 1995;
   57:289-300.
.. [6] Sterne JAC, Davey Smith G. Sifting the evidence — what's wrong with
   significance tests? BMJ 2001; 322:226-231 (graded wording of evidence).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from harmwatch.analysis.changetest import (
    VERDICT_THRESHOLDS,
    ChangeTest,
    change_test,
    format_p,
    verdict,
)
from harmwatch.analysis.funnel import (
    FUNNEL_LEVELS,
    FunnelLimits,
    funnel_limits,
    funnel_position,
    poisson_tail_p,
)
from harmwatch.analysis.intervals import (
    SMALL_COUNT,
    binomial_ci,
    poisson_ci,
    rate_ci,
    small_count_warning,
)

__all__ = [
    "FUNNEL_LEVELS",
    "SMALL_COUNT",
    "VERDICT_THRESHOLDS",
    "ChangeTest",
    "FunnelLimits",
    "benjamini_hochberg",
    "binomial_ci",
    "change_test",
    "format_p",
    "funnel_limits",
    "funnel_position",
    "json_records",
    "poisson_ci",
    "poisson_tail_p",
    "rate_ci",
    "small_count_warning",
    "verdict",
]

FloatArray = NDArray[np.float64]


def benjamini_hochberg(p_values: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values) controlling the FDR.

    ``q_(i) = min_{j >= i} (m / j) p_(j)`` over the sorted p-values, capped at
    1; NaN p-values stay NaN and do not count in ``m``.

    Parameters
    ----------
    p_values : array of float

    Returns
    -------
    ndarray of float
        Adjusted p-values, in the input's order.

    References
    ----------
    .. [1] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a
       practical and powerful approach to multiple testing. JRSS B 1995;
       57:289-300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    valid = ~np.isnan(p)
    m = int(valid.sum())
    if m == 0:
        return out
    pv = p[valid]
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    out[valid] = q
    return out


def json_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records: NaN and infinite floats as null, dates as
    ISO strings (the form every analysis's ``to_json`` uses for its tables)."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_float():
            exprs.append(pl.when(column.is_finite()).then(column).otherwise(None).alias(name))
        elif dtype == pl.Date:
            exprs.append(column.dt.to_string("%Y-%m-%d").alias(name))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(column.dt.to_string("%Y-%m-%dT%H:%M:%S").alias(name))
    return (frame.with_columns(exprs) if exprs else frame).to_dicts()
