"""Honest statistics for small numbers: exact intervals, tests of change, funnels.

Homicide and the most serious violence are rare: a force sees a handful a year,
and a rise from 4 to 7 says little. Every analysis states its counts with the
statistics here, so that the report never makes a claim the numbers cannot bear.

- :func:`poisson_ci`, :func:`rate_ci`: exact (Garwood) intervals for a count and
  for a rate per 100,000.
- :func:`binomial_ci`: exact (Clopper–Pearson) interval for a proportion.
- :func:`change_test`: the exact conditional test of a change between two
  periods, with the rate ratio, its exact interval and a plain-words verdict
  (:func:`verdict`).
- :func:`funnel_limits`, :func:`funnel_position`: Poisson funnel-plot control
  limits (95% and 99.8%) and where each unit falls (Spiegelhalter 2005).
- :func:`benjamini_hochberg`: false discovery rate adjustment.
- :data:`SMALL_COUNT`, :func:`small_count_warning`: the visible caution for
  counts too small to support a claim.

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

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

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

#: Counts below this carry a warning: too few events to support a claim about
#: a rate, a trend or a difference (ONS and PHE suppress or caveat rates on
#: fewer than 10 events for the same reason).
SMALL_COUNT = 10

#: The funnel-plot control limits drawn: 95% ("warning") and 99.8%
#: ("alarm"), about 2 and 3 standard deviations (Spiegelhalter 2005).
FUNNEL_LEVELS = (0.95, 0.998)

#: p-value thresholds of :func:`verdict`, strongest first: below 0.01 "strong
#: evidence", below 0.05 "some evidence", below 0.10 "weak evidence", else "no
#: evidence" (the graded wording of Sterne & Davey Smith 2001).
VERDICT_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.01, "strong evidence"),
    (0.05, "some evidence"),
    (0.10, "weak evidence"),
)

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


def format_p(p: float) -> str:
    """``"p = 0.03"``, ``"p = 0.013"``, ``"p < 0.001"``.

    Two significant figures, truncated rather than rounded, so that a shown
    value never crosses a threshold of :func:`verdict` (0.0499 shows as 0.049).
    """
    if p < 0.001:
        return "p < 0.001"
    if p >= 1.0:
        return "p = 1"
    exponent = math.floor(math.log10(p))
    decimals = 1 - exponent
    truncated = math.floor(p * 10**decimals + 1e-9) / 10**decimals
    text = f"{truncated:.{decimals}f}".rstrip("0").rstrip(".")
    return f"p = {text}"


def verdict(p_value: float, direction: int) -> str:
    """The plain-words verdict on a change.

    Parameters
    ----------
    p_value : float
        Two-sided p-value of the test of no change.
    direction : int
        Sign of the change: positive an increase, negative a decrease.

    Returns
    -------
    str
        ``"no evidence of a change"`` when ``p >= 0.10``; otherwise
        ``"<strength> of an increase|a decrease (p = ...)"`` with the strength
        from :data:`VERDICT_THRESHOLDS` (below 0.01 strong, below 0.05 some,
        below 0.10 weak).

    References
    ----------
    .. [1] Sterne JAC, Davey Smith G. Sifting the evidence — what's wrong
       with significance tests? BMJ 2001; 322:226-231.

    Examples
    --------
    >>> verdict(0.03, +1)
    'some evidence of an increase (p = 0.03)'
    >>> verdict(0.4, -1)
    'no evidence of a change'
    """
    if math.isnan(p_value) or direction == 0:
        return "no evidence of a change"
    for threshold, strength in VERDICT_THRESHOLDS:
        if p_value < threshold:
            change = "an increase" if direction > 0 else "a decrease"
            return f"{strength} of {change} ({format_p(p_value)})"
    return "no evidence of a change"


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class ChangeTest:
    """The exact conditional test of a change in a Poisson rate between two periods.

    Attributes
    ----------
    k1, k2 : int
        Counts in the first (earlier, e.g. previous 12 months) and second
        (later, current) period.
    exposure : tuple of float
        ``(t1, t2)``: the periods' exposures (years, or person-years).
    rate_ratio : float or None
        ``(k2 / t2) / (k1 / t1)``; ``inf`` when ``k1`` is 0 and ``k2`` is not;
        None when both are 0.
    ci : tuple of float
        Exact interval of the rate ratio (from the Clopper–Pearson interval of
        ``k2`` out of ``k1 + k2``); the upper limit is ``inf`` when ``k1`` is 0.
    p_value : float
        Two-sided exact p-value (sum of the binomial probabilities no larger
        than that of the observed split, as :func:`scipy.stats.binomtest`).
    verdict : str
        In plain words (:func:`verdict`).
    level : float
        Confidence level of ``ci``.
    warnings : list of str
        Cautions (small counts).
    """

    k1: int
    k2: int
    exposure: tuple[float, float]
    rate_ratio: float | None
    ci: tuple[float, float]
    p_value: float
    verdict: str
    level: float = 0.95
    warnings: list[str] = field(default_factory=list)

    @property
    def direction(self) -> int:
        """+1 an increase, -1 a decrease, 0 no change in rate."""
        if self.rate_ratio is None or self.rate_ratio == 1.0:
            return 0
        return 1 if self.rate_ratio > 1.0 else -1

    def to_json(self) -> dict[str, Any]:
        """``k1, k2, exposure, rate_ratio, ci, p_value, verdict, level, warnings``
        (infinite values as null)."""
        return {
            "k1": self.k1,
            "k2": self.k2,
            "exposure": [float(self.exposure[0]), float(self.exposure[1])],
            "rate_ratio": _finite(self.rate_ratio),
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
            "p_value": float(self.p_value),
            "verdict": self.verdict,
            "level": self.level,
            "warnings": list(self.warnings),
        }


def change_test(
    k1: int,
    k2: int,
    t1: float = 1.0,
    t2: float = 1.0,
    *,
    level: float = 0.95,
    what: str = "events",
) -> ChangeTest:
    """Test whether a Poisson rate changed between two periods (exact, conditional).

    Given ``n = k1 + k2``, under no change ``k2 ~ Binomial(n, t2 / (t1 + t2))``
    (equivalently ``k1 ~ Binomial(n, t1 / (t1 + t2))``). The two-sided p-value
    sums the binomial probabilities no larger than that of the observed split
    (the method of :func:`scipy.stats.binomtest`). The rate ratio
    ``RR = (k2/t2) / (k1/t1)`` relates to the binomial proportion ``pi`` by
    ``RR = pi / (1 - pi) * t1 / t2``, so its exact interval is the
    Clopper–Pearson interval of ``pi`` transformed.

    Parameters
    ----------
    k1, k2 : int
        Counts in the earlier and the later period.
    t1, t2 : float
        Their exposures (years; or person-years when populations differ).
    level : float
        Confidence level of the rate ratio's interval.
    what : str
        What was counted, for warnings.

    Returns
    -------
    ChangeTest

    References
    ----------
    .. [1] Przyborowski J, Wilenski H. Homogeneity of results in testing
       samples from Poisson series. Biometrika 1940; 31:313-323.
    .. [2] Clopper CJ, Pearson ES. Biometrika 1934; 26:404-413.
    .. [3] Sterne JAC, Davey Smith G. BMJ 2001; 322:226-231 (the verdict's
       wording).

    Examples
    --------
    >>> change_test(4, 7).verdict
    'no evidence of a change'
    """
    k1, k2 = int(k1), int(k2)
    if k1 < 0 or k2 < 0 or t1 <= 0 or t2 <= 0:
        raise ValueError("counts must be non-negative and exposures positive")
    n = k1 + k2
    warnings: list[str] = []
    if n == 0:
        warnings.append(f"no {what} in either period: nothing to compare")
        return ChangeTest(
            k1=k1,
            k2=k2,
            exposure=(t1, t2),
            rate_ratio=None,
            ci=(math.nan, math.nan),
            p_value=1.0,
            verdict="no evidence of a change",
            level=level,
            warnings=warnings,
        )
    p0 = t2 / (t1 + t2)
    p_value = float(stats.binomtest(k2, n, p0, alternative="two-sided").pvalue)
    lo_pi, hi_pi = (float(v) for v in binomial_ci(k2, n, level))
    odds = t1 / t2
    rr = math.inf if k1 == 0 else (k2 / t2) / (k1 / t1)
    lo = lo_pi / (1 - lo_pi) * odds if lo_pi < 1 else math.inf
    hi = hi_pi / (1 - hi_pi) * odds if hi_pi < 1 else math.inf
    direction = 0 if rr == 1.0 else (1 if rr > 1.0 else -1)
    if n < SMALL_COUNT:
        message = small_count_warning(n, f"{what} over both periods")
        assert message is not None
        warnings.append(message)
    return ChangeTest(
        k1=k1,
        k2=k2,
        exposure=(t1, t2),
        rate_ratio=rr,
        ci=(lo, hi),
        p_value=min(p_value, 1.0),
        verdict=verdict(p_value, direction),
        level=level,
        warnings=warnings,
    )


def poisson_tail_p(observed: ArrayLike, expected: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """One-sided exact Poisson p-values: ``P(X >= O)`` and ``P(X <= O)``, ``X ~ Poisson(E)``.

    References
    ----------
    .. [1] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    upper = stats.poisson.sf(o - 1, e)
    lower = stats.poisson.cdf(o, e)
    return np.asarray(upper, dtype=np.float64), np.asarray(lower, dtype=np.float64)


