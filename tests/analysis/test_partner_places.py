"""Places of unmatched ED attendances: dense discs by hand, not single-linkage chains."""

from __future__ import annotations

import numpy as np

from harmwatch.analysis.partner_places import unmatched_places


def test_places_are_dense_discs_not_chains() -> None:
    # A chain of points 80 m apart (single linkage would merge it all), a tight
    # group of five, a pair, and an unlocated point.
    chain_x = np.arange(0.0, 800.0, 80.0)
    x = np.concatenate([chain_x, [5000.0] * 5, [9000.0, 9010.0], [np.nan]])
    y = np.concatenate([np.zeros(10), [0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 0.0], [0.0]])
    places = unmatched_places(x, y, radius=100.0, min_count=3)
    assert places[0].tolist() == [10, 11, 12, 13, 14]
    # every chain place fits in a 100 m disc around its seed: at most 3 points
    assert all(len(p) == 3 for p in places[1:])
    assert all(p.max() < 10 for p in places[1:])
    assert 15 not in np.concatenate(places) and 17 not in np.concatenate(places)
    assert unmatched_places(x, y, radius=100.0, min_count=3, max_places=1)[0].size == 5
    assert unmatched_places(np.array([np.nan]), np.array([np.nan])) == []
