"""Sequential monitoring of counts against expected: the Poisson log-likelihood-ratio CUSUM.

Deaths at an institution (or certified by a practitioner) are counted period by
period and compared with the count expected. Under the alternative that the
true rate is ``R`` times the expected one, the log-likelihood ratio of a
period with ``O`` deaths where ``E`` were expected is

    ``W = O * ln(R) - (R - 1) * E``

(the Poisson likelihood ratio ``(R E)^O e^{-R E} / (E^O e^{-E})``). Summed over
periods this is Wald's sequential probability ratio test; held at zero from
below (``S_t = max(0, S_{t-1} + W_t)``) it is the CUSUM form used by
Spiegelhalter et al. for Shipman and by Aylin et al. for general practice. The
chart signals when ``S_t`` reaches ``h = ln((1 - beta) / alpha)``, Wald's upper
boundary; after a signal it starts again from zero.

In the CUSUM form ``alpha`` no longer is the chance of a false alarm: a chart
that is reset at zero crosses any boundary eventually. The chance of a false
alarm over a horizon is measured by simulation (:func:`false_alarm_rate`), as
Aylin et al. chose their thresholds from simulated false and successful
detection.

- :func:`wald_threshold`: ``ln((1 - beta) / alpha)``.
- :func:`poisson_llr`: the increments ``W``.
- :func:`cusum`: the chart, for many entities at once.
- :func:`signal_probability`, :func:`false_alarm_rate`: simulated chance of a
  signal within a horizon, under a given true ratio or in control.

References
----------
.. [1] Wald A. Sequential tests of statistical hypotheses. Annals of
   Mathematical Statistics 1945; 16:117-186.
.. [2] Page ES. Continuous inspection schemes. Biometrika 1954; 41:100-115.
.. [3] Spiegelhalter D, Grigg O, Kinsman R, Treasure T. Risk-adjusted
   sequential probability ratio tests: applications to Bristol, Shipman and
   adult cardiac surgery. Int J Qual Health Care 2003; 15:7-13.
.. [4] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
   system for monitoring mortality rates in primary care. Lancet 2003;
   362:485-491.
.. [5] Lucas JM. Counted data CUSUMs. Technometrics 1985; 27:129-144 (the
   Poisson CUSUM).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from harmwatch.analysis.smallnumbers import binomial_ci

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_BETA",
    "DEFAULT_RELATIVE_RISK",
    "CusumChart",
    "SignalRate",
    "cusum",
    "false_alarm_rate",
    "poisson_llr",
    "signal_probability",
    "wald_threshold",
]

#: The alternative the chart looks for: deaths at twice the expected rate
#: (the "odds ratio" of 2 of Spiegelhalter et al. 2003; for counts a rate ratio).
DEFAULT_RELATIVE_RISK = 2.0
#: Wald's nominal error rates behind the boundary ``ln((1 - beta) / alpha)``.
DEFAULT_ALPHA = 0.01
DEFAULT_BETA = 0.01

FloatArray = NDArray[np.float64]


def wald_threshold(alpha: float = DEFAULT_ALPHA, beta: float = DEFAULT_BETA) -> float:
    """Wald's upper boundary ``h = ln((1 - beta) / alpha)``.

    Parameters
    ----------
    alpha, beta : float
        Nominal chances of a false signal and of a missed one (both strictly
        between 0 and 1, ``alpha + beta < 1``).

    Returns
    -------
    float
        ``ln(99) = 4.595`` for the defaults.

    References
    ----------
    .. [1] Wald A. Annals of Mathematical Statistics 1945; 16:117-186.
    .. [2] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.

    Examples
    --------
    >>> round(wald_threshold(0.01, 0.01), 3)
    4.595
    """
    if not (0.0 < alpha < 1.0 and 0.0 < beta < 1.0 and alpha + beta < 1.0):
        raise ValueError(
            f"alpha and beta must be between 0 and 1 with alpha + beta < 1, not {alpha}, {beta}"
        )
    return math.log((1.0 - beta) / alpha)


def poisson_llr(
    observed: ArrayLike, expected: ArrayLike, relative_risk: float = DEFAULT_RELATIVE_RISK
) -> FloatArray:
    """Per-period log-likelihood ratio ``O ln(R) - (R - 1) E`` of rate ``R E`` against ``E``.

    Parameters
    ----------
    observed, expected : array
        Counts and expected counts, broadcast together (e.g. entities x periods).
    relative_risk : float
        ``R`` (positive, not 1).

    Returns
    -------
    ndarray of float

    References
    ----------
    .. [1] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.

    Examples
    --------
    >>> poisson_llr([0, 3], [1.0, 1.0]).round(3).tolist()
    [-1.0, 1.079]
    """
    if relative_risk <= 0 or relative_risk == 1.0:
        raise ValueError(f"the relative risk must be positive and not 1, not {relative_risk}")
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return np.asarray(o * math.log(relative_risk) - (relative_risk - 1.0) * e, dtype=np.float64)


@dataclass
class CusumChart:
    """CUSUM paths of several entities over the same periods.

    Attributes
    ----------
    statistic : ndarray, shape (entities, periods)
        ``S_t`` after each period (0 again in the period after a signal).
    signal : ndarray of bool, shape (entities, periods)
        True where ``S_t`` reached the threshold.
    run_start : ndarray of int, shape (entities, periods)
        For each period, the first period of the current run (the period
        after ``S`` was last 0): the periods whose deaths built the statistic.
    threshold : ndarray, shape (entities,)
        Each entity's ``h``.
    """

    statistic: FloatArray
    signal: NDArray[np.bool_]
    run_start: NDArray[np.int64]
    threshold: FloatArray

    @property
    def first_signal(self) -> NDArray[np.int64]:
        """Index of each entity's first signalling period, -1 when none."""
        any_ = self.signal.any(axis=1)
        return np.where(any_, self.signal.argmax(axis=1), -1).astype(np.int64)


