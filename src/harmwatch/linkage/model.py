"""The person-linkage model: Splink settings for UK identities, training, scoring.

A Fellegi-Sunter model compares two records field by field. Each comparison
has ordered levels (exact, a nickname, a typo, ..., anything else); each
level has an *m* probability (how often true matches fall in it) and a *u*
probability (how often non-matches do), and contributes ``log2(m/u)`` to the
pair's match weight. The prior (``probability_two_random_records_match``)
turns the summed weight into a match probability.

Comparisons (:func:`comparisons`)
    ``forename``: exact; the same formal name (nickname: BILL/WILLIAM);
    Damerau-Levenshtein <= 1; Jaro-Winkler >= 0.9, >= 0.8; the same
    initial; else. ``surname``: exact; Damerau-Levenshtein <= 1;
    Jaro-Winkler >= 0.9, >= 0.8; else. ``dob``: exact; day and month
    transposed (a custom level); one character apart; same day and month in
    another year; same year; else. ``postcode``: exact; one character apart;
    the same outward code (moved within a district); else. ``nhs_number``
    and ``sex``: exact or not. When the data carry them, ``soc_sec_id``,
    ``address_1``, ``suburb`` and ``street_number`` too. A null on either
    side is the null level (weight 0).
Blocking (:func:`prediction_blocking_rules`)
    Pairs are scored only when they share an NHS number; surname and date of
    birth; forename and date of birth; formal forename and surname; surname
    and year of birth (catches transposed days and months); date of birth
    and outward code; date of birth and both initials (typos in both names).
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
    keep the prior values set here, so a tiny store still links.

The trained model is the Splink settings JSON with its *m* and *u*
probabilities; :func:`settings_for` rebuilds settings for any backend and
copies the stored parameters in, so a model trained on DuckDB scores on
Spark.

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
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from typing import Any, Literal

import polars as pl

from harmwatch.errors import HarmWatchError

__all__ = [
    "CORE_COMPARISONS",
    "EM_BLOCKING",
    "OPTIONAL_COMPARISONS",
    "Backend",
    "comparison_names_for",
    "comparisons",
    "predict",
    "prediction_blocking_rules",
    "quiet_splink",
    "settings_for",
    "train",
]

EngineName = Literal["duckdb", "spark"]

#: Comparisons of every model.
CORE_COMPARISONS: tuple[str, ...] = (
    "forename",
    "surname",
    "dob",
    "postcode",
    "nhs_number",
    "sex",
)
#: Comparisons added when the data carry the column.
OPTIONAL_COMPARISONS: tuple[str, ...] = ("soc_sec_id", "address_1", "suburb", "street_number")

#: The prior before training: about one pair in 10,000 is a match.
DEFAULT_PRIOR = 1e-4
#: The blocking of each expectation-maximisation session (a comparison is trained
#: in the sessions that do not block on it).
EM_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("dob",),
    ("forename_canon", "surname", "postcode_outward"),
)
#: Spark: inputs with fewer records keep Splink's intermediate tables in memory.
SPARK_PERSIST_BELOW = 200_000

logger = logging.getLogger(__name__)


@contextmanager
def quiet_splink(level: int = logging.ERROR) -> Iterator[None]:
    """Hold Splink's log messages below ``level`` back while linking (library code
    prints nothing; Splink's training notes would otherwise reach stderr)."""
    splink_logger = logging.getLogger("splink")
    before = splink_logger.level
    splink_logger.setLevel(level)
    try:
        yield
    finally:
        splink_logger.setLevel(before)


