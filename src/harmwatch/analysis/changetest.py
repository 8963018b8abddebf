"""The exact conditional test of a change between two periods, and its verdict in words.

- :func:`change_test`: the exact conditional test of a change in a Poisson rate
  between two periods, with the rate ratio, its exact interval and a
  plain-words verdict (:class:`ChangeTest`).
- :func:`verdict`, :func:`format_p`: the graded plain-words wording of the
  evidence, and p-values shown without crossing a threshold.

All are re-exported by :mod:`harmwatch.analysis.smallnumbers`.

References
----------
.. [1] Przyborowski J, Wilenski H. Homogeneity of results in testing samples
   from Poisson series. Biometrika 1940; 31:313-323 (the conditional test).
.. [2] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
   illustrated in the case of the binomial. Biometrika 1934; 26:404-413.
.. [3] Sterne JAC, Davey Smith G. Sifting the evidence — what's wrong with
   significance tests? BMJ 2001; 322:226-231 (graded wording of evidence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.intervals import SMALL_COUNT, binomial_ci, small_count_warning

__all__ = [
    "VERDICT_THRESHOLDS",
    "ChangeTest",
    "change_test",
    "format_p",
    "verdict",
]

#: p-value thresholds of :func:`verdict`, strongest first: below 0.01 "strong
#: evidence", below 0.05 "some evidence", below 0.10 "weak evidence", else "no
#: evidence" (the graded wording of Sterne & Davey Smith 2001).
VERDICT_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.01, "strong evidence"),
    (0.05, "some evidence"),
    (0.10, "weak evidence"),
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
