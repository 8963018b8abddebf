"""The pair model of series linkage: evidence features, likelihood ratios, evaluation.

Each candidate pair of cases is described by a few binned features (MO
overlap and rarity, distance, days apart, weapon, location type, victim sex
and age band, persons shared through linkage); each bin carries a log10
likelihood ratio ``log10 P(bin | same offender) / P(bin | different
offenders)`` and, under the naive-Bayes assumption of Porter (2016), a pair's
score is their sum: the log10 likelihood ratio that the two cases are linked.

The ratios are learnt from the force's own solved linked cases
(:func:`train_model`) when there are enough of them, else the documented
hand-set ratios of :data:`DEFAULT_LOG10_LR` are used.

References
----------
.. [1] Porter MD. A statistical approach to crime linkage. The American
   Statistician 2016; 70(2):152-165 (arXiv:1410.2285; R package
   ``crimelinkage``): naive-Bayes pair scores from binned features.
.. [2] Bennell C, Jones NJ. Between a ROC and a hard place: a method for
   linking serial burglaries by modus operandi. J Investigative Psychology
   and Offender Profiling 2005; 2:23-41 (distance is the strongest single cue).
.. [3] Tonkin M, Woodhams J, Bull R, Bond JW, Palmer EJ. Linking different types
   of crime using geographical and temporal proximity. Criminal Justice and
   Behavior 2011; 38:1069-1088 (inter-crime distance and days apart).
.. [4] Woodhams J, Toye K. An empirical test of the assumptions of case
   linkage and offender profiling with serial commercial robberies.
   Psychology, Public Policy, and Law 2007; 13:59-85 (behavioural consistency).
.. [5] Sparck Jones K. A statistical interpretation of term specificity and
   its application in retrieval. J Documentation 1972; 28:11-21 (IDF weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike

from harmwatch.analysis.series_quality import linkage_quality, pair_auc

__all__ = [
    "DEFAULT_LOG10_LR",
    "FEATURES",
    "MIN_LINKED_PAIRS",
    "PairModel",
    "code_frequencies",
    "default_model",
    "linkage_quality",
    "pair_auc",
    "pair_features",
    "train_model",
]

#: Fewer solved linked pairs than this and the hand-set ratios are used.
MIN_LINKED_PAIRS = 20
#: Learnt log10 likelihood ratios are clipped to +/- this.
MAX_LOG10_LR = 2.0
#: Learnt ratios are used only when they tell held-out linked from unlinked pairs apart
#: at least this well (ROC AUC).
MIN_HELD_OUT_AUC = 0.6

#: Share of MO-bearing cases at or under which a code is "rare", and "uncommon".
RARE_SHARE, UNCOMMON_SHARE = 0.05, 0.15
#: Weighted Jaccard at or above which two cases' MOs "match".
FULL_MATCH = 0.67
#: A practitioner on at most this many cases counts as a "rare" shared practitioner.
FEW_CASES = 10

#: Hand-set log10 likelihood ratios per feature and bin, used when the force has
#: fewer than :data:`MIN_LINKED_PAIRS` solved linked pairs. Missing evidence
#: (``"missing"``) is neutral (0). The magnitudes follow the linkage literature:
#: distance and a rare, fully shared MO are the strongest cues (Bennell & Jones
#: 2005; Tonkin et al. 2011; Porter 2016 reports per-bin Bayes factors of about
#: 10 (log10 1) for the nearest distance and time bins and about 0.1 (-1) for the
#: farthest); victim profile and location type are weak (Woodhams & Toye 2007).
#: A shared named suspect is near-proof (log10 LR 2); a shared practitioner
#: little on its own when that practitioner attends many deaths.
DEFAULT_LOG10_LR: dict[str, dict[str, float]] = {
    "mo": {
        "missing": 0.0,
        "none shared": -0.5,
        "common, partial": 0.0,
        "common, full": 0.2,
        "uncommon, partial": 0.4,
        "uncommon, full": 0.8,
        "rare, partial": 1.3,
        "rare, full": 2.0,
    },
    "distance": {
        "missing": 0.0,
        "same institution": 0.0,
        "< 0.5 km": 1.0,
        "0.5-2 km": 0.6,
        "2-5 km": 0.0,
        "5-15 km": -0.5,
        ">= 15 km": -1.0,
    },
    "days_apart": {
        "< 14": 0.5,
        "14-60": 0.3,
        "60-180": 0.0,
        "180-365": -0.3,
        ">= 365": -0.7,
    },
    "weapon": {"missing": 0.0, "same": 0.4, "different": -0.4},
    "location_type": {"missing": 0.0, "same": 0.2, "different": -0.3},
    "victim_sex": {"missing": 0.0, "same": 0.1, "different": -0.2},
    "victim_age": {"missing": 0.0, "same band": 0.2, "adjacent band": 0.0, "different": -0.3},
    "shared_person": {
        "none": 0.0,
        "same suspect": 2.0,
        "same victim": 0.5,
        "same practitioner (few cases)": 1.0,
        "same practitioner (many cases)": 0.3,
    },
}

#: The features, in the order shown.
FEATURES = tuple(DEFAULT_LOG10_LR)
#: Features the model learns (``shared_person`` defines the training links, so
#: it keeps its hand-set ratio).
_TRAINED = tuple(f for f in FEATURES if f != "shared_person")


def code_frequencies(cases: pl.DataFrame) -> pl.DataFrame:
    """How many cases carry each MO code: ``code``, ``cases``, ``share``, ``idf``.

    ``share`` is over the cases with any MO recorded; ``idf = ln(N / cases)``.
    """
    with_mo = cases.filter(pl.col("codes").list.len() > 0)
    n = max(with_mo.height, 1)
    return (
        with_mo.select(pl.col("codes").list.unique().alias("code"))
        .explode("code")
        .group_by("code")
        .agg(pl.len().cast(pl.Int64).alias("cases"))
        .with_columns(
            (pl.col("cases") / n).alias("share"),
            (pl.lit(float(n)) / pl.col("cases")).log().alias("idf"),
        )
        .sort(["cases", "code"])
    )


def _bin(expr: pl.Expr, edges: list[float], labels: list[str]) -> pl.Expr:
    out: pl.Expr = pl.lit(labels[-1])
    for edge, label in reversed(list(zip(edges, labels[:-1], strict=True))):
        out = pl.when(expr < edge).then(pl.lit(label)).otherwise(out)
    return out


def pair_features(
    cases: pl.DataFrame, pairs: pl.DataFrame, frequencies: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The evidence of each pair: raw measures and the bin of every feature.

    Parameters
    ----------
    cases : polars.DataFrame
        One row per case with ``i`` (its row number) and the columns of
        :func:`harmwatch.analysis.series.load_cases` (``codes``, ``x``, ``y``,
        ``day``, ``weapon``, ``location_type``, ``victim_sex``,
        ``victim_age_band``, ``suspects``, ``victims``, ``practitioner_id``).
    pairs : polars.DataFrame
        ``i``, ``j`` (``i < j``).
    frequencies : polars.DataFrame, optional
        :func:`code_frequencies` of the case set (computed when omitted).

    Returns
    -------
    polars.DataFrame
        ``pairs`` with ``distance_km``, ``days``, ``mo_jaccard`` (IDF-weighted),
        ``shared_codes``, ``rarest_share`` and one column per feature of
        :data:`FEATURES` holding its bin.
    """
    freq = code_frequencies(cases) if frequencies is None else frequencies
    idf = dict(zip(freq["code"].to_list(), freq["idf"].to_list(), strict=True))
    share = dict(zip(freq["code"].to_list(), freq["share"].to_list(), strict=True))
    practitioner_cases = cases.group_by("practitioner_id").agg(pl.len().alias("n_prac"))
    if "institution_id" not in cases.columns:
        cases = cases.with_columns(pl.lit(None, dtype=pl.String).alias("institution_id"))
    side = cases.join(practitioner_cases, on="practitioner_id", how="left").select(
        "i", "x", "y", "day", "codes", "weapon", "location_type", "victim_sex",
        "victim_age_band", "suspects", "victims", "practitioner_id", "n_prac", "institution_id",
    )  # fmt: skip
    a = side.rename({c: f"{c}_a" for c in side.columns if c != "i"})
    b = side.rename({c: f"{c}_b" for c in side.columns if c != "i"}).rename({"i": "j"})
    frame = pairs.select("i", "j").join(a, on="i", how="left").join(b, on="j", how="left")

    def weights(column: str, table: dict[str, float]) -> pl.Expr:
        return pl.col(column).list.eval(
            pl.element().replace_strict(table, default=0.0, return_dtype=pl.Float64)
        )

    def same(column: str) -> pl.Expr:
        a_, b_ = pl.col(f"{column}_a"), pl.col(f"{column}_b")
        return (
            pl.when(a_.is_null() | b_.is_null())
            .then(pl.lit("missing"))
            .when(a_ == b_)
            .then(pl.lit("same"))
            .otherwise(pl.lit("different"))
        )

    frame = frame.with_columns(
        pl.col("codes_a").list.set_intersection("codes_b").alias("shared_codes"),
        pl.col("codes_a").list.set_union("codes_b").alias("_union"),
        (((pl.col("x_a") - pl.col("x_b")) ** 2 + (pl.col("y_a") - pl.col("y_b")) ** 2).sqrt()
         / 1000.0).alias("distance_km"),
        (pl.col("day_a") - pl.col("day_b")).abs().alias("days"),
        (pl.col("victim_age_band_a") - pl.col("victim_age_band_b")).abs().alias("_age_gap"),
        (pl.col("suspects_a").list.set_intersection("suspects_b").list.len() > 0).alias("_sus"),
        (pl.col("victims_a").list.set_intersection("victims_b").list.len() > 0).alias("_vic"),
    )  # fmt: skip
    frame = frame.with_columns(
        (
            weights("shared_codes", idf).list.sum()
            / weights("_union", idf).list.sum().clip(lower_bound=1e-12)
        ).alias("mo_jaccard"),
        weights("shared_codes", share).list.min().alias("rarest_share"),
    )
    has_mo = (pl.col("codes_a").list.len() > 0) & (pl.col("codes_b").list.len() > 0)
    rarity = _bin(pl.col("rarest_share"), [RARE_SHARE + 1e-12, UNCOMMON_SHARE + 1e-12],
                  ["rare", "uncommon", "common"])  # fmt: skip
    extent = (
        pl.when(pl.col("mo_jaccard") >= FULL_MATCH)
        .then(pl.lit("full"))
        .otherwise(pl.lit("partial"))
    )
    same_prac = pl.col("practitioner_id_a").is_not_null() & (
        pl.col("practitioner_id_a") == pl.col("practitioner_id_b")
    )
    return frame.with_columns(
        pl.when(~has_mo)
        .then(pl.lit("missing"))
        .when(pl.col("shared_codes").list.len() == 0)
        .then(pl.lit("none shared"))
        .otherwise(pl.concat_str([rarity, extent], separator=", "))
        .alias("mo"),
        pl.when(pl.col("distance_km").is_null())
        .then(pl.lit("missing"))
        .when(pl.col("institution_id_a").is_not_null()
              & (pl.col("institution_id_a") == pl.col("institution_id_b")))
        .then(pl.lit("same institution"))
        .otherwise(_bin(pl.col("distance_km"), [0.5, 2, 5, 15],
                        ["< 0.5 km", "0.5-2 km", "2-5 km", "5-15 km", ">= 15 km"]))
        .alias("distance"),
        _bin(pl.col("days"), [14, 60, 180, 365], ["< 14", "14-60", "60-180", "180-365", ">= 365"])
        .alias("days_apart"),
        same("weapon").alias("weapon"),
        same("location_type").alias("location_type"),
        same("victim_sex").alias("victim_sex"),
        pl.when(pl.col("_age_gap").is_null())
        .then(pl.lit("missing"))
        .when(pl.col("_age_gap") == 0)
        .then(pl.lit("same band"))
        .when(pl.col("_age_gap") == 1)
        .then(pl.lit("adjacent band"))
        .otherwise(pl.lit("different"))
        .alias("victim_age"),
        pl.when(pl.col("_sus"))
        .then(pl.lit("same suspect"))
        .when(same_prac & (pl.col("n_prac_a") <= FEW_CASES))
        .then(pl.lit("same practitioner (few cases)"))
        .when(same_prac)
        .then(pl.lit("same practitioner (many cases)"))
        .when(pl.col("_vic"))
        .then(pl.lit("same victim"))
        .otherwise(pl.lit("none"))
        .alias("shared_person"),
    ).select(
        "i", "j", "distance_km", "days", "mo_jaccard", "shared_codes", "rarest_share",
        *FEATURES,
    )  # fmt: skip


