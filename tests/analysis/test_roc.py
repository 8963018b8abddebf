"""ROC AUC as the Mann-Whitney statistic."""

from __future__ import annotations

import numpy as np
import pytest

from harmwatch.analysis.roc import roc_auc


def test_separated_tied_and_empty_classes() -> None:
    assert roc_auc([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert roc_auc([0, 1, 2, 3], [True, True, False, False]) == 0.0
    assert roc_auc([1, 1], [True, False]) == 0.5
    assert roc_auc([1.0, 2.0], [True, True]) is None


def test_equals_the_share_of_positive_negative_pairs_won() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 200).astype(float)
    labels = rng.random(200) < 0.3
    pos, neg = scores[labels], scores[~labels]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert roc_auc(scores, labels) == pytest.approx(wins / (len(pos) * len(neg)))
