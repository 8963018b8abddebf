"""Series linkage (comparative case analysis) of deaths and serious violence.

:func:`series_linkage` reads the cases — deaths classified suspicious or
unexplained (optionally natural deaths outside hospital) and serious violence
(homicide, attempted murder, GBH, threats to kill) — forms candidate pairs by
blocking (near in space and time, sharing a rare MO code, or sharing a person
or practitioner; never all pairs), scores each pair as a log10 likelihood
ratio (:mod:`harmwatch.analysis.series_model`), joins pairs at or above the
threshold into candidate series (connected components) and applies the
analysts' decisions stored in ``series_decisions``. Each series shows its
evidence: its pairs, what each feature contributed, and how unusual the shared
MO codes are.

References
----------
.. [1] Porter MD. A statistical approach to crime linkage. The American
   Statistician 2016; 70(2):152-165 (arXiv:1410.2285).
.. [2] Christen P. Data Matching. Springer, 2012 (blocking, ch. 4).
.. [3] Woodhams J, Hollin CR, Bull R. The psychology of linking crimes: a
   review of the evidence. Legal and Criminological Psychology 2007; 12:233-249
   (comparative case analysis).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.series_blocking import candidate_pairs
from harmwatch.analysis.series_cases import (
    AGE_BAND_STARTS,
    DEATH_CLASSES,
    SERIOUS_VIOLENCE,
    case_key,
    load_cases,
)
from harmwatch.analysis.series_decisions import apply_decisions, read_decisions, record_decision
from harmwatch.analysis.series_model import (
    PairModel,
    code_frequencies,
    pair_features,
    train_model,
)
from harmwatch.analysis.series_result import (
    DEFAULT_THRESHOLD,
    Series,
    SeriesResult,
    build_series,
)
from harmwatch.analysis.series_training import training_pairs

__all__ = [
    "AGE_BAND_STARTS",
    "DEATH_CLASSES",
    "DEFAULT_THRESHOLD",
    "SERIOUS_VIOLENCE",
    "Series",
    "SeriesResult",
    "candidate_pairs",
    "case_key",
    "link_series",
    "load_cases",
    "read_decisions",
    "record_decision",
    "series_linkage",
]


def link_series(
    cases: pl.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    decisions: pl.DataFrame | None = None,
    model: PairModel | None = None,
    max_km: float = 5.0,
    max_days: float = 180.0,
) -> SeriesResult:
    """Score candidate pairs and join them into series (pure: no store).

    Parameters
    ----------
    cases : polars.DataFrame
        :func:`load_cases`' frame.
    threshold : float
        log10 likelihood ratio at which a pair is a link.
    decisions : polars.DataFrame, optional
        :func:`read_decisions`' frame.
    model : PairModel, optional
        Ratios to use; default: trained on the solved cases when enough, else
        the hand-set ratios.
    max_km, max_days : float
        Spatio-temporal blocking window (:func:`candidate_pairs`).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if cases.height < 2:
        return SeriesResult(False, reason="fewer than two cases to compare", cases=cases.height)
    cases = cases.with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    keys = cases["case"].to_list()
    index = {k: n for n, k in enumerate(keys)}
    confirmed, rejected, series_rows = apply_decisions(decisions, keys)
    pairs = candidate_pairs(cases, max_km=max_km, max_days=max_days)
    forced = [(index[a], index[b]) for a, b in confirmed if a in index and b in index]
    if forced:
        extra = pl.DataFrame(forced, schema={"i": pl.Int64, "j": pl.Int64}, orient="row")
        pairs = pl.concat([pairs, extra]).unique().sort(["i", "j"])
    freq = code_frequencies(cases)
    features = pair_features(cases, pairs, freq)
    if model is None:
        training, linked, unlinked = training_pairs(cases, freq)
        model = train_model(training, linked, unlinked)
    key_array = np.asarray(keys, dtype=object)
    scored = model.score(features).with_columns(
        pl.Series("case_a", key_array[features["i"].to_numpy()].tolist(), dtype=pl.String),
        pl.Series("case_b", key_array[features["j"].to_numpy()].tolist(), dtype=pl.String),
    )
    pair_keys = list(zip(scored["case_a"].to_list(), scored["case_b"].to_list(), strict=True))
    decision = [
        "confirm" if p in confirmed else "reject" if p in rejected else None for p in pair_keys
    ]
    scored = scored.with_columns(pl.Series("decision", decision, dtype=pl.String))
    edge = ((pl.col("score") >= threshold) & pl.col("decision").is_null()) | (
        pl.col("decision") == "confirm"
    )
    scored = scored.with_columns(edge.alias("link"))
    links = scored.filter(pl.col("link"))
    n = cases.height
    graph = coo_matrix(
        (np.ones(links.height), (links["i"].to_numpy(), links["j"].to_numpy())), shape=(n, n)
    )
    _, label = connected_components(graph, directed=False)
    cases = cases.with_columns(pl.Series("component", label))
    sizes = cases.group_by("component").agg(pl.len().alias("size"))
    multi = sizes.filter(pl.col("size") > 1)["component"].to_list()
    series = [
        build_series(cases.filter(pl.col("component") == c), links, freq, series_rows)
        for c in multi
    ]
    series.sort(key=lambda s: (-len(s.members), s.series_id))
    warnings = [] if model.trained else [model.note]
    return SeriesResult(
        True,
        cases=n,
        pairs_scored=scored.height,
        threshold=threshold,
        model=model,
        series=series,
        warnings=warnings,
        tables={"pairs": scored, "cases": cases, "codes": freq},
    )


def series_linkage(
    engine: Engine,
    *,
    include_natural: bool = False,
    natural_sharing_mo: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    model: PairModel | None = None,
    max_km: float = 5.0,
    max_days: float = 180.0,
) -> SeriesResult:
    """Candidate series in the store, with the analysts' decisions applied.

    Parameters
    ----------
    engine : Engine
        The store.
    include_natural : bool
        Also compare every natural death outside hospital and hospice.
    natural_sharing_mo : bool
        Without ``include_natural``: compare the natural deaths outside
        hospital that share an MO code with another case (default).
    threshold, model, max_km, max_days
        As :func:`link_series`.
    """
    cases = load_cases(
        engine, include_natural=include_natural, natural_sharing_mo=natural_sharing_mo
    )
    result = link_series(
        cases,
        threshold=threshold,
        decisions=read_decisions(engine),
        model=model,
        max_km=max_km,
        max_days=max_days,
    )
    if not cases.filter(pl.col("linked")).height:
        result.warnings.append(
            "persons are not linked across agencies (run harmwatch link): shared suspects "
            "and victims come from the police's own person references only"
        )
    return result