def _poisson_limit(expected: FloatArray, p: float) -> FloatArray:
    """Spiegelhalter's interpolated ``p``-quantile of ``Poisson(expected)`` (count scale).

    ``r_p`` is the smallest ``r`` with ``F(r) >= p``; the limit is ``r_p - alpha``
    with ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``, which makes the
    limits continuous in ``expected``.
    """
    r = stats.poisson.ppf(p, expected)
    f_r = stats.poisson.cdf(r, expected)
    f_below = stats.poisson.cdf(r - 1, expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
    return np.asarray(np.maximum(r - alpha, 0.0), dtype=np.float64)


@dataclass
class FunnelLimits:
    """Poisson funnel-plot control limits over a range of expected counts.

    For a unit with expected count ``E = target * precision`` (``precision``
    is an expected count for a ratio such as deaths observed / expected, or a
    population for a rate), the limits on the count scale are Spiegelhalter's
    interpolated exact Poisson quantiles of ``Poisson(E)``; on the indicator
    scale (ratio or rate) they are divided by ``precision``.

    Attributes
    ----------
    precision : ndarray
        The x-axis: expected counts or populations.
    target : float
        The target indicator (1 for observed/expected; the force rate for
        area rates).
    expected : ndarray
        ``target * precision``.
    limits : dict
        ``{level: (lower, upper)}`` on the count scale, for each level of
        :data:`FUNNEL_LEVELS`.
    """

    precision: FloatArray
    target: float
    expected: FloatArray
    limits: dict[float, tuple[FloatArray, FloatArray]]

    def indicator_limits(self, level: float) -> tuple[FloatArray, FloatArray]:
        """The limits of ``level`` on the indicator scale (count / precision)."""
        lower, upper = self.limits[level]
        with np.errstate(divide="ignore", invalid="ignore"):
            return lower / self.precision, upper / self.precision

    def to_json(self) -> dict[str, Any]:
        """``target`` and ``points``: records of ``precision, expected`` and
        ``lower_95, upper_95, lower_99_8, upper_99_8`` (count scale)."""
        points: list[dict[str, float]] = []
        for i in range(len(self.precision)):
            point = {"precision": float(self.precision[i]), "expected": float(self.expected[i])}
            for level, (lower, upper) in self.limits.items():
                tag = _level_tag(level)
                point[f"lower_{tag}"] = float(lower[i])
                point[f"upper_{tag}"] = float(upper[i])
            points.append(point)
        return {"target": self.target, "points": points}


def _level_tag(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def funnel_limits(
    precision: ArrayLike,
    target: float = 1.0,
    levels: tuple[float, ...] = FUNNEL_LEVELS,
) -> FunnelLimits:
    """Poisson funnel-plot control limits (exact, interpolated) at each precision.

    Parameters
    ----------
    precision : array
        Expected counts (target 1) or populations / exposures (target a rate
        per head).
    target : float
        The indicator's target value.
    levels : tuple of float
        Two-sided coverage of each pair of limits (0.95 and 0.998 by
        default): the lower limit is the ``(1 - level) / 2`` quantile, the
        upper the ``(1 + level) / 2``.

    Returns
    -------
    FunnelLimits

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional
       performance. Statistics in Medicine 2005; 24:1185-1202 (Appendix A.1:
       exact limits for discrete data, with interpolation).

    Examples
    --------
    >>> f = funnel_limits([10.0, 100.0])
    >>> bool((f.limits[0.998][1] > f.expected).all())
    True
    """
    x = np.atleast_1d(np.asarray(precision, dtype=np.float64))
    expected = target * x
    limits = {
        level: (
            _poisson_limit(expected, (1 - level) / 2),
            _poisson_limit(expected, (1 + level) / 2),
        )
        for level in levels
    }
    return FunnelLimits(x, float(target), expected, limits)


def funnel_position(
    observed: ArrayLike,
    expected: ArrayLike,
    levels: tuple[float, float] = FUNNEL_LEVELS,
) -> list[str]:
    """Where each unit falls on the Poisson funnel.

    Parameters
    ----------
    observed, expected : array
        Each unit's observed count and expected count (under the target).
    levels : (float, float)
        The inner and outer limits' coverage.

    Returns
    -------
    list of str
        ``"above 99.8%"``, ``"above 95%"``, ``"within"``, ``"below 95%"`` or
        ``"below 99.8%"`` (with the levels given).

    References
    ----------
    .. [1] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    o = np.atleast_1d(np.asarray(observed, dtype=np.float64))
    e = np.atleast_1d(np.asarray(expected, dtype=np.float64))
    inner, outer = levels
    funnel = funnel_limits(e, 1.0, (inner, outer))
    lo_in, hi_in = funnel.limits[inner]
    lo_out, hi_out = funnel.limits[outer]
    names = np.full(o.shape, "within", dtype=object)
    tag_in, tag_out = f"{inner * 100:g}%", f"{outer * 100:g}%"
    names[o > hi_in] = f"above {tag_in}"
    names[o > hi_out] = f"above {tag_out}"
    names[o < lo_in] = f"below {tag_in}"
    names[o < lo_out] = f"below {tag_out}"
    return [str(v) for v in names]


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
