"""Training pairs: linked and unlinked pairs of solved cases drawn alike, not from blocking."""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.series_model import code_frequencies
from harmwatch.analysis.series_training import training_pairs


def test_training_pairs_are_not_the_blocked_candidates() -> None:
    rng = np.random.default_rng(3)
    n = 120
    suspects = [[f"P{k // 3}"] for k in range(n)]  # 40 offenders, three solved cases each
    cases = pl.DataFrame(
        {
            "i": np.arange(n, dtype=np.int64),
            "x": rng.uniform(0, 60_000, n),
            "y": rng.uniform(0, 60_000, n),
            "day": rng.uniform(0, 3000, n),
            "codes": [["punched"]] * n,
            "weapon": [None] * n,
            "location_type": ["street"] * n,
            "victim_sex": ["m"] * n,
            "victim_age_band": [2] * n,
            "suspects": suspects,
            "victims": [[]] * n,
            "practitioner_id": [None] * n,
            "charged": [k % 4 != 3 for k in range(n)],
        },
        schema_overrides={
            "weapon": pl.String,
            "practitioner_id": pl.String,
            "victims": pl.List(pl.String),
        },
    )
    features, linked, unlinked = training_pairs(cases, code_frequencies(cases), seed=0)
    assert len(features) == len(linked) == len(unlinked)
    pairs = features.select("i", "j")
    charged = cases["charged"].to_numpy()
    assert charged[pairs["i"].to_numpy()].all() and charged[pairs["j"].to_numpy()].all()
    same = (pairs["i"] // 3 == pairs["j"] // 3).to_numpy()
    assert (same == linked).all() and linked.sum() > 20
    assert unlinked.sum() == min(20 * linked.sum(), 90 * 89 // 2 - linked.sum())
    # Drawn over the whole force: most unlinked pairs are far apart (no blocking window).
    assert (features.filter(pl.Series(unlinked))["distance_km"] > 5).mean() > 0.7
