"""The person-linkage model: unsupervised training and scoring with Splink.

The model itself (comparisons, blocking, Splink settings) is defined in
:mod:`harmwatch.linkage.comparisons`; the engine that runs it (DuckDB or
Spark) in :mod:`harmwatch.linkage.backend`. Both are re-exported here.

Training (:func:`train`), no labels
    The prior from deterministic rules (forename, surname and date of birth
    equal; NHS number equal; recall taken as 0.7); *u* by random sampling
    (seeded); *m* by expectation maximisation in two sessions, blocked on
    date of birth (trains the names, postcode...) and on formal forename,
    surname and outward code (trains the date of birth...). Blocked on the
    names alone, the second session's pairs are mostly namesakes at national
    scale and EM drifted to a class that is not the matches (m of an exact
    date of birth 0.18, of "else" 0.78, on a 200,000-record sample); the
    outward code keeps the namesakes out. Levels never reached in training
    keep the prior values of the definition, so a tiny store still links.
Scoring (:func:`predict`)
    The blocked pairs are scored with the stored model's settings rebuilt
    for the backend's dialect, so a model trained on DuckDB scores on Spark.

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Linacre, R., Lindsay, S., Manassis, T., Slade, Z., Hepworth, T., Kennedy, R.
and Bond, A. (2022). Splink: Free software for probabilistic record linkage
at scale. *International Journal of Population Data Science* 7(3).
https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import logging
from typing import Any

import polars as pl

from harmwatch.linkage.backend import (
    DUCKDB_MEMORY_LIMIT,
    DUCKDB_MEMORY_LIMIT_ENV,
    SPARK_PERSIST_BELOW,
    Backend,
    EngineName,
    quiet_splink,
)
from harmwatch.linkage.comparisons import (
    CORE_COMPARISONS,
    DEFAULT_PRIOR,
    OPTIONAL_COMPARISONS,
    comparison_names_for,
    comparisons,
    prediction_blocking_rules,
    settings_for,
)

__all__ = [
    "CORE_COMPARISONS",
    "DEFAULT_PRIOR",
    "DUCKDB_MEMORY_LIMIT",
    "DUCKDB_MEMORY_LIMIT_ENV",
    "EM_BLOCKING",
    "OPTIONAL_COMPARISONS",
    "SPARK_PERSIST_BELOW",
    "Backend",
    "EngineName",
    "comparison_names_for",
    "comparisons",
    "predict",
    "prediction_blocking_rules",
    "quiet_splink",
    "settings_for",
    "train",
]

#: The blocking of each expectation-maximisation session (a comparison is trained
#: in the sessions that do not block on it).
EM_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("dob",),
    ("forename_canon", "surname", "postcode_outward"),
)

logger = logging.getLogger(__name__)


def train(
    backend: Backend, frame: pl.DataFrame, *, seed: int = 42, max_pairs: float = 2e6
) -> dict[str, Any]:
    """Train a model on ``frame`` without labels (see the module docstring).

    Parameters
    ----------
    backend : Backend
        Where to run.
    frame : polars.DataFrame
        The linkage frame (:func:`harmwatch.linkage.features.linkage_frame`).
    seed : int
        Seed of the random sample that estimates u.
    max_pairs : float
        Record pairs sampled to estimate u.

    Returns
    -------
    dict
        The trained model: Splink settings with m, u and the prior.
    """
    from splink import block_on

    names = comparison_names_for(frame)
    settings = settings_for(None, backend.dialect, names=names)
    identified = frame.filter(pl.col("identified"))
    if identified.height < 2:
        return settings
    linker = backend.linker(identified, settings, "training")
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("forename", "surname", "dob"), block_on("nhs_number")], recall=0.7
        )
    except Exception as exc:  # no deterministic matches in a tiny store
        logger.info("prior not estimated: %s", exc)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for columns in EM_BLOCKING:
        rule = block_on(*columns)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # too few pairs under the rule: keep the prior m values
            logger.info("EM on %s skipped: %s", rule, exc)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    return model


def predict(
    backend: Backend, frame: pl.DataFrame, model: dict[str, Any], *, threshold: float
) -> pl.DataFrame:
    """Score the blocked pairs of ``frame``; keep those with probability >= ``threshold``.

    Returns
    -------
    polars.DataFrame
        ``unique_id_l``, ``unique_id_r`` (``l < r``), ``match_weight``,
        ``match_probability``.
    """
    schema = {
        "unique_id_l": pl.String,
        "unique_id_r": pl.String,
        "match_weight": pl.Float64,
        "match_probability": pl.Float64,
    }
    identified = frame.filter(pl.col("identified"))
    if identified.height < 2:
        return pl.DataFrame(schema=schema)
    settings = settings_for(model, backend.dialect)
    linker = backend.linker(identified, settings, "scoring")
    scored = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    out = pl.from_arrow(scored.as_pyarrow_table())
    assert isinstance(out, pl.DataFrame)
    return out.select(
        pl.min_horizontal("unique_id_l", "unique_id_r").cast(pl.String).alias("unique_id_l"),
        pl.max_horizontal("unique_id_l", "unique_id_r").cast(pl.String).alias("unique_id_r"),
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").cast(pl.Float64),
    ).sort("unique_id_l", "unique_id_r")
