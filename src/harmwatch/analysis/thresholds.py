"""CUSUM thresholds set by simulation for a false-alarm rate over a horizon.

Wald's boundary ``h = ln((1 - beta) / alpha)`` gives every chart the same
threshold, but a chart that is reset at zero and runs on crosses any boundary
eventually, and it does so sooner the more deaths it expects: at ``h = 4.6`` a
chart expecting 50 deaths a year signals falsely within ten years three times
as often as one expecting 5. And with a hundred charts, a few percent each adds
up to several false alarms. The remedy of Aylin et al. (2003) and Bottle and
Aylin (2011) is to choose each chart's threshold by simulation: the ``h`` at
which a chart in control, with its own expected counts, signals within the
monitored horizon with a chosen probability, that probability itself set to
allow for the number of charts monitored.

- :func:`per_chart_rate`: the chance each chart may take so that a family of
  ``n`` independent in-control charts raises more than ``tolerated`` false
  alarms with probability ``error`` (the generalised family-wise error rate of
  Lehmann and Romano 2005; ``tolerated = 0`` is the usual family-wise rate).
- :func:`max_cusum`: simulated in-control maxima of the chart over a horizon;
  a chart signals within the horizon exactly when its maximum (without reset)
  reaches ``h``.
- :func:`calibrated_thresholds`: each chart's ``h`` for its own rate.

References
----------
.. [1] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
   system for monitoring mortality rates in primary care. Lancet 2003;
   362:485-491 (thresholds from simulated false and successful detection,
   allowing for multiple testing over doctors).
.. [2] Bottle A, Aylin P. Predicting the false alarm rate in multi-institution
   mortality monitoring. J Oper Res Soc 2011; 62:1711-1718 (thresholds set per
   centre for its volume and expected rate).
.. [3] Lehmann EL, Romano JP. Generalizations of the familywise error rate.
   Ann Stat 2005; 33:1138-1154.
.. [4] David HA, Nagaraja HN. Order Statistics, 3rd ed. Wiley 2003
   (the sampling error of an extreme quantile estimated from simulations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.sequential import DEFAULT_RELATIVE_RISK, poisson_llr
from harmwatch.analysis.smallnumbers import binomial_ci

__all__ = [
    "DEFAULT_FAMILY_ERROR",
    "DEFAULT_PRACTITIONER_FALSE_ALARM",
    "DEFAULT_SIMULATIONS",
    "DEFAULT_TOLERATED_FALSE_ALARMS",
    "FamilyFalseAlarms",
    "calibrated_thresholds",
    "family_false_alarms",
    "max_cusum",
    "per_chart_rate",
]

#: Chance that the institutions in control raise more false alarms than tolerated.
DEFAULT_FAMILY_ERROR = 0.05
#: False alarms tolerated among the institutions over the horizon (0: the family-wise rate).
DEFAULT_TOLERATED_FALSE_ALARMS = 0
#: Each practitioner chart's chance of a false alarm over the horizon (Aylin et al.'s 5%).
DEFAULT_PRACTITIONER_FALSE_ALARM = 0.05
#: Simulated in-control charts per expected-count profile (at least).
DEFAULT_SIMULATIONS = 20_000
_GRID = 16
#: Simulated maxima beyond a threshold, at least, when the rate is small: the
#: threshold is an extreme order statistic, whose exceedance probability has a
#: relative standard error of about ``1 / sqrt(k)`` for ``k`` paths beyond it
#: (David and Nagaraja 2003). With 20,000 paths and a family-wise 5% over 100
#: charts (0.05% each), only 10 paths lie beyond and the family's rate came
#: out anywhere from 3.5% to 6.5%; 60 paths bring that to about +-0.7%.
_MIN_EXCEEDANCES = 60
#: ... but never more than this many times ``simulations``.
_MAX_SIMULATION_FACTOR = 8

FloatArray = NDArray[np.float64]


def per_chart_rate(
    charts: int,
    error: float = DEFAULT_FAMILY_ERROR,
    tolerated: int = DEFAULT_TOLERATED_FALSE_ALARMS,
) -> float:
    """Each chart's false-alarm probability so that a family keeps to ``error``.

    Solves ``P(Binomial(charts, p) > tolerated) = error`` for ``p`` (in-control
    charts are independent), and never returns more than ``error`` itself, so a
    small family is not monitored more loosely than one chart alone would be.

    Parameters
    ----------
    charts : int
        Charts in the family.
    error : float
        Chance of more than ``tolerated`` false alarms among them.
    tolerated : int
        False alarms tolerated (0: the family-wise error rate).

    Returns
    -------
    float

    References
    ----------
    .. [1] Lehmann EL, Romano JP. Ann Stat 2005; 33:1138-1154.

    Examples
    --------
    >>> round(per_chart_rate(100, 0.05, 0), 6)  # 1 - 0.95 ** (1 / 100)
    0.000513
    >>> round(per_chart_rate(100, 0.05, 1), 4)  # at most one false alarm
    0.0036
    """
    if not 0.0 < error < 1.0:
        raise ValueError(f"the family error must be between 0 and 1, not {error}")
    if tolerated < 0:
        raise ValueError(f"tolerated false alarms must be 0 or more, not {tolerated}")
    if charts <= tolerated:
        return error

    def excess(p: float) -> float:
        return float(stats.binom.sf(tolerated, charts, p)) - error

    rate = float(optimize.brentq(excess, 1e-15, 1.0 - 1e-12, xtol=1e-15, rtol=1e-12))
    return min(rate, error)


def max_cusum(
    expected: ArrayLike,
    simulations: int,
    rng: np.random.Generator,
    relative_risk: float = DEFAULT_RELATIVE_RISK,
) -> FloatArray:
    """Maxima over the horizon of in-control CUSUM paths (no reset).

    Parameters
    ----------
    expected : array, shape (periods,) or (profiles, periods)
        Expected counts per period; counts are simulated as ``Poisson(E_t)``.
    simulations : int
        Paths per profile.
    rng : numpy.random.Generator
    relative_risk : float
        The chart's alternative ``R``.

    Returns
    -------
    ndarray, shape (profiles, simulations)
        ``max_t S_t`` of each path: the chart signals within the horizon at
        threshold ``h`` exactly when this reaches ``h``.
    """
    e = np.atleast_2d(np.asarray(expected, dtype=np.float64))
    profiles, periods = e.shape
    s = np.zeros((profiles, simulations))
    top = np.zeros((profiles, simulations))
    for t in range(periods):
        column = e[:, t : t + 1]
        counts = rng.poisson(np.broadcast_to(column, (profiles, simulations)))
        s = np.maximum(0.0, s + poisson_llr(counts, column, relative_risk))
        np.maximum(top, s, out=top)
    return top


def _threshold_at(maxima: FloatArray, rate: float) -> float:
    """The smallest ``h`` reached by at most ``rate`` of the simulated maxima."""
    ordered = np.sort(maxima)
    allowed = math.floor(rate * len(ordered))
    value = float(ordered[len(ordered) - allowed - 1])
    return max(float(np.nextafter(value, math.inf)), 1e-9)


def calibrated_thresholds(
    expected: ArrayLike,
    rates: ArrayLike,
    *,
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    simulations: int = DEFAULT_SIMULATIONS,
    seed: int = 0,
) -> FloatArray:
    """Each chart's threshold: the ``h`` it reaches in control with probability ``rate``.

    The chance is over the whole horizon (all the periods given). Charts whose
    expected counts have the same shape over time (e.g. one seasonal profile,
    scaled by each institution's size) are calibrated together: their maxima
    are simulated on a grid of 16 sizes (log-spaced between the smallest and
    the largest) and ``h`` is interpolated in log size; any other chart is
    simulated on its own.

    Parameters
    ----------
    expected : array, shape (charts, periods)
        Expected counts; a period a chart does not cover is 0.
    rates : float or array, shape (charts,)
        Each chart's false-alarm probability over the horizon (e.g. from
        :func:`per_chart_rate`).
    relative_risk : float
        The chart's alternative ``R``.
    simulations : int
        Simulated in-control paths per profile, at least: a profile whose
        smallest rate would leave fewer than 60 paths beyond its threshold
        gets more (up to 8 times as many), so small rates (a family-wise
        rate over many charts) are resolved as well as large ones.
    seed : int
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    ndarray, shape (charts,)

    References
    ----------
    .. [1] Bottle A, Aylin P. J Oper Res Soc 2011; 62:1711-1718.
    .. [2] Aylin P et al. Lancet 2003; 362:485-491.
    """
    e = np.atleast_2d(np.asarray(expected, dtype=np.float64))
    n = e.shape[0]
    p = np.broadcast_to(np.asarray(rates, dtype=np.float64), (n,))
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError("false-alarm rates must be between 0 and 1")
    rng = np.random.default_rng(seed)
    out = np.full(n, np.inf)
    size = e.mean(axis=1)
    live = size > 0
    shape = np.zeros_like(e)
    shape[live] = e[live] / size[live, None]
    groups: dict[bytes, list[int]] = {}
    for i in np.flatnonzero(live):
        groups.setdefault(np.round(shape[i], 9).tobytes(), []).append(int(i))
    for members in groups.values():
        idx = np.array(members)
        sizes = size[idx]
        runs = _paths_needed(simulations, float(p[idx].min()))
        if len(idx) <= _GRID or sizes.max() <= sizes.min() * (1 + 1e-9):
            unique_sizes, back = np.unique(sizes, return_inverse=True)
            maxima = max_cusum(shape[idx[0]] * unique_sizes[:, None], runs, rng, relative_risk)
            for k, i in enumerate(idx):
                out[i] = _threshold_at(maxima[back[k]], float(p[i]))
            continue
        grid = np.geomspace(sizes.min(), sizes.max(), _GRID)
        maxima = max_cusum(shape[idx[0]] * grid[:, None], runs, rng, relative_risk)
        log_grid = np.log(grid)
        for rate in np.unique(p[idx]):
            h_grid = np.array([_threshold_at(m, float(rate)) for m in maxima])
            take = idx[p[idx] == rate]
            out[take] = np.interp(np.log(size[take]), log_grid, h_grid)
    return out


def _paths_needed(simulations: int, rate: float) -> int:
    """Paths to simulate so that about :data:`_MIN_EXCEEDANCES` lie beyond the
    threshold for ``rate`` (at least ``simulations``, at most
    :data:`_MAX_SIMULATION_FACTOR` times it)."""
    wanted = math.ceil(_MIN_EXCEEDANCES / rate)
    return int(min(max(simulations, wanted), _MAX_SIMULATION_FACTOR * simulations))


@dataclass
class FamilyFalseAlarms:
    """False alarms of a family of charts on simulated in-control data.

    Attributes
    ----------
    charts : int
        Charts in the family.
    replications : int
        Simulated histories of the whole family.
    any_rate, any_lower, any_upper : float
        Share of histories with at least one false alarm (the family-wise
        rate) and its exact 95% interval.
    more_than_one_rate : float
        Share with two or more.
    mean_false_alarms : float
        False alarms per history (charts signalling at least once).
    chart_rate : float
        Share of charts signalling at least once.
    """

    charts: int
    replications: int
    any_rate: float
    any_lower: float
    any_upper: float
    more_than_one_rate: float
    mean_false_alarms: float
    chart_rate: float

    def to_json(self) -> dict[str, Any]:
        """All attributes as plain numbers."""
        return dict(self.__dict__)


def family_false_alarms(
    expected: ArrayLike,
    thresholds: ArrayLike,
    *,
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    replications: int = 2_000,
    seed: int = 1,
) -> FamilyFalseAlarms:
    """Measure a family's false alarms over the horizon on simulated in-control data.

    Each replication draws every chart's counts as ``Poisson(E_t)`` (exactly
    what the charts expect) and counts the charts that reach their threshold
    at least once: an independent check of :func:`calibrated_thresholds`
    (use another seed).

    Parameters
    ----------
    expected : array, shape (charts, periods)
    thresholds : array, shape (charts,)
    relative_risk : float
    replications : int
    seed : int

    Returns
    -------
    FamilyFalseAlarms

    References
    ----------
    .. [1] Bottle A, Aylin P. J Oper Res Soc 2011; 62:1711-1718.
    """
    e = np.atleast_2d(np.asarray(expected, dtype=np.float64))
    h = np.asarray(thresholds, dtype=np.float64)
    rng = np.random.default_rng(seed)
    maxima = max_cusum(e, replications, rng, relative_risk)  # (charts, replications)
    alarms = (maxima >= h[:, None]).sum(axis=0)
    k = int((alarms > 0).sum())
    lower, upper = binomial_ci(k, replications)
    return FamilyFalseAlarms(
        charts=int(e.shape[0]),
        replications=replications,
        any_rate=k / replications,
        any_lower=float(lower),
        any_upper=float(upper),
        more_than_one_rate=float((alarms > 1).mean()),
        mean_false_alarms=float(alarms.mean()),
        chart_rate=float(alarms.mean() / max(e.shape[0], 1)),
    )
