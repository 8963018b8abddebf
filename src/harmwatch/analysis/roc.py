"""The area under the ROC curve, as the Mann-Whitney statistic.

References
----------
.. [1] Hanley JA, McNeil BJ. The meaning and use of the area under a receiver
   operating characteristic (ROC) curve. Radiology 1982; 143:29-36.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["roc_auc"]


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """ROC AUC of ``scores`` for boolean ``labels``: the chance that a positive
    outscores a negative, ties counted half (Mann-Whitney U / (n+ n-)).

    Returns None when either class is empty.

    Examples
    --------
    >>> roc_auc([3, 2, 1, 0], [True, True, False, False])
    1.0
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    from scipy.stats import rankdata  # type: ignore[import-untyped,unused-ignore]

    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
