"""Near repeats: the Knox test and a Ratcliffe-style table of space-time bands.

Is an event more likely than chance to follow another nearby, soon after?
The Knox test counts the pairs of events close in space (distance <= ``distance``
metres) and in time (<= ``days`` apart) and compares the count with its
distribution when the times are shuffled among the locations, which keeps
where events happen and when they happen and breaks only the link between the
two (Knox 1964; Mantel 1967). The Near Repeat Calculator (Ratcliffe 2009;
Ratcliffe & Rengert 2008) does the same for a grid of distance bands by time
bands, reporting for each cell the observed pairs, the expected pairs (the
mean over the permutations), the Knox ratio (observed / expected) and a Monte
Carlo p-value.

Boundary conventions
--------------------
Upper bounds are inclusive, everywhere: a pair is *close* when its distance is
``<= distance`` and its time gap ``<= days``; a band ``a-b`` holds the pairs
with ``a < value <= b`` (the first band ``0 <= value <= b``; a band edge of 0
makes a "same location" or "same time" band) and "more than b" those with
``value > b``. Distances are Euclidean in metres (British National Grid);
times are fractional days. Comparisons are made on squares, ``dx**2 + dy**2 <=
r**2`` and ``dt**2 <= tau**2``, exactly as SciPy's KD-tree (which
``pointpats.spacetime.Knox`` queries with ``query_ball_tree(r=...)``, also
"distance <= r") does, so the pair count equals pointpats' ``Knox`` statistic
to the pair, ties at a threshold included.

Computation
-----------
The candidate pairs (within the largest distance of interest) are found once
with a KD-tree and their distances computed once. Each permutation only
shuffles the time vector and recomputes ``|t_i - t_j|`` for those pairs,
vectorised; the cells are counted by comparing the squared gaps with the
squared band edges and a ``bincount`` (candidates sorted by distance, so each
distance band is a slice).
Pairs farther apart than the last distance band are never enumerated: the
number of all pairs in each time band does not change under a permutation of
the times (it is a property of the set of times), so the "more than" distance
row is that number minus the rows above it. The cost is
``O(n log n + permutations * (n + candidate pairs))``.

References
----------
.. [1] Knox EG. The detection of space-time interactions. Journal of the Royal
   Statistical Society C (Applied Statistics) 1964; 13:25-30.
.. [2] Mantel N. The detection of disease clustering and a generalized
   regression approach. Cancer Research 1967; 27:209-220.
.. [3] Johnson SD, Bernasco W, Bowers KJ, et al. Space-time patterns of risk:
   a cross national assessment of residential burglary victimization. Journal
   of Quantitative Criminology 2007; 23:201-219 (the Monte Carlo Knox test).
.. [4] Ratcliffe JH, Rengert GF. Near-repeat patterns in Philadelphia
   shootings. Security Journal 2008; 21:58-76.
.. [5] Ratcliffe JH. Near Repeat Calculator (version 1.3). Temple University,
   Philadelphia, and the National Institute of Justice, 2009.
.. [6] Besag J, Diggle PJ. Simple Monte Carlo tests for spatial pattern.
   Applied Statistics 1977; 26:327-333 (p = (1 + #{sim >= obs}) / (N + 1)).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine, and_
from sqlalchemy.sql import ColumnElement

from harmwatch.analysis.data import Period, in_period, read_kind
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    benjamini_hochberg,
    json_records,
)
from harmwatch.contract import codes
from harmwatch.errors import HarmWatchError
from harmwatch.store.schema import kind_tables

__all__ = [
    "ALPHA",
    "DEFAULT_DISTANCE_BANDS",
    "DEFAULT_GROUPS",
    "DEFAULT_TIME_BANDS",
    "MIN_EVENTS",
    "RATIO_THRESHOLD",
    "NearRepeatResult",
    "knox_test",
    "near_repeat",
]

#: Offence groups read by default: the most serious violence against the person.
DEFAULT_GROUPS = ("homicide", "attempted_murder", "gbh", "abh")
#: Upper edges (metres) of the distance bands; a "more than" band follows.
DEFAULT_DISTANCE_BANDS = (100.0, 200.0, 300.0, 400.0, 500.0)
#: Upper edges (days) of the time bands; a "more than" band follows.
DEFAULT_TIME_BANDS = (7.0, 14.0, 21.0, 28.0)
#: A cell is flagged when its Knox ratio exceeds this and ``p < ALPHA``, as the
#: Near Repeat Calculator shades cells at least 20% above expectation.
RATIO_THRESHOLD = 1.2
ALPHA = 0.05
#: Fewer events than this carry a warning.
MIN_EVENTS = 30

_KIND = "police_occurrences"
_PRECISE = ("datetime", "date")
_US_PER_DAY = 86_400_000_000

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class NearRepeatResult:
    """The Knox test of near repeats, and its table of distance by time bands.

    Attributes
    ----------
    available : bool
        False when the test could not be run (fewer than two events); then
        ``reason`` says why and the figures are empty.
    reason : str or None
        Why the test is not available.
    n_events : int
        Events tested (located, dated at least to the day).
    distance, days : float
        The thresholds of a close pair: distance <= ``distance`` metres and
        time apart <= ``days`` days.
    pairs : int
        Observed close pairs (the Knox statistic).
    expected : float or None
        Mean number of close pairs over the permutations.
    ratio : float or None
        Knox ratio ``pairs / expected``.
    p_value : float or None
        One-sided Monte Carlo p-value, ``(1 + #{permuted >= observed}) /
        (permutations + 1)``.
    permutations : int
        Permutations of the times among the locations.
    seed : int or None
        Seed of the ``numpy.random.Generator`` that drew them.
    distance_bands, time_bands : tuple of float
        Upper edges (inclusive) of the table's bands, before "more than".
    table : polars.DataFrame
        One row per cell, distance band major: ``distance_band``,
        ``time_band`` (labels), ``distance_from``, ``distance_to``,
        ``days_from``, ``days_to`` (bounds; ``from`` exclusive except 0, ``to``
        inclusive, null when open), ``observed``, ``expected``, ``ratio``,
        ``p_value``, ``p_adjusted`` (Benjamini-Hochberg over the cells) and
        ``significant`` (ratio > ``RATIO_THRESHOLD`` and p < ``ALPHA``,
        unadjusted, as in the Near Repeat Calculator).
    close_pairs : polars.DataFrame
        The observed close pairs, for traceability: ``event_a``, ``event_b``
        (ids, the earlier first), ``distance_m``, ``days_apart``.
    warnings : list of str
        Plain-words cautions.
    groups : tuple of str
        Offence groups read (empty when the events were given directly).
    period : Period or None
        The period read (None: all loaded); in JSON ``{"from", "to"}``, both
        days included.
    excluded : dict of str to int
        Records left out and why (``unlocated``, ``imprecise_date``).
    simulated : numpy.ndarray
        The close-pair count under each permutation.
    """

    available: bool
    reason: str | None
    n_events: int
    distance: float
    days: float
    pairs: int
    expected: float | None
    ratio: float | None
    p_value: float | None
    permutations: int
    seed: int | None
    distance_bands: tuple[float, ...]
    time_bands: tuple[float, ...]
    table: pl.DataFrame
    close_pairs: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    groups: tuple[str, ...] = ()
    period: Period | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    simulated: IntArray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The tables behind the figures (for the report's appendix)."""
        return {"near_repeat": self.table, "near_repeat_pairs": self.close_pairs}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures: the headline test, the table, the close pairs."""
        return {
            "available": self.available,
            "reason": self.reason,
            "n_events": self.n_events,
            "groups": list(self.groups),
            "period": None
            if self.period is None
            else {
                "from": self.period.start.isoformat(),
                "to": (self.period.end - timedelta(days=1)).isoformat(),
            },
            "distance": self.distance,
            "days": self.days,
            "pairs": self.pairs,
            "expected": self.expected,
            "ratio": self.ratio,
            "p_value": self.p_value,
            "permutations": self.permutations,
            "seed": self.seed,
            "distance_bands": list(self.distance_bands),
            "time_bands": list(self.time_bands),
            "table": json_records(self.table),
            "close_pairs": json_records(self.close_pairs),
            "excluded": dict(self.excluded),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------
# Parameters and labels


def _edges(values: Sequence[float], what: str) -> tuple[float, ...]:
    edges = tuple(float(v) for v in values)
    if not edges:
        raise HarmWatchError(f"{what}: give at least one band edge")
    if any(not math.isfinite(v) or v < 0 for v in edges):
        raise HarmWatchError(f"{what}: band edges must be finite and not negative, not {edges}")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise HarmWatchError(f"{what}: band edges must increase, not {edges}")
    return edges


def _threshold(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise HarmWatchError(f"{what} must be a number not below 0, not {value}")
    return value


def _num(value: float) -> str:
    return f"{value:g}"


def _labels(edges: tuple[float, ...], unit: str, zero: str) -> list[str]:
    labels = []
    for k, upper in enumerate(edges):
        if k == 0:
            labels.append(zero if upper == 0 else f"0-{_num(upper)} {unit}")
        else:
            labels.append(f">{_num(edges[k - 1])}-{_num(upper)} {unit}")
    labels.append(f"more than {_num(edges[-1])} {unit}")
    return labels


# --------------------------------------------------------------------------
# Counting


def _pairs_within_time(sorted_t: FloatArray, limit: float) -> int:
    """Pairs of all events with ``(t_j - t_i)**2 <= limit**2`` (``sorted_t`` ascending).

    The same floating-point rule as the per-pair test, so the table's
    "more than" row is exact: a first guess by ``searchsorted``, then moved
    over tied times until it agrees with the rule (which is monotone in
    ``t_j``).
    """
    n = sorted_t.size
    limit2 = limit * limit
    index = np.arange(n)
    k = np.searchsorted(sorted_t, sorted_t + limit, side="right").astype(np.int64)
    k = np.clip(k, index + 1, n)
    for _ in range(n + 1):
        last = k - 1
        gap = sorted_t[last] - sorted_t
        shrink = (last > index) & (gap * gap > limit2)
        nxt = np.minimum(k, n - 1)
        gap = sorted_t[nxt] - sorted_t
        grow = (k < n) & (gap * gap <= limit2)
        if not (shrink.any() or grow.any()):
            break
        k[shrink] = np.searchsorted(sorted_t, sorted_t[last[shrink]], side="left")
        k[grow] = np.searchsorted(sorted_t, sorted_t[nxt[grow]], side="right")
    return int((k - index - 1).sum())


def _time_band_totals(t: FloatArray, edges: tuple[float, ...]) -> IntArray:
    """Pairs of all events in each time band (invariant under permutation)."""
    n = t.size
    sorted_t = np.sort(t)
    within = [_pairs_within_time(sorted_t, e) for e in edges]
    cumulative = np.array([*within, n * (n - 1) // 2], dtype=np.int64)
    return np.diff(cumulative, prepend=0)


@dataclass
class _Candidates:
    """Pairs within the largest distance of interest, found once."""

    i: IntArray
    j: IntArray
    d2: FloatArray

    @classmethod
    def find(cls, xy: FloatArray, radius: float) -> _Candidates:
        # The tree query is a superset (a hair wider); the exact rule is applied here.
        tree = cKDTree(xy)
        found = tree.query_pairs(r=radius * (1 + 1e-9) + 1e-9, output_type="ndarray")
        i = found[:, 0].astype(np.int64)
        j = found[:, 1].astype(np.int64)
        dx = xy[i, 0] - xy[j, 0]
        dy = xy[i, 1] - xy[j, 1]
        d2 = dx * dx + dy * dy
        keep = d2 <= radius * radius
        return cls(i[keep], j[keep], d2[keep])


# --------------------------------------------------------------------------
# The test on arrays


def knox_test(
    xy: ArrayLike,
    t: ArrayLike,
    *,
    distance: float,
    days: float,
    distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = 999,
    seed: int | None = None,
    ids: Sequence[str] | None = None,
) -> NearRepeatResult:
    """The Monte Carlo Knox test and the near-repeat table on events given as arrays.

    Parameters
    ----------
    xy : array of shape (n, 2)
        Event locations, in metres (easting, northing).
    t : array of shape (n,)
        Event times, in days (fractional days allowed).
    distance, days : float
        A pair is close when its distance is <= ``distance`` and its time
        gap <= ``days``.
    distance_bands, time_bands : sequence of float
        Increasing upper edges (inclusive) of the table's bands; a "more than"
        band is added after the last.
    permutations : int
        Random permutations of the times among the locations (at least 1).
    seed : int, optional
        Seed of the ``numpy.random.Generator``.
    ids : sequence of str, optional
        Event ids, for ``close_pairs`` (default: the row numbers).

    Returns
    -------
    NearRepeatResult

    Raises
    ------
    HarmWatchError
        On bad thresholds, bands or permutations.

    References
    ----------
    .. [1] Knox EG. Applied Statistics 1964; 13:25-30.
    .. [2] Ratcliffe JH, Rengert GF. Security Journal 2008; 21:58-76.
    .. [3] Besag J, Diggle PJ. Applied Statistics 1977; 26:327-333.

    Examples
    --------
    >>> xy = [[0, 0], [50, 0], [5000, 0], [5050, 0]]
    >>> r = knox_test(xy, [0, 3, 100, 200], distance=100, days=7, permutations=9, seed=1)
    >>> r.pairs, r.n_events
    (1, 4)
    """
    coords = np.ascontiguousarray(np.asarray(xy, dtype=np.float64))
    times = np.ascontiguousarray(np.asarray(t, dtype=np.float64)).ravel()
    n = times.size
    if coords.shape != (n, 2):
        raise HarmWatchError(f"xy must have shape ({n}, 2) to match t, not {coords.shape}")
    if not (np.isfinite(coords).all() and np.isfinite(times).all()):
        raise HarmWatchError("event locations and times must be finite numbers")
    distance = _threshold(distance, "the distance")
    days = _threshold(days, "the number of days")
    d_edges = _edges(distance_bands, "distance bands")
    t_edges = _edges(time_bands, "time bands")
    if permutations < 1:
        raise HarmWatchError(f"permutations must be at least 1, not {permutations}")
    names = [str(v) for v in ids] if ids is not None else [str(k) for k in range(n)]
    if len(names) != n:
        raise HarmWatchError(f"{len(names)} ids for {n} events")

    table = _empty_table(d_edges, t_edges)
    result = NearRepeatResult(
        available=False,
        reason=None,
        n_events=n,
        distance=distance,
        days=days,
        pairs=0,
        expected=None,
        ratio=None,
        p_value=None,
        permutations=permutations,
        seed=seed,
        distance_bands=d_edges,
        time_bands=t_edges,
        table=table,
        close_pairs=_close_pairs_frame([], [], [], []),
    )
    if n < 2:
        result.reason = f"{n} event(s): the Knox test needs at least two"
        result.warnings.append(result.reason)
        return result

    observed, simulated, sim_cells, cells, close = _run(
        coords, times, distance, days, d_edges, t_edges, permutations, seed
    )
    result.available = True
    result.pairs = observed
    result.simulated = simulated
    result.expected = float(simulated.mean())
    result.ratio = observed / result.expected if result.expected > 0 else None
    result.p_value = float((1 + np.count_nonzero(simulated >= observed)) / (permutations + 1))
    result.table = _table(table, cells, sim_cells, permutations)
    ci, cj = close
    order = times[ci] <= times[cj]
    first, second = np.where(order, ci, cj), np.where(order, cj, ci)
    result.close_pairs = _close_pairs_frame(
        [names[k] for k in first],
        [names[k] for k in second],
        np.hypot(coords[first, 0] - coords[second, 0], coords[first, 1] - coords[second, 1]),
        np.abs(times[second] - times[first]),
    )
    result.warnings.extend(_warnings(result))
    return result


def _run(
    coords: FloatArray,
    times: FloatArray,
    distance: float,
    days: float,
    d_edges: tuple[float, ...],
    t_edges: tuple[float, ...],
    permutations: int,
    seed: int | None,
) -> tuple[int, IntArray, IntArray, IntArray, tuple[IntArray, IntArray]]:
    """Observed and permuted counts: (pairs, simulated pairs, simulated cells,
    observed cells, observed close pairs (i, j))."""
    n = times.size
    cand = _Candidates.find(coords, max(distance, d_edges[-1]))
    # Nearest first: the table's pairs and the close pairs are then both
    # prefixes of the candidates, so a permutation gathers each gap once.
    order = np.argsort(cand.d2, kind="stable")
    i, j, d2 = cand.i[order], cand.j[order], cand.d2[order]
    d_edges2 = np.square(np.array(d_edges))
    m_table = int(np.searchsorted(d2, d_edges2[-1], side="right"))
    m_close = int(np.searchsorted(d2, distance * distance, side="right"))
    m = max(m_table, m_close)
    i, j = i[:m], j[:m]
    n_d, n_t = len(d_edges), len(t_edges) + 1  # rows enumerated, columns with "more than"
    base = np.searchsorted(d_edges2, d2[:m_table], side="left") * n_t
    t_edges2 = np.square(np.array(t_edges))
    days2 = days * days
    totals = _time_band_totals(times, t_edges)

    def count(tt: FloatArray) -> tuple[int, IntArray, FloatArray]:
        gap = tt[i] - tt[j]
        gap2 = gap * gap
        cell = base.copy()
        within = gap2[:m_table]
        for edge2 in t_edges2:  # a few passes beat a binary search per pair
            cell += within > edge2
        rows = np.bincount(cell, minlength=n_d * n_t).reshape(n_d, n_t)
        farther = totals - rows.sum(axis=0)
        pairs = int(np.count_nonzero(gap2[:m_close] <= days2))
        return pairs, np.vstack([rows, farther]).ravel().astype(np.int64), gap2

    observed, cells, gap2 = count(times)
    rng = np.random.default_rng(seed)
    simulated = np.empty(permutations, dtype=np.int64)
    sim_cells = np.empty((permutations, cells.size), dtype=np.int64)
    for b in range(permutations):
        simulated[b], sim_cells[b], _ = count(times[rng.permutation(n)])
    keep = np.flatnonzero(gap2[:m_close] <= days2)
    ci, cj = i[keep], j[keep]
    return observed, simulated, sim_cells, cells, (ci, cj)


def _empty_table(d_edges: tuple[float, ...], t_edges: tuple[float, ...]) -> pl.DataFrame:
    d_labels = _labels(d_edges, "m", "same location")
    t_labels = _labels(t_edges, "days", "same time")
    d_from = [0.0, *d_edges]
    d_to: list[float | None] = [*d_edges, None]
    t_from = [0.0, *t_edges]
    t_to: list[float | None] = [*t_edges, None]
    rows = [
        (d_labels[a], t_labels[b], d_from[a], d_to[a], t_from[b], t_to[b])
        for a in range(len(d_labels))
        for b in range(len(t_labels))
    ]
    return pl.DataFrame(
        rows,
        schema={
            "distance_band": pl.String,
            "time_band": pl.String,
            "distance_from": pl.Float64,
            "distance_to": pl.Float64,
            "days_from": pl.Float64,
            "days_to": pl.Float64,
        },
        orient="row",
    ).with_columns(
        observed=pl.lit(0, pl.Int64),
        expected=pl.lit(None, pl.Float64),
        ratio=pl.lit(None, pl.Float64),
        p_value=pl.lit(None, pl.Float64),
        p_adjusted=pl.lit(None, pl.Float64),
        significant=pl.lit(False),
    )


def _table(
    table: pl.DataFrame, cells: IntArray, sim_cells: IntArray, permutations: int
) -> pl.DataFrame:
    expected = sim_cells.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, cells / expected, np.nan)
    p = (1 + (sim_cells >= cells).sum(axis=0)) / (permutations + 1)
    significant = (ratio > RATIO_THRESHOLD) & (p < ALPHA)
    return table.with_columns(
        observed=pl.Series(cells, dtype=pl.Int64),
        expected=pl.Series(expected, dtype=pl.Float64),
        ratio=pl.Series(ratio, dtype=pl.Float64, nan_to_null=True),
        p_value=pl.Series(p, dtype=pl.Float64),
        p_adjusted=pl.Series(benjamini_hochberg(p), dtype=pl.Float64),
        significant=pl.Series(significant, dtype=pl.Boolean),
    )


def _close_pairs_frame(a: list[str], b: list[str], d: ArrayLike, dt: ArrayLike) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_a": pl.Series(a, dtype=pl.String),
            "event_b": pl.Series(b, dtype=pl.String),
            "distance_m": pl.Series(np.asarray(d, dtype=np.float64), dtype=pl.Float64),
            "days_apart": pl.Series(np.asarray(dt, dtype=np.float64), dtype=pl.Float64),
        }
    )


def _warnings(result: NearRepeatResult) -> list[str]:
    out = []
    if result.n_events < MIN_EVENTS:
        out.append(
            f"only {result.n_events} events: fewer than {MIN_EVENTS}, too few for the Knox "
            "test to tell near repeats from chance"
        )
    if result.pairs < SMALL_COUNT:
        out.append(
            f"only {result.pairs} pairs within {_num(result.distance)} m and "
            f"{_num(result.days)} days: fewer than {SMALL_COUNT}, too few to support a claim "
            "about near repeats"
        )
    if result.permutations < 99:
        out.append(
            f"only {result.permutations} permutations: the smallest possible p-value is "
            f"{1 / (result.permutations + 1):.3g}; use 999 or more for the report"
        )
    flagged = result.table.filter(pl.col("significant"))
    if flagged.height and (flagged["p_adjusted"] >= ALPHA).any():
        out.append(
            "cells are flagged on unadjusted p-values, as in the Near Repeat Calculator; "
            f"with {result.table.height} cells some may be flagged by chance: see p_adjusted"
        )
    thin = result.table.filter(pl.col("significant") & (pl.col("observed") < SMALL_COUNT))
    if thin.height:
        out.append(
            f"{thin.height} flagged cell(s) rest on fewer than {SMALL_COUNT} observed pairs: "
            "their ratios are unstable"
        )
    return out


# --------------------------------------------------------------------------
# From the store


def _check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(str(g).strip().lower() for g in groups))
    if not chosen:
        raise HarmWatchError("give at least one offence group")
    unknown = [g for g in chosen if g not in codes.OFFENCE_GROUP]
    if unknown:
        raise HarmWatchError(
            f"unknown offence group(s): {', '.join(unknown)}; "
            f"known: {', '.join(codes.OFFENCE_GROUP)}"
        )
    return chosen


def near_repeat(
    engine: Engine,
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
    period: Period | None = None,
    distance: float = 200.0,
    days: float = 14.0,
    distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = 999,
    seed: int | None = None,
) -> NearRepeatResult:
    """The Knox near-repeat test on police occurrences in the store.

    Reads the occurrences of ``groups`` whose ``occurred_from`` falls in
    ``period``, keeps those with a location (easting and northing) and a date
    precise to at least the day (``date_precision`` ``datetime`` or ``date``;
    a date-only record sits at midnight), and runs :func:`knox_test` on them
    with times in fractional days. Events are ordered by time and id, so a
    seed gives the same result on SQLite and PostgreSQL.

    Parameters
    ----------
    engine : Engine
        The store.
    groups : sequence of str
        Offence groups (``codes.OFFENCE_GROUP``).
    period : Period, optional
        The span of ``occurred_from`` (default: all loaded).
    distance, days, distance_bands, time_bands, permutations, seed
        As :func:`knox_test`.

    Returns
    -------
    NearRepeatResult
        Event ids are ``occurrence_id`` (``source:occurrence_id`` when more
        than one source supplied the events).

    Raises
    ------
    HarmWatchError
        On an unknown offence group or bad parameters.

    References
    ----------
    .. [1] Knox EG. Applied Statistics 1964; 13:25-30.
    .. [2] Ratcliffe JH, Rengert GF. Security Journal 2008; 21:58-76.
    """
    chosen = _check_groups(groups)
    table = kind_tables[_KIND]
    where: ColumnElement[bool] = table.c.offence_group.in_(chosen)
    if period is not None:
        where = and_(where, in_period(_KIND, period))
    frame = read_kind(
        engine,
        _KIND,
        columns=[
            "occurrence_id",
            "source",
            "occurred_from",
            "easting",
            "northing",
            "date_precision",
        ],
        where=where,
    )
    located = pl.col("easting").is_not_null() & pl.col("northing").is_not_null()
    precise = pl.col("date_precision").is_in(_PRECISE).fill_null(False)
    dated = pl.col("occurred_from").is_not_null()
    excluded = {
        "unlocated": frame.filter(~located).height,
        "imprecise_date": frame.filter(located & ~(precise & dated)).height,
    }
    events = frame.filter(located & precise & dated).sort(
        "occurred_from", "occurrence_id", "source"
    )
    if events["source"].n_unique() > 1:
        ids = (events["source"] + ":" + events["occurrence_id"]).to_list()
    else:
        ids = events["occurrence_id"].to_list()
    start = events["occurred_from"].min() if events.height else None
    times = np.zeros(0)
    if isinstance(start, datetime):
        micros = (events["occurred_from"] - start).dt.total_microseconds().to_numpy()
        times = micros.astype(np.float64) / _US_PER_DAY
    result = knox_test(
        events.select("easting", "northing").to_numpy().astype(np.float64).reshape(-1, 2),
        times,
        distance=distance,
        days=days,
        distance_bands=distance_bands,
        time_bands=time_bands,
        permutations=permutations,
        seed=seed,
        ids=ids,
    )
    result.groups = chosen
    result.period = period
    result.excluded = excluded
    scope = f"{'/'.join(chosen)} occurrences"
    notes = []
    if excluded["unlocated"]:
        notes.append(f"{excluded['unlocated']} {scope} without a location left out")
    if excluded["imprecise_date"]:
        notes.append(
            f"{excluded['imprecise_date']} {scope} dated only to the month or year left out"
        )
    result.warnings[:0] = notes
    if not result.available:
        result.reason = f"{result.n_events} {scope} located and dated to the day: too few"
    return result