def _levels(name: str) -> list[Any]:
    """The levels of comparison ``name``, each with its untrained m and u."""
    import splink.comparison_level_library as cll

    def null(column: str) -> Any:
        return cll.NullLevel(column)

    def level(creator: Any, m: float, u: float, label: str | None = None) -> Any:
        options: dict[str, Any] = {"m_probability": m, "u_probability": u}
        if label is not None:
            options["label_for_charts"] = label
        return creator.configure(**options)

    def custom(sql: str, label: str, m: float, u: float) -> Any:
        # Written in DuckDB SQL and translated for other dialects: Spark SQL reads
        # "double-quoted" names as string literals, so the level would never match.
        return level(cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb"), m, u)

    if name == "forename":
        return [
            null("forename"),
            level(cll.ExactMatchLevel("forename"), 0.82, 0.01),
            custom(
                '"forename_canon_l" = "forename_canon_r"', "Same formal name (nickname)", 0.05, 3e-4
            ),
            level(cll.DamerauLevenshteinLevel("forename", 1), 0.04, 3e-4),
            level(cll.JaroWinklerLevel("forename", 0.9), 0.03, 2e-3),
            level(cll.JaroWinklerLevel("forename", 0.8), 0.02, 0.01),
            custom('"forename_initial_l" = "forename_initial_r"', "Same initial", 0.02, 0.05),
            level(cll.ElseLevel(), 0.02, 0.93),
        ]
    if name == "surname":
        return [
            null("surname"),
            level(cll.ExactMatchLevel("surname"), 0.88, 5e-3),
            level(cll.DamerauLevenshteinLevel("surname", 1), 0.05, 3e-4),
            level(cll.JaroWinklerLevel("surname", 0.9), 0.03, 2e-3),
            level(cll.JaroWinklerLevel("surname", 0.8), 0.02, 0.01),
            level(cll.ElseLevel(), 0.02, 0.98),
        ]
    if name == "dob":
        return [
            null("dob"),
            level(cll.ExactMatchLevel("dob"), 0.9, 5e-5),
            custom('"dob_l" = "dob_swapped_r"', "Day and month transposed", 0.02, 1e-5),
            level(cll.DamerauLevenshteinLevel("dob", 1), 0.03, 5e-3),
            custom('"dob_md_l" = "dob_md_r"', "Same day and month, other year", 0.02, 3e-3),
            custom('"dob_year_l" = "dob_year_r"', "Same year", 0.01, 0.01),
            level(cll.ElseLevel(), 0.02, 0.98),
        ]
    if name == "postcode":
        return [
            null("postcode"),
            level(cll.ExactMatchLevel("postcode"), 0.75, 1e-3),
            level(cll.DamerauLevenshteinLevel("postcode", 1), 0.03, 2e-3),
            custom(
                '"postcode_outward_l" = "postcode_outward_r"',
                "Same outward code (moved within district)",
                0.08,
                0.02,
            ),
            level(cll.ElseLevel(), 0.14, 0.977),
        ]
    if name == "nhs_number":
        return [
            null("nhs_number"),
            level(cll.ExactMatchLevel("nhs_number"), 0.98, 1e-7),
            level(cll.ElseLevel(), 0.02, 1.0 - 1e-7),
        ]
    if name == "sex":
        return [
            null("sex"),
            level(cll.ExactMatchLevel("sex"), 0.98, 0.5),
            level(cll.ElseLevel(), 0.02, 0.5),
        ]
    if name == "soc_sec_id":
        return [
            null(name),
            level(cll.ExactMatchLevel(name), 0.85, 1e-6),
            level(cll.DamerauLevenshteinLevel(name, 1), 0.1, 1e-5),
            level(cll.DamerauLevenshteinLevel(name, 2), 0.03, 1e-3),
            level(cll.ElseLevel(), 0.02, 0.999),
        ]
    if name in ("address_1", "suburb"):
        return [
            null(name),
            level(cll.ExactMatchLevel(name), 0.8, 1e-3),
            level(cll.JaroWinklerLevel(name, 0.9), 0.1, 5e-3),
            level(cll.ElseLevel(), 0.1, 0.99),
        ]
    if name == "street_number":
        return [
            null(name),
            level(cll.ExactMatchLevel(name), 0.85, 0.02),
            level(cll.ElseLevel(), 0.15, 0.98),
        ]
    raise KeyError(name)


def comparisons(names: Sequence[str]) -> list[Any]:
    """Splink comparisons (``CustomComparison``) for ``names``, in that order."""
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(_levels(name), output_column_name=name, comparison_description=name)
        for name in names
    ]


def comparison_names_for(frame: pl.DataFrame) -> list[str]:
    """The comparisons a model of ``frame`` uses: the core ones, plus optional
    ones whose column holds values in at least 1% of the records."""
    names = list(CORE_COMPARISONS)
    for name in OPTIONAL_COMPARISONS:
        if frame.height and frame.get_column(name).is_not_null().mean() >= 0.01:  # type: ignore[operator]
            names.append(name)
    return names


def prediction_blocking_rules(names: Sequence[str]) -> list[Any]:
    """The blocking rules that choose which pairs are scored (see the module docstring)."""
    from splink import block_on

    rules = [
        block_on("nhs_number"),
        block_on("surname", "dob"),
        block_on("forename", "dob"),
        block_on("forename_canon", "surname"),
        block_on("surname", "dob_year"),
        block_on("dob", "postcode_outward"),
        block_on("dob", "forename_initial", "surname_initial"),
    ]
    if "soc_sec_id" in names:
        rules.append(block_on("soc_sec_id"))
    if "street_number" in names:
        rules.append(block_on("postcode", "street_number"))
    return rules


def _settings_creator(names: Sequence[str], *, explain: bool = False) -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=DEFAULT_PRIOR,
        comparisons=comparisons(names),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(names),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
        additional_columns_to_retain=[],
    )


