"""Poisson funnel plots: exact control limits and where each unit falls.

- :func:`funnel_limits`: Poisson funnel-plot control limits (95% and 99.8%)
  over a range of expected counts (:class:`FunnelLimits`).
- :func:`funnel_position`: where each unit falls on the funnel.
- :func:`poisson_tail_p`: the one-sided exact Poisson p-values behind it.

All are re-exported by :mod:`harmwatch.analysis.smallnumbers`.

References
----------
.. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance.
   Statistics in Medicine 2005; 24:1185-1202.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "FUNNEL_LEVELS",
    "FunnelLimits",
    "funnel_limits",
    "funnel_position",
    "poisson_tail_p",
]

#: The funnel-plot control limits drawn: 95% ("warning") and 99.8%
#: ("alarm"), about 2 and 3 standard deviations (Spiegelhalter 2005).
FUNNEL_LEVELS = (0.95, 0.998)

FloatArray = NDArray[np.float64]


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
