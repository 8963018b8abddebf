"""Places where the ED sees violence the police do not: unmatched attendances grouped.

:func:`unmatched_places` groups points by greedy densest-disc grouping (a
leader clustering, Hartigan 1975): the unmatched attendance with most unmatched
neighbours within ``radius`` (found with a KD-tree) seeds a place holding those
neighbours; they are removed and the next densest seeds the next place, until
no attendance has ``min_count`` neighbours left. Unlike single-linkage
grouping (or DBSCAN's chaining, Ester et al. 1996) a busy town centre is not
merged into one place: every place fits in a disc of ``radius`` around its seed.
:func:`describe_places` gives each place's centre, venue, nearby ED attendances
(and the share matched) and nearby police violence. Used by
:func:`harmwatch.analysis.partners.partner_analysis`, which re-exports
:func:`unmatched_places`.

References
----------
.. [1] Hartigan JA. Clustering Algorithms. Wiley, 1975 (the leader algorithm).
.. [2] Ester M, Kriegel H-P, Sander J, Xu X. A density-based algorithm for
   discovering clusters in large spatial databases with noise. KDD 1996.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["describe_places", "unmatched_places"]


def unmatched_places(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    *,
    radius: float = 100.0,
    min_count: int = 3,
    max_places: int = 20,
) -> list[npt.NDArray[np.int64]]:
    """Group points into places by greedy densest-disc grouping.

    Parameters
    ----------
    easting, northing : array of float
        The points (NaN: left out).
    radius : float
        Metres: a place holds the points within ``radius`` of its seed.
    min_count : int
        Fewest points of a place.
    max_places : int
        Most places returned.

    Returns
    -------
    list of ndarray of int
        The indices of each place's points, densest place first.

    Examples
    --------
    >>> x = np.array([0.0, 5.0, 10.0, 1000.0, 1003.0, 5000.0])
    >>> [p.tolist() for p in unmatched_places(x, np.zeros(6), radius=50, min_count=2)]
    [[0, 1, 2], [3, 4]]
    """
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped,unused-ignore]
    from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

    x = np.asarray(easting, dtype=np.float64)
    y = np.asarray(northing, dtype=np.float64)
    located = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    n = len(located)
    if n == 0:
        return []
    pairs = np.asarray(
        cKDTree(np.column_stack([x[located], y[located]])).query_pairs(
            radius, output_type="ndarray"
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    adjacency = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    remaining = np.ones(n, dtype=np.float64)
    places: list[npt.NDArray[np.int64]] = []
    while len(places) < max_places:  # one iteration per place
        counts = np.asarray(adjacency @ remaining).ravel() * remaining
        seed = int(np.argmax(counts))
        if counts[seed] < min_count:
            break
        neighbours = np.asarray(adjacency[seed].indices, dtype=np.int64)
        members = np.sort(neighbours[remaining[neighbours] > 0])
        remaining[members] = 0.0
        places.append(located[members])
    return places


def _mode(values: pl.Series) -> tuple[str | None, float]:
    known = values.drop_nulls()
    if known.is_empty():
        return None, 0.0
    counts = known.value_counts(sort=True)
    top = counts.row(0)
    return str(top[0]), int(top[1]) / values.len()


def describe_places(
    groups: list[npt.NDArray[np.int64]],
    unmatched: pl.DataFrame,
    ed: pl.DataFrame,
    police: pl.DataFrame,
    radius: float,
) -> list[dict[str, Any]]:
    """Each place's centre, venue, nearby ED (matched share) and police violence."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

    if not groups:
        return []
    members = [unmatched[g] for g in groups]
    centres = np.array([[_mean(m["easting"]), _mean(m["northing"])] for m in members])
    ed_located = ed.filter(pl.col("easting").is_not_null() & pl.col("northing").is_not_null())
    ed_near = _within(cKDTree, ed_located, centres, radius)
    police_located = police.filter(
        pl.col("easting").is_not_null() & pl.col("northing").is_not_null()
    )
    police_near = _within(cKDTree, police_located, centres, radius)
    places = []
    for rank, (m, centre, near_ed, near_police) in enumerate(
        zip(members, centres, ed_near, police_near, strict=True), start=1
    ):
        venue, venue_share = _mode(m["assault_location_description"])
        area, _ = _mode(m["area_code"])
        nearby = ed_located[near_ed]
        places.append(
            {
                "rank": rank,
                "easting": round(float(centre[0]), 1),
                "northing": round(float(centre[1]), 1),
                "count": m.height,
                "venue": venue,
                "venue_share": round(venue_share, 3),
                "area_code": area,
                "attendances_nearby": nearby.height,
                "matched_share": _mean(nearby["matched"]) if nearby.height else None,
                "police_occurrences_nearby": len(near_police),
                "first": _day(m["assault_at"].min()),
                "last": _day(m["assault_at"].max()),
                "attendance_ids": m["attendance_id"].sort().to_list(),
                "occurrence_ids": police_located[near_police]["occurrence_id"].sort().to_list(),
            }
        )
    return places


def _within(
    tree_type: Any, frame: pl.DataFrame, centres: npt.NDArray[np.float64], radius: float
) -> list[list[int]]:
    if frame.is_empty():
        return [[] for _ in range(len(centres))]
    tree = tree_type(np.column_stack([frame["easting"].to_numpy(), frame["northing"].to_numpy()]))
    return [sorted(int(i) for i in found) for found in tree.query_ball_point(centres, radius)]


def _mean(values: pl.Series) -> float:
    return float(values.cast(pl.Float64).to_numpy().mean())


def _day(value: Any) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else None