def settings_for(
    model: dict[str, Any] | None,
    dialect: str,
    *,
    names: Sequence[str] | None = None,
    explain: bool = False,
) -> dict[str, Any]:
    """Settings for ``dialect``, with the parameters of a stored ``model``.

    Parameters
    ----------
    model : dict or None
        A stored model (Splink settings JSON). Its comparisons are used, and
        the m and u probabilities and prior of every comparison whose levels
        match the current definition are copied in. None: an untrained model.
    dialect : str
        ``duckdb`` or ``spark``.
    names : sequence of str, optional
        The comparisons of an untrained model (default: the core ones).
    explain : bool
        Keep the compared values, comparison levels and Bayes factors in
        predictions (for explanations).

    Returns
    -------
    dict
        A complete Splink settings dictionary.
    """
    if model is not None:
        names = [c["output_column_name"] for c in model.get("comparisons", [])]
    chosen = list(names or CORE_COMPARISONS)
    settings: dict[str, Any] = (
        _settings_creator(chosen, explain=explain).get_settings(dialect).as_dict()
    )
    if model is None:
        return settings
    settings["probability_two_random_records_match"] = model.get(
        "probability_two_random_records_match", DEFAULT_PRIOR
    )
    stored = {c["output_column_name"]: c for c in model.get("comparisons", [])}
    for comparison in settings["comparisons"]:
        old = stored.get(comparison["output_column_name"])
        if old is None:
            continue
        new_levels, old_levels = comparison["comparison_levels"], old["comparison_levels"]
        labels = [lv.get("label_for_charts") for lv in new_levels]
        if labels != [lv.get("label_for_charts") for lv in old_levels]:
            logger.warning("stored model: comparison %s changed; untrained values used", old)
            continue
        for new, previous in zip(new_levels, old_levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in previous:
                    new[key] = previous[key]
    return settings


#: Environment variable capping DuckDB's memory during linkage.
DUCKDB_MEMORY_LIMIT_ENV = "HARMWATCH_DUCKDB_MEMORY_LIMIT"
#: DuckDB's memory cap during linkage unless the environment says otherwise
#: (1M records linked in 417 s at 7.4 GiB peak with it; see benchmarks/).
DUCKDB_MEMORY_LIMIT = "6GB"


class Backend:
    """One SQL engine running Splink: DuckDB (in process) or Spark (local mode).

    Parameters
    ----------
    name : {"duckdb", "spark"}
        The engine.
    """

    def __init__(self, name: EngineName = "duckdb") -> None:
        if name not in ("duckdb", "spark"):
            raise HarmWatchError(f"engine {name!r}: expected duckdb or spark")
        self.name: EngineName = name
        self._spark: Any = None
        self._tables = 0
        self._spill: str | None = None
        if name == "duckdb":
            self.db_api: Any = self._duckdb_api()
        else:
            from harmwatch.linkage.spark import spark_db_api

            self.db_api, self._spark = spark_db_api()

    def _duckdb_api(self) -> Any:
        """Splink's DuckDB API on a connection whose memory is capped
        (``$HARMWATCH_DUCKDB_MEMORY_LIMIT``, default :data:`DUCKDB_MEMORY_LIMIT`)
        and that spills to a temporary folder beyond it; by default DuckDB
        would take 80% of the machine's memory (20 GiB at 1M records here)."""
        import duckdb
        from splink import DuckDBAPI

        limit = os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_MEMORY_LIMIT).strip()
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.IGNORECASE):
            raise HarmWatchError(
                f"${DUCKDB_MEMORY_LIMIT_ENV}={limit!r}: expected a size such as 6GB or 512MiB"
            )
        self._spill = tempfile.mkdtemp(prefix="harmwatch-duckdb-")
        connection = duckdb.connect()
        connection.execute(f"SET memory_limit = '{limit}'")
        connection.execute(f"SET temp_directory = '{self._spill}'")
        return DuckDBAPI(connection)

    @property
    def dialect(self) -> str:
        """The Splink SQL dialect name."""
        return "duckdb" if self.name == "duckdb" else "spark"

    def register(self, frame: pl.DataFrame, name: str) -> Any:
        """Register ``frame`` as a Splink input table called ``name``."""
        table = frame.to_arrow()
        if self.name == "spark":
            table = self._spark.createDataFrame(table)
            # Splink materialises each intermediate table: in memory for small
            # inputs (EM iterations on parquet cost seconds each), as parquet files
            # in the checkpoint folder for big ones.
            self.db_api.break_lineage_method = (
                "persist" if frame.height < SPARK_PERSIST_BELOW else "parquet"
            )
        self._tables += 1
        # unique in the process: a Spark session (and its temporary views) outlives a run
        suffix = f"{self._tables}_{uuid.uuid4().hex[:8]}"
        return self.db_api.register(table, table_name=f"hw_{name}_{suffix}")

    def linker(self, frame: pl.DataFrame, settings: dict[str, Any], name: str = "persons") -> Any:
        """A Splink ``Linker`` over ``frame`` (Splink's logging not configured)."""
        from splink import Linker

        return Linker(self.register(frame, name), deepcopy(settings), log_level=None)

    def close(self) -> None:
        """Release what the run left behind: Spark's cached tables and checkpoint
        folder (the session itself stays up for later runs in the process)."""
        if self._spark is not None:
            from harmwatch.linkage.spark import drop_checkpoints

            self._spark.catalog.clearCache()
            drop_checkpoints(self._spark)
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)


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
