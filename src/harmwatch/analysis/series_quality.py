"""How well series linkage recovers known series: pairwise recall and precision, ROC AUC,
false series per 1,000 cases (for the tests and docs/series.md).

References
----------
.. [1] Hanley JA, McNeil BJ. The meaning and use of the area under a receiver operating
   characteristic (ROC) curve. Radiology 1982; 143:29-36.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from numpy.typing import ArrayLike

from harmwatch.analysis.roc import roc_auc

__all__ = ["linkage_quality", "pair_auc"]


def pair_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """ROC AUC of ``scores`` for ``labels`` (:func:`harmwatch.analysis.roc.roc_auc`); NaN
    when either class is empty."""
    auc = roc_auc(scores, labels)
    return float("nan") if auc is None else auc


@dataclass
class _Quality:
    pair_recall: float
    pair_precision: float
    auc: float
    series_found: int
    false_series: int
    false_series_per_1000_cases: float
    planted_pairs: int
    extra: dict[str, Any] = field(default_factory=dict)


def linkage_quality(
    pairs: pl.DataFrame,
    series_members: list[list[str]],
    planted: list[list[str]],
    n_cases: int,
) -> dict[str, float | int]:
    """How well series linkage recovers known series (for tests and the docs).

    Parameters
    ----------
    pairs : polars.DataFrame
        Scored pairs: ``case_a``, ``case_b`` (case keys), ``score``.
    series_members : list of list of str
        The case keys of each candidate series found.
    planted : list of list of str
        The case keys of each known series.
    n_cases : int
        Cases analysed (for false series per 1,000 cases).

    Returns
    -------
    dict
        ``pair_recall`` and ``pair_precision`` of the pairs put in one series
        against the planted pairs; ``auc`` of the pair scores (planted pairs
        against all other scored pairs); ``false_series`` (series holding no
        planted pair) and ``false_series_per_1000_cases``.
    """
    truth = {frozenset((a, b)) for s in planted for a in s for b in s if a < b}
    found = {frozenset((a, b)) for s in series_members for a in s for b in s if a < b}
    hits = len(truth & found)
    labels = [
        frozenset((a, b)) in truth
        for a, b in zip(pairs["case_a"].to_list(), pairs["case_b"].to_list(), strict=True)
    ]
    false_series = sum(
        1 for s in series_members if not any(frozenset((a, b)) in truth for a in s for b in s)
    )
    q = _Quality(
        pair_recall=hits / len(truth) if truth else float("nan"),
        pair_precision=hits / len(found) if found else float("nan"),
        auc=pair_auc(pairs["score"].to_numpy(), labels),
        series_found=len(series_members),
        false_series=false_series,
        false_series_per_1000_cases=1000.0 * false_series / max(n_cases, 1),
        planted_pairs=len(truth),
    )
    return {k: v for k, v in q.__dict__.items() if k != "extra"}
