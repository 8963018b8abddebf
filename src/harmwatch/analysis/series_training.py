"""Training pairs for series linkage's likelihood ratios: the force's solved cases.

Porter (2016) learns each feature's likelihood ratio from pairs of *solved*
crimes: linked when they share an offender, unlinked otherwise. Both classes
must be drawn the same way. Taking the unlinked pairs from the blocked
candidates (near in space and time) while the linked ones come from a shared
suspect, whatever the distance, teaches the model that distance and time apart
are evidence *for* a link, a pure artefact of blocking. So here the linked
pairs are every pair of solved cases sharing a charged suspect, and the
unlinked pairs a seeded uniform sample of all other pairs of solved cases.

References
----------
.. [1] Porter MD. A statistical approach to crime linkage. The American
   Statistician 2016; 70(2):152-165 (arXiv:1410.2285).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.series_model import pair_features

__all__ = ["training_pairs"]

#: Unlinked training pairs drawn per linked pair, and at most.
UNLINKED_PER_LINKED, MAX_UNLINKED = 20, 50_000


def training_pairs(
    cases: pl.DataFrame,
    frequencies: pl.DataFrame,
    *,
    seed: int = 0,
    per_linked: int = UNLINKED_PER_LINKED,
    max_unlinked: int = MAX_UNLINKED,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """Features of the training pairs and the masks of the linked and unlinked ones.

    Parameters
    ----------
    cases : polars.DataFrame
        The cases with ``i`` (row number), ``charged`` and ``suspects``.
    frequencies : polars.DataFrame
        :func:`harmwatch.analysis.series_model.code_frequencies` of all cases.
    seed : int
        Seed of the sample of unlinked pairs.
    per_linked, max_unlinked : int
        Unlinked pairs sampled per linked pair, and at most.

    Returns
    -------
    features : polars.DataFrame
        :func:`harmwatch.analysis.series_model.pair_features` of the pairs.
    linked, unlinked : ndarray of bool
        Masks over ``features``.
    """
    solved = cases.filter(pl.col("charged") & (pl.col("suspects").list.len() > 0))
    empty = pl.DataFrame(schema={"i": pl.Int64, "j": pl.Int64})
    if solved.height < 2:
        features = pair_features(cases, empty, frequencies)
        return features, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    by_suspect = solved.select("i", pl.col("suspects").alias("key")).explode("key").drop_nulls()
    linked = (
        by_suspect.join(by_suspect.rename({"i": "j"}), on="key")
        .filter(pl.col("i") < pl.col("j"))
        .select(pl.col("i").cast(pl.Int64), pl.col("j").cast(pl.Int64))
        .unique()
    )
    ids = solved["i"].to_numpy().astype(np.int64)
    n = len(ids)
    total = n * (n - 1) // 2
    want = min(max_unlinked, per_linked * max(linked.height, 1), total - linked.height)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, 2 * want + 100)
    b = rng.integers(0, n, 2 * want + 100)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    drawn = (
        pl.DataFrame({"i": ids[lo], "j": ids[hi]})
        .unique(maintain_order=True)
        .join(linked, on=["i", "j"], how="anti")
        .head(max(want, 0))
    )
    pairs = pl.concat([linked, drawn])
    features = pair_features(cases, pairs, frequencies)
    is_linked = np.zeros(pairs.height, dtype=bool)
    is_linked[: linked.height] = True
    # pair_features keeps the order of ``pairs`` (left joins).
    return features, is_linked, ~is_linked
