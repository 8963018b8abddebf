"""Exact intervals for small counts, and the caution when a count is too small.

- :func:`poisson_ci`, :func:`rate_ci`: exact (Garwood) intervals for a count and
  for a rate per 100,000.
- :func:`binomial_ci`: exact (Clopper–Pearson) interval for a proportion.
- :data:`SMALL_COUNT`, :func:`small_count_warning`: the visible caution for
  counts too small to support a claim.

All are re-exported by :mod:`harmwatch.analysis.smallnumbers`.

References
----------
.. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika
   1936; 28:437-442.
.. [2] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
   illustrated in the case of the binomial. Biometrika 1934; 26:404-413.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "SMALL_COUNT",
    "binomial_ci",
    "poisson_ci",
    "rate_ci",
    "small_count_warning",
]

#: Counts below this carry a warning: too few events to support a claim about
#: a rate, a trend or a difference (ONS and PHE suppress or caveat rates on
#: fewer than 10 events for the same reason).
SMALL_COUNT = 10

FloatArray = NDArray[np.float64]


def _alpha(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    return 1.0 - level


def poisson_ci(k: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) confidence interval for a Poisson count.

    Lower limit ``chi2.ppf(a/2, 2k) / 2`` (0 when ``k`` is 0), upper limit
    ``chi2.ppf(1 - a/2, 2k + 2) / 2``, with ``a = 1 - level``.

    Parameters
    ----------
    k : int or array of int
        Observed counts (non-negative).
    level : float
        Confidence level (default 0.95).

    Returns
    -------
    lower, upper : ndarray of float
        The limits, shaped like ``k`` (0-d arrays for a scalar; ``float()``
        them).

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution.
       Biometrika 1936; 28:437-442.

    Examples
    --------
    >>> lo, hi = poisson_ci(10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (4.795, 18.39)
    """
    a = _alpha(level)
    counts = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        lower = np.where(counts > 0, stats.chi2.ppf(a / 2, 2 * counts) / 2, 0.0)
    upper = stats.chi2.ppf(1 - a / 2, 2 * counts + 2) / 2
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def rate_ci(
    k: ArrayLike,
    population: ArrayLike,
    *,
    years: ArrayLike = 1.0,
    per: float = 100_000.0,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A rate per ``per`` people per year, with its exact (Garwood) interval.

    The count is Poisson; the population and the years are taken as known, so
    the interval is the count's exact interval scaled by
    ``per / (population * years)``.

    Parameters
    ----------
    k : int or array of int
        Observed counts.
    population : number or array
        People at risk; zero or missing gives NaN rates.
    years : number or array
        Length of the period in years (the rate is per year).
    per : float
        The rate's base (100,000 by default).
    level : float
        Confidence level.

    Returns
    -------
    rate, lower, upper : ndarray of float

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution.
       Biometrika 1936; 28:437-442.
    .. [2] Public Health England. Technical guide: confidence intervals,
       2018 (Byar's approximation of the same exact limits).
    """
    counts = np.asarray(k, dtype=np.float64)
    exposure = np.asarray(population, dtype=np.float64) * np.asarray(years, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(exposure > 0, per / exposure, np.nan)
    lower, upper = poisson_ci(counts, level)
    return counts * scale, lower * scale, upper * scale


def binomial_ci(k: ArrayLike, n: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Clopper–Pearson) confidence interval for a proportion ``k / n``.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials; ``n == 0`` gives NaN limits.
    level : float
        Confidence level.

    Returns
    -------
    lower, upper : ndarray of float

    References
    ----------
    .. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
       illustrated in the case of the binomial. Biometrika 1934; 26:404-413.
    """
    a = _alpha(level)
    x = np.asarray(k, dtype=np.float64)
    trials = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(a / 2, x, trials - x + 1), 0.0)
        upper = np.where(x < trials, stats.beta.ppf(1 - a / 2, x + 1, trials - x), 1.0)
    empty = trials <= 0
    lower = np.where(empty, np.nan, lower)
    upper = np.where(empty, np.nan, upper)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def small_count_warning(count: int, what: str = "events") -> str | None:
    """A plain-words warning when ``count`` is below :data:`SMALL_COUNT`, else None.

    Parameters
    ----------
    count : int
        The count behind a figure.
    what : str
        What was counted, for the message (e.g. ``"homicides in Jan-Dec 2024"``).

    References
    ----------
    .. [1] Office for National Statistics. Homicide in England and Wales:
       quality and methodology information (small numbers are volatile).
    """
    if count >= SMALL_COUNT:
        return None
    return (
        f"only {count} {what}: fewer than {SMALL_COUNT}, too few to support a claim about a "
        "rate, a trend or a difference; read the interval, not the number"
    )