def cusum(
    increments: ArrayLike, threshold: ArrayLike, *, reset_after_signal: bool = True
) -> CusumChart:
    """The CUSUM ``S_t = max(0, S_{t-1} + W_t)``, signalling when ``S_t >= threshold``.

    Vectorised over entities (rows); the recursion runs over periods (columns).

    Parameters
    ----------
    increments : array, shape (periods,) or (entities, periods)
        ``W_t`` (e.g. from :func:`poisson_llr`).
    threshold : float or array, shape (entities,)
        ``h`` (e.g. from :func:`wald_threshold`), or one per entity (e.g.
        from :func:`harmwatch.analysis.thresholds.calibrated_thresholds`).
    reset_after_signal : bool
        Start again from 0 after a signal (default), so later signals are new
        evidence.

    Returns
    -------
    CusumChart

    References
    ----------
    .. [1] Page ES. Biometrika 1954; 41:100-115.
    .. [2] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.

    Examples
    --------
    >>> chart = cusum([[1.0, -3.0, 2.0, 3.0]], 4.0)
    >>> chart.statistic.tolist(), chart.first_signal.tolist()
    ([[1.0, 0.0, 2.0, 5.0]], [3])
    """
    w = np.atleast_2d(np.asarray(increments, dtype=np.float64))
    n, periods = w.shape
    h = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (n,)).copy()
    statistic = np.zeros((n, periods))
    signal = np.zeros((n, periods), dtype=bool)
    run_start = np.zeros((n, periods), dtype=np.int64)
    s = np.zeros(n)
    start = np.zeros(n, dtype=np.int64)
    for t in range(periods):
        s = np.maximum(0.0, s + w[:, t])
        start = np.where(s <= 0.0, t + 1, start)
        statistic[:, t] = s
        run_start[:, t] = np.minimum(start, t)
        hit = s >= h
        signal[:, t] = hit
        if reset_after_signal:
            s = np.where(hit, 0.0, s)
            start = np.where(hit, t + 1, start)
    return CusumChart(statistic, signal, run_start, h)