@dataclass
class PairModel:
    """log10 likelihood ratios per feature bin; a pair's score is their sum.

    Attributes
    ----------
    log10_lr : dict of str to dict of str to float
        Feature -> bin -> log10 likelihood ratio.
    trained : bool
        True when learnt from the force's solved linked cases; False for the
        hand-set :data:`DEFAULT_LOG10_LR`.
    linked_pairs, unlinked_pairs : int
        The training pairs (0 for the hand-set model).
    note : str
        Where the ratios come from, in plain words.
    """

    log10_lr: dict[str, dict[str, float]]
    trained: bool = False
    linked_pairs: int = 0
    unlinked_pairs: int = 0
    note: str = ""

    def score(self, features: pl.DataFrame) -> pl.DataFrame:
        """Add ``lr_<feature>`` (each feature's log10 LR) and ``score`` (their sum)."""
        parts = [
            pl.col(f)
            .replace_strict(self.log10_lr[f], default=0.0, return_dtype=pl.Float64)
            .alias(f"lr_{f}")
            for f in FEATURES
        ]
        out = features.with_columns(parts)
        return out.with_columns(pl.sum_horizontal([f"lr_{f}" for f in FEATURES]).alias("score"))

    def to_json(self) -> dict[str, Any]:
        return {
            "trained": self.trained,
            "linked_pairs": self.linked_pairs,
            "unlinked_pairs": self.unlinked_pairs,
            "note": self.note,
            "log10_likelihood_ratios": self.log10_lr,
        }


