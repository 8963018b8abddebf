"""The Getis-Ord local statistic Gi* with binary weights, and its inference.

Gi* compares the events in a unit *and its neighbours* with what the same
number of units would hold if the counts were spread at random over the study
region (Getis & Ord 1992; Ord & Getis 1995). A large positive z marks a hot
spot (a cluster of high counts), a large negative z a cold spot.

For each unit this module gives

- the analytical z of Ord & Getis (1995), identical to ``esda.G_Local(y, w,
  transform="B", star=True).Zs``;
- a two-sided pseudo p-value by **randomisation** (Getis & Ord 1992): the
  null hypothesis is that the n unit counts are spread over the units in a
  random order, so the ``k`` counts of a unit's neighbourhood (the unit
  itself included, as Gi* includes it) are a random draw of ``k`` of the
  ``n`` counts. This is the null under which Ord & Getis derive the mean and
  variance behind the z. Monte Carlo with ``permutations`` draws from a
  seeded :class:`numpy.random.Generator` (one set of draws shared by all
  units, as in esda; NumPy's global random state is not touched);
- or, with ``inference="exact"``, that p-value computed exactly: the
  distribution of the sum of a random ``k`` of the ``n`` counts, counted from
  a generating function over the distinct count values (the number of
  ``k``-subsets with each sum). No Monte Carlo error and no floor at
  ``2 / (permutations + 1)``, which matters when thousands of grid cells are
  adjusted for multiple testing; deterministic, so no seed;
- the Benjamini–Hochberg adjustment of those p-values over all units.

The two-sided p-value is ``min(1, 2 * min(P(S >= L), P(S <= L)))`` where ``S``
is the random neighbourhood sum and ``L`` the observed one (with binary
weights Gi* orders neighbourhoods exactly as their sums).

Unlike esda's *conditional* randomisation, which holds the unit's own count
fixed and permutes only its neighbours', the unit's own count is part of the
draw here. For Gi*, whose statistic includes that count, conditioning on it
discards the strongest evidence: a cell holding most of a tight cluster's
events is then judged on its neighbours alone, and was missed in testing.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
of distance statistics. *Geographical Analysis* 24(3), 189-206.

Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. *Geographical Analysis* 27(4),
286-306.

Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate:
a practical and powerful approach to multiple testing. *Journal of the Royal
Statistical Society B* 57(1), 289-300.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped,unused-ignore]
from scipy.special import comb  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.smallnumbers import benjamini_hochberg

__all__ = ["GiStar", "Inference", "gi_star"]

Inference = Literal["permutation", "exact"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GiStar:
    """Gi* for every unit of a study region.

    Attributes
    ----------
    counts : ndarray of int64
        The count of each unit.
    local_sum : ndarray of int64
        The count of the unit and its neighbours.
    cardinality : ndarray of int64
        The number of units in that sum (the unit and its neighbours).
    z : ndarray of float64
        The analytical Gi* z-score (Ord & Getis 1995); 0 where it is undefined
        (all counts equal, or a unit neighbouring every other).
    p_value : ndarray of float64
        Two-sided pseudo p-value (see the module docstring).
    p_adjusted : ndarray of float64
        ``p_value`` adjusted over all units (Benjamini–Hochberg).
    direction : ndarray of int8
        +1 where the unit's neighbourhood is high (hot side), -1 where low
        (cold side), 0 where neither tail is smaller.
    alpha : float
        The false discovery rate at which units are called significant.
    inference : {"permutation", "exact"}
        How ``p_value`` was computed.
    permutations : int
        Random draws (0 for exact inference).
    """

    counts: IntArray
    local_sum: IntArray
    cardinality: IntArray
    z: FloatArray
    p_value: FloatArray
    p_adjusted: FloatArray
    direction: npt.NDArray[np.int8]
    alpha: float
    inference: Inference
    permutations: int

    @property
    def hot(self) -> npt.NDArray[np.bool_]:
        """Significant hot spots: adjusted p <= alpha on the high side."""
        return (self.p_adjusted <= self.alpha) & (self.direction > 0)

    @property
    def cold(self) -> npt.NDArray[np.bool_]:
        """Significant cold spots: adjusted p <= alpha on the low side."""
        return (self.p_adjusted <= self.alpha) & (self.direction < 0)


def gi_star(
    counts: npt.ArrayLike,
    neighbours: sparse.csr_array | sparse.csr_matrix,
    *,
    inference: Inference = "permutation",
    permutations: int = 9999,
    seed: int | None = None,
    alpha: float = 0.05,
) -> GiStar:
    """Getis-Ord Gi* with binary weights (the unit counts as its own neighbour).

    Parameters
    ----------
    counts : array_like of int
        Non-negative event count of each unit.
    neighbours : scipy sparse matrix, shape (n, n)
        Binary contiguity: non-zero where two units are neighbours. The
        diagonal is ignored (Gi* always includes the unit itself).
    inference : {"permutation", "exact"}
        The randomisation distribution by Monte Carlo, or computed exactly (see
        the module docstring).
    permutations : int
        Random draws for ``inference="permutation"``; the smallest attainable
        p-value is ``2 / (permutations + 1)``.
    seed : int, optional
        Seed of the random draws.
    alpha : float
        False discovery rate for :attr:`GiStar.hot` and :attr:`GiStar.cold`.

    Returns
    -------
    GiStar

    Examples
    --------
    >>> from scipy import sparse
    >>> adjacency = sparse.csr_array(np.eye(5, k=1) + np.eye(5, k=-1))
    >>> result = gi_star([0, 0, 1, 9, 9], adjacency, inference="exact")
    >>> np.round(result.z, 2).tolist()
    [-1.46, -1.99, -0.27, 1.46, 1.99]
    """
    y = np.asarray(counts, dtype=np.int64)
    if y.ndim != 1 or (y < 0).any():
        raise ValueError("counts must be a one-dimensional array of non-negative integers")
    n = y.size
    given = sparse.coo_array(neighbours)
    if given.shape != (n, n):
        raise ValueError(f"neighbours is {given.shape}, counts has {n} units")
    off_diagonal = (given.row != given.col) & (given.data != 0)
    adjacency = sparse.csr_array(
        (np.ones(int(off_diagonal.sum())), (given.row[off_diagonal], given.col[off_diagonal])),
        shape=(n, n),
    )
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0
    others = np.diff(adjacency.indptr).astype(np.int64)
    neighbour_sum = np.rint(adjacency @ y.astype(np.float64)).astype(np.int64)
    cardinality = others + 1
    local_sum = neighbour_sum + y

    z = _analytical_z(y, local_sum, cardinality)
    if inference == "exact":
        p_high, p_low = _exact_tails(y, local_sum, cardinality)
        permutations = 0
    elif inference == "permutation":
        rng = np.random.default_rng(seed)
        p_high, p_low = _permutation_tails(y, local_sum, cardinality, permutations, rng)
    else:
        raise ValueError(f"inference must be 'permutation' or 'exact', not {inference!r}")
    p_value = np.minimum(1.0, 2.0 * np.minimum(p_high, p_low))
    direction = np.sign(p_low - p_high).astype(np.int8)
    return GiStar(
        counts=y,
        local_sum=local_sum,
        cardinality=cardinality,
        z=z,
        p_value=p_value,
        p_adjusted=benjamini_hochberg(p_value),
        direction=direction,
        alpha=alpha,
        inference=inference,
        permutations=permutations,
    )


def _analytical_z(y: IntArray, local_sum: IntArray, cardinality: IntArray) -> FloatArray:
    """Ord & Getis (1995) eq. 9 with binary weights: (L - k ybar) / (s sqrt(k (n-k) / (n-1)))."""
    n = y.size
    values = y.astype(np.float64)
    mean = values.mean() if n else 0.0
    variance = float((values**2).mean() - mean**2) if n else 0.0
    k = cardinality.astype(np.float64)
    scale = variance * k * (n - k) / max(n - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local_sum - k * mean) / np.sqrt(scale)
    return np.where(np.isfinite(z) & (scale > 0), z, 0.0)


def _sample_ids(population: int, size: int, reps: int, rng: np.random.Generator) -> IntArray:
    """``reps`` rows of ``size`` distinct integers below ``population``, in random order.

    Floyd's algorithm, vectorised over rows, then a shuffle of each row so
    that every prefix is itself a uniform random sample.
    """
    out = np.zeros((reps, size), dtype=np.int64)
    for j, top in enumerate(range(population - size, population)):
        draw = rng.integers(0, top + 1, size=reps)
        seen = (out[:, :j] == draw[:, None]).any(axis=1)
        out[:, j] = np.where(seen, top, draw)
    return rng.permuted(out, axis=1)


def _permutation_tails(
    y: IntArray,
    local_sum: IntArray,
    cardinality: IntArray,
    permutations: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """P(S >= L) and P(S <= L) by random permutation: S the sum of k of the n values."""
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    n = y.size
    p_high = np.ones(n)
    p_low = np.ones(n)
    if n == 0:
        return p_high, p_low
    widest = int(min(cardinality.max(), n))
    draws = _sample_ids(n, widest, permutations, rng)
    scale = permutations + 1.0
    for k in np.unique(cardinality):
        units = np.flatnonzero(cardinality == k)
        simulated = np.sort(y[draws[:, : min(int(k), n)]].sum(axis=1))
        observed = local_sum[units]
        at_least = permutations - np.searchsorted(simulated, observed, side="left")
        at_most = np.searchsorted(simulated, observed, side="right")
        p_high[units] = (at_least + 1.0) / scale
        p_low[units] = (at_most + 1.0) / scale
    return p_high, p_low


def _exact_tails(
    y: IntArray, local_sum: IntArray, cardinality: IntArray
) -> tuple[FloatArray, FloatArray]:
    """P(S >= L) and P(S <= L): S the sum of a random k of the n values, exactly.

    The number of k-subsets with sum m is the coefficient of ``t^k x^m`` in
    ``prod_v (1 + t x^v)^(c_v)`` over the distinct values v (c_v units each),
    built one distinct value at a time; dividing by ``C(n, k)`` gives the
    distribution.
    """
    n = y.size
    p_high = np.ones(n)
    p_low = np.ones(n)
    if n == 0:
        return p_high, p_low
    widest = int(cardinality.max())
    if comb(n, widest) > 1e290:
        raise ValueError("too many units and neighbours for exact inference: use permutation")
    top = int(np.sort(y)[::-1][:widest].sum())
    ways = np.zeros((widest + 1, top + 1))
    ways[0, 0] = 1.0
    values, multiplicity = np.unique(y, return_counts=True)
    for value, count in zip(values.tolist(), multiplicity.tolist(), strict=True):
        grown = ways.copy()
        for a in range(1, min(count, widest) + 1):
            shift = a * value
            if shift > top:
                break
            grown[a:, shift:] += comb(count, a) * ways[: widest + 1 - a, : top + 1 - shift]
        ways = grown
    for k in np.unique(cardinality).tolist():
        units = np.flatnonzero(cardinality == k)
        distribution = ways[k] / comb(n, k)
        observed = local_sum[units]
        upper = np.cumsum(distribution[::-1])[::-1]
        lower = np.cumsum(distribution)
        p_high[units] = np.minimum(upper[observed], 1.0)
        p_low[units] = np.minimum(lower[observed], 1.0)
    return p_high, p_low
