"""Count tables with honest numbers: exact intervals, rates per 100,000 and shares.

Helpers that add, to a Polars table of counts, the exact Poisson interval of each
count and a small-count flag (:func:`with_count_ci`), a rate per 100,000 a year
with its exact interval (:func:`with_rates`) and each count's share of its
group with an exact binomial interval (:func:`with_share`). Counts, death
investigations and the report use them.

References
----------
.. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika
   1936; 28:437-442 (intervals, via :mod:`.smallnumbers`).
.. [2] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
   illustrated in the case of the binomial. Biometrika 1934; 26:404-413.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.smallnumbers import SMALL_COUNT, binomial_ci, poisson_ci, rate_ci

__all__ = ["YEAR_DAYS", "with_count_ci", "with_rates", "with_share"]

#: Days in a year, for rates per year.
YEAR_DAYS = 365.25


def with_count_ci(table: pl.DataFrame, count: str = "count", level: float = 0.95) -> pl.DataFrame:
    """Add ``lower``/``upper`` (exact Poisson interval of ``count``) and ``small``
    (count under :data:`~harmwatch.analysis.smallnumbers.SMALL_COUNT`)."""
    lower, upper = poisson_ci(table[count].to_numpy(), level)
    return table.with_columns(
        pl.Series("lower", np.atleast_1d(lower), dtype=pl.Float64),
        pl.Series("upper", np.atleast_1d(upper), dtype=pl.Float64),
        (pl.col(count) < SMALL_COUNT).alias("small"),
    )


def with_rates(
    table: pl.DataFrame, population: str, years: str | float, level: float
) -> pl.DataFrame:
    """Add ``rate``, ``rate_lower``, ``rate_upper``: the rate of ``count`` per 100,000
    people a year, with its exact (Garwood) interval, for the ``population`` column and
    ``years`` (a column of years, or one number)."""
    yrs = table[years].to_numpy() if isinstance(years, str) else years
    rate, lower, upper = rate_ci(
        table["count"].to_numpy(), table[population].to_numpy(), years=yrs, level=level
    )
    return table.with_columns(
        pl.Series("rate", np.atleast_1d(rate)),
        pl.Series("rate_lower", np.atleast_1d(lower)),
        pl.Series("rate_upper", np.atleast_1d(upper)),
    )


def with_share(table: pl.DataFrame, by: list[str], level: float) -> pl.DataFrame:
    """Add ``total`` (the sum of ``count`` over ``by``), ``share`` (``count / total``)
    and ``share_lower``, ``share_upper`` (its exact Clopper–Pearson interval)."""
    table = table.with_columns(pl.col("count").sum().over(by).alias("total"))
    lower, upper = binomial_ci(table["count"].to_numpy(), table["total"].to_numpy(), level)
    return table.with_columns(
        (pl.col("count") / pl.col("total")).alias("share"),
        pl.Series("share_lower", np.atleast_1d(lower)),
        pl.Series("share_upper", np.atleast_1d(upper)),
    )