def default_model(note: str = "") -> PairModel:
    """The hand-set model (:data:`DEFAULT_LOG10_LR`)."""
    return PairModel(
        {f: dict(bins) for f, bins in DEFAULT_LOG10_LR.items()},
        note=note or "hand-set log10 likelihood ratios (docs/series.md)",
    )


def train_model(
    features: pl.DataFrame,
    linked: ArrayLike,
    unlinked: ArrayLike,
    *,
    min_linked: int = MIN_LINKED_PAIRS,
    smoothing: float = 10.0,
    min_auc: float = MIN_HELD_OUT_AUC,
    seed: int = 0,
) -> PairModel:
    """Naive-Bayes log10 likelihood ratios learnt from solved pairs (Porter 2016).

    For each feature and bin, ``log10 p_L(bin) / p_U(bin)`` with
    ``p_C(bin) = (n_C(bin) + a pi(bin)) / (N_C + a)``: each class's share of
    pairs in the bin, shrunk towards the pooled share ``pi(bin)`` by ``a``
    pseudo-pairs, so a bin seen rarely pulls its ratio towards 1 (log 0), and a
    bin seen in neither class keeps ratio 1. Ratios are clipped to
    ``[-MAX_LOG10_LR, MAX_LOG10_LR]`` so no single feature outweighs a
    shared named suspect. ``shared_person`` keeps its hand-set ratios (it is
    what defines the training links).

    Parameters
    ----------
    features : polars.DataFrame
        :func:`pair_features` of the training pairs (see
        :func:`harmwatch.analysis.series_training.training_pairs`).
    linked, unlinked : array of bool
        Masks over ``features``: pairs of solved cases with the same charged
        suspect, and pairs of solved cases with different suspects, drawn
        alike (not from the blocked candidates).
    min_linked : int
        Fewer linked pairs than this: return :func:`default_model`.
    smoothing : float
        Pseudo-pairs ``a`` of the shrinkage.
    min_auc : float
        The ratios are first learnt on a random half of the pairs and scored
        (without ``shared_person``) on the other half; below this ROC AUC the
        force's solved cases show no behavioural consistency to learn from,
        and :func:`default_model` is returned (with a note saying so).
    seed : int
        Seed of the split.
    """
    lmask = np.asarray(linked, dtype=bool)
    umask = np.asarray(unlinked, dtype=bool)
    n_l, n_u = int(lmask.sum()), int(umask.sum())
    if n_l < min_linked or n_u < min_linked:
        return default_model(
            f"hand-set log10 likelihood ratios: only {n_l} solved linked pairs "
            f"(fewer than {min_linked}) to learn from"
        )
    rng = np.random.default_rng(seed)
    fold = rng.random(len(lmask)) < 0.5
    half = _fit(features, lmask & fold, umask & fold, smoothing)
    held = ~fold & (lmask | umask)
    held_scores = PairModel(half).score(features.filter(pl.Series(held)))
    without_person = held_scores["score"].to_numpy() - held_scores["lr_shared_person"].to_numpy()
    auc = pair_auc(without_person, lmask[held])
    if not auc >= min_auc:
        return default_model(
            f"hand-set log10 likelihood ratios: the force's {n_l} solved linked pairs (same "
            f"charged suspect) are told apart from {n_u} unlinked ones too poorly by their MO, "
            f"place, time and victims (held-out ROC AUC {auc:.2f} < {min_auc:g}): the force's "
            "solved cases show no behavioural consistency to learn from"
        )
    ratios = _fit(features, lmask, umask, smoothing)
    return PairModel(
        ratios,
        trained=True,
        linked_pairs=n_l,
        unlinked_pairs=n_u,
        note=(
            f"learnt from the force's solved cases: {n_l} linked pairs (same charged suspect) "
            f"and {n_u} unlinked pairs (held-out ROC AUC {auc:.2f})"
        ),
    )


def _fit(
    features: pl.DataFrame, lmask: np.ndarray, umask: np.ndarray, smoothing: float
) -> dict[str, dict[str, float]]:
    """The shrunk naive-Bayes ratios of :func:`train_model` from the pairs in the masks."""
    n_l, n_u = int(lmask.sum()), int(umask.sum())
    ratios = {f: dict(bins) for f, bins in DEFAULT_LOG10_LR.items()}
    for feature in _TRAINED:
        values = features[feature].to_numpy()
        for name in DEFAULT_LOG10_LR[feature]:
            if name == "missing":
                continue
            in_bin = values == name
            k_l, k_u = float((in_bin & lmask).sum()), float((in_bin & umask).sum())
            pooled = (k_l + k_u) / (n_l + n_u)
            if pooled == 0.0:
                ratios[feature][name] = 0.0
                continue
            p_l = (k_l + smoothing * pooled) / (n_l + smoothing)
            p_u = (k_u + smoothing * pooled) / (n_u + smoothing)
            value = max(-MAX_LOG10_LR, min(MAX_LOG10_LR, math.log10(p_l / p_u)))
            ratios[feature][name] = round(value, 3)
    return ratios
