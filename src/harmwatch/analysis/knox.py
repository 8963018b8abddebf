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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.nearrepeat_result import (
    DEFAULT_DISTANCE_BANDS,
    DEFAULT_TIME_BANDS,
    FloatArray,
    IntArray,
    NearRepeatResult,
    band_edges,
    close_pairs_frame,
    empty_table,
    filled_table,
    result_warnings,
    threshold_value,
)
from harmwatch.errors import HarmWatchError

__all__ = ["knox_test"]


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
    distance = threshold_value(distance, "the distance")
    days = threshold_value(days, "the number of days")
    d_edges = band_edges(distance_bands, "distance bands")
    t_edges = band_edges(time_bands, "time bands")
    if permutations < 1:
        raise HarmWatchError(f"permutations must be at least 1, not {permutations}")
    names = [str(v) for v in ids] if ids is not None else [str(k) for k in range(n)]
    if len(names) != n:
        raise HarmWatchError(f"{len(names)} ids for {n} events")

    table = empty_table(d_edges, t_edges)
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
        close_pairs=close_pairs_frame([], [], [], []),
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
    result.table = filled_table(table, cells, sim_cells, permutations)
    ci, cj = close
    order = times[ci] <= times[cj]
    first, second = np.where(order, ci, cj), np.where(order, cj, ci)
    result.close_pairs = close_pairs_frame(
        [names[k] for k in first],
        [names[k] for k in second],
        np.hypot(coords[first, 0] - coords[second, 0], coords[first, 1] - coords[second, 1]),
        np.abs(times[second] - times[first]),
    )
    result.warnings.extend(result_warnings(result))
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