@dataclass
class SignalRate:
    """The simulated chance that a chart signals within a horizon.

    Attributes
    ----------
    rate : float
        Share of simulated entities whose chart signalled within ``periods``.
    lower, upper : float
        Its exact (Clopper-Pearson) 95% interval over the simulations.
    periods : int
        The horizon, in periods.
    simulations : int
        Simulated entities.
    true_ratio : float
        Ratio of the simulated rate to the expected one (1: in control).
    threshold : float
        ``h``.
    median_delay : float or None
        Median number of periods to the first signal among those that
        signalled (1 = in the first period).
    """

    rate: float
    lower: float
    upper: float
    periods: int
    simulations: int
    true_ratio: float
    threshold: float
    median_delay: float | None

    def to_json(self) -> dict[str, Any]:
        """All attributes as plain numbers."""
        return {
            "rate": self.rate,
            "lower": self.lower,
            "upper": self.upper,
            "periods": self.periods,
            "simulations": self.simulations,
            "true_ratio": self.true_ratio,
            "threshold": self.threshold,
            "median_delay": self.median_delay,
        }


def signal_probability(
    expected_per_period: ArrayLike,
    periods: int,
    *,
    true_ratio: float = 1.0,
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float = DEFAULT_ALPHA,
    beta: float = DEFAULT_BETA,
    threshold: float | None = None,
    simulations: int = 10_000,
    seed: int = 0,
) -> SignalRate:
    """Chance that the chart signals within ``periods``, simulated with Poisson counts.

    Counts are drawn as ``Poisson(true_ratio * E_t)`` and charted against
    ``E_t``; the share of simulated entities that signal is the rate.

    Parameters
    ----------
    expected_per_period : float or array of length ``periods``
        ``E_t`` (a constant, or a profile such as a seasonal one).
    periods : int
        The horizon (e.g. 120 months for 10 years).
    true_ratio : float
        1 for in-control data (the false-alarm rate); above 1 for the power
        to detect an excess.
    relative_risk, alpha, beta : float
        The chart's settings (``h = ln((1 - beta) / alpha)``).
    threshold : float, optional
        ``h`` itself, instead of ``alpha`` and ``beta``.
    simulations : int
        Number of simulated entities.
    seed : int
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    SignalRate

    References
    ----------
    .. [1] Aylin P et al. Lancet 2003; 362:485-491 (thresholds from simulated
       false and successful detection).
    """
    if periods < 1 or simulations < 1:
        raise ValueError("periods and simulations must be at least 1")
    h = wald_threshold(alpha, beta) if threshold is None else float(threshold)
    e = np.broadcast_to(np.asarray(expected_per_period, dtype=np.float64), (periods,))
    rng = np.random.default_rng(seed)
    s = np.zeros(simulations)
    first = np.full(simulations, -1, dtype=np.int64)
    for t in range(periods):
        counts = rng.poisson(true_ratio * e[t], simulations)
        s = np.maximum(0.0, s + poisson_llr(counts, e[t], relative_risk))
        new = (s >= h) & (first < 0)
        first[new] = t
    hits = first >= 0
    k = int(hits.sum())
    lower, upper = binomial_ci(k, simulations)
    delay = float(np.median(first[hits] + 1)) if k else None
    return SignalRate(
        rate=k / simulations,
        lower=float(lower),
        upper=float(upper),
        periods=periods,
        simulations=simulations,
        true_ratio=float(true_ratio),
        threshold=h,
        median_delay=delay,
    )


def false_alarm_rate(
    expected_per_period: ArrayLike,
    periods: int,
    *,
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float = DEFAULT_ALPHA,
    beta: float = DEFAULT_BETA,
    threshold: float | None = None,
    simulations: int = 10_000,
    seed: int = 0,
) -> SignalRate:
    """Chance of a false alarm within ``periods`` for an entity in control.

    :func:`signal_probability` with ``true_ratio = 1``: counts are
    ``Poisson(E_t)``, exactly what the chart expects.

    Parameters
    ----------
    expected_per_period : float or array
        Expected deaths per period.
    periods : int
        The horizon (120 monthly periods = 10 years).
    relative_risk, alpha, beta, threshold, simulations, seed
        As :func:`signal_probability`.

    Returns
    -------
    SignalRate

    References
    ----------
    .. [1] Aylin P et al. Lancet 2003; 362:485-491.
    .. [2] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.

    Examples
    --------
    >>> r = false_alarm_rate(1.0, 120, simulations=2000, seed=1)
    >>> 0.05 < r.rate < 0.3
    True
    """
    return signal_probability(
        expected_per_period,
        periods,
        true_ratio=1.0,
        relative_risk=relative_risk,
        alpha=alpha,
        beta=beta,
        threshold=threshold,
        simulations=simulations,
        seed=seed,
    )
