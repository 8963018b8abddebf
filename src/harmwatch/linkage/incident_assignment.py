"""One-to-one assignment of candidate incident matches: greedy and optimal.

``greedy`` takes pairs in order of decreasing score whenever neither record is
taken yet, computed in rounds of locally dominant pairs (Preis 1999), which
give exactly the greedy result without a loop per record. ``optimal``
maximises the total score with the Hungarian method (Kuhn 1955) on each
connected component of the candidate graph.

References
----------
.. [1] Preis R. Linear time 1/2-approximation algorithm for maximum weighted
   matching in general graphs. STACS 1999, LNCS 1563:259-269.
.. [2] Kuhn HW. The Hungarian method for the assignment problem. Naval Research
   Logistics Quarterly 1955;2:83-97.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Assignment", "FloatArray", "IntArray", "greedy_assignment", "optimal_assignment"]

#: The assignment methods.
Assignment = Literal["greedy", "optimal"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def greedy_assignment(
    a: IntArray, o: IntArray, score: FloatArray, gap_minutes: FloatArray
) -> npt.NDArray[np.bool_]:
    """Which pairs the greedy one-to-one assignment keeps (by decreasing score).

    Ties are broken by the smaller absolute time gap, then by index. Computed in
    rounds of locally dominant pairs (Preis 1999), which give exactly the greedy
    result.

    Examples
    --------
    >>> keep = greedy_assignment(
    ...     np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.9, 0.8, 0.7]), np.zeros(3)
    ... )
    >>> keep.tolist()
    [True, False, False]
    """
    n = len(a)
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((o, a, np.abs(gap_minutes), -score))] = np.arange(n)
    alive = np.ones(n, dtype=bool)
    n_a, n_o = int(a.max()) + 1, int(o.max()) + 1
    while alive.any():
        best_a = np.full(n_a, n, dtype=np.int64)
        best_o = np.full(n_o, n, dtype=np.int64)
        np.minimum.at(best_a, a[alive], rank[alive])
        np.minimum.at(best_o, o[alive], rank[alive])
        dominant = alive & (best_a[a] == rank) & (best_o[o] == rank)
        keep |= dominant
        taken_a = np.zeros(n_a, dtype=bool)
        taken_o = np.zeros(n_o, dtype=bool)
        taken_a[a[dominant]] = True
        taken_o[o[dominant]] = True
        alive &= ~(taken_a[a] | taken_o[o])
    return keep


def optimal_assignment(a: IntArray, o: IntArray, score: FloatArray) -> npt.NDArray[np.bool_]:
    """Which pairs the maximum-total-score one-to-one assignment keeps.

    The Hungarian method (``scipy.optimize.linear_sum_assignment``) on each
    connected component of the bipartite candidate graph; components of one
    pair are kept without solving.
    """
    from scipy.optimize import (  # type: ignore[import-untyped,unused-ignore]
        linear_sum_assignment,
    )
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped,unused-ignore]
    from scipy.sparse.csgraph import (  # type: ignore[import-untyped,unused-ignore]
        connected_components,
    )

    n = len(a)
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    n_a, n_o = int(a.max()) + 1, int(o.max()) + 1
    graph = coo_matrix((np.ones(n), (a, o + n_a)), shape=(n_a + n_o, n_a + n_o))
    _, labels = connected_components(graph, directed=False)
    component = np.asarray(labels)[a]
    size = np.bincount(component)
    keep[size[component] == 1] = True
    big = np.flatnonzero(size[component] > 1)
    order = big[np.argsort(component[big], kind="stable")]
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    for rows in np.split(order, bounds):  # one iteration per component, not per record
        if not len(rows):
            continue
        ua, ia = np.unique(a[rows], return_inverse=True)
        uo, io = np.unique(o[rows], return_inverse=True)
        matrix = np.zeros((len(ua), len(uo)))
        matrix[ia, io] = score[rows]
        r, c = linear_sum_assignment(matrix, maximize=True)
        chosen = np.zeros((len(ua), len(uo)), dtype=bool)
        chosen[np.asarray(r), np.asarray(c)] = True
        keep[rows] = chosen[ia, io]
    return keep
