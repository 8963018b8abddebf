"""Series linkage's blocking: the pairs of cases worth scoring, never all pairs.

References
----------
.. [1] Christen P. Data Matching. Springer, 2012 (blocking, ch. 4).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.series_model import code_frequencies

__all__ = ["candidate_pairs"]

_PAIR_COLUMNS = ("i", "j")


def candidate_pairs(
    cases: pl.DataFrame,
    *,
    max_km: float = 5.0,
    max_days: float = 180.0,
    max_code_share: float = 0.05,
    max_person_cases: int = 200,
) -> pl.DataFrame:
    """Blocking: the pairs worth scoring, without forming all pairs.

    A pair is a candidate when (a) both cases are within ``max_km`` and
    ``max_days`` of each other (a k-d tree on scaled easting, northing and day);
    or (b) they share an MO code carried by at most ``max_code_share`` of the
    MO-bearing cases; or (c) they share a suspect, victim or practitioner
    carried by at most ``max_person_cases`` cases (sort-merge joins).

    Returns
    -------
    polars.DataFrame
        ``i``, ``j`` (row numbers, ``i < j``), each pair once.
    """
    from scipy.spatial import cKDTree

    frames: list[pl.DataFrame] = []
    located = cases.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())
    if located.height > 1:
        scale = np.array([max_km * 1000.0, max_km * 1000.0, max_days])
        points = located.select("x", "y", "day").to_numpy().astype(np.float64) / scale
        found = cKDTree(points).query_pairs(1.0, p=np.inf, output_type="ndarray")
        rows = located["i"].to_numpy()
        if len(found):
            near = pl.DataFrame({"i": rows[found[:, 0]], "j": rows[found[:, 1]]})
            frames.append(near)
    freq = code_frequencies(cases)
    rare = freq.filter(pl.col("share") <= max_code_share)["code"]
    by_code = (
        cases.select("i", pl.col("codes").alias("key"))
        .explode("key")
        .filter(pl.col("key").is_in(rare.implode()))
    )
    people = pl.concat(
        [
            cases.select("i", pl.col("suspects").alias("key")).explode("key"),
            cases.select("i", pl.col("victims").alias("key")).explode("key"),
            cases.select("i", ("practitioner:" + pl.col("practitioner_id")).alias("key")),
        ]
    ).drop_nulls()
    sizes = people.group_by("key").agg(pl.len().alias("n"))
    keep = sizes.filter((pl.col("n") > 1) & (pl.col("n") <= max_person_cases))["key"]
    shared = pl.concat([by_code, people.filter(pl.col("key").is_in(keep.implode()))]).unique()
    if shared.height:
        joined = shared.join(shared.rename({"i": "j"}), on="key").filter(pl.col("i") < pl.col("j"))
        frames.append(joined.select("i", "j"))
    if not frames:
        return pl.DataFrame(schema={"i": pl.Int64, "j": pl.Int64})
    out = pl.concat([f.select(pl.col(c).cast(pl.Int64) for c in _PAIR_COLUMNS) for f in frames])
    swapped = out.select(
        pl.min_horizontal("i", "j").alias("i"), pl.max_horizontal("i", "j").alias("j")
    )
    return swapped.unique().sort(["i", "j"])
