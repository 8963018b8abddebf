"""The person-linkage model's definition: comparisons, blocking and settings.

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
    side is the null level (weight 0). Levels never reached in training keep
    the prior values set here, so a tiny store still links.
Blocking (:func:`prediction_blocking_rules`)
    Pairs are scored only when they share an NHS number; surname and date of
    birth; forename and date of birth; formal forename and surname; surname
    and year of birth (catches transposed days and months); date of birth
    and outward code; date of birth and both initials (typos in both names).

The trained model is the Splink settings JSON with its *m* and *u*
probabilities; :func:`settings_for` rebuilds settings for any backend and
copies the stored parameters in, so a model trained on DuckDB scores on
Spark. Training and scoring are in :mod:`harmwatch.linkage.model`.

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
from collections.abc import Sequence
from typing import Any

import polars as pl

__all__ = [
    "CORE_COMPARISONS",
    "DEFAULT_PRIOR",
    "OPTIONAL_COMPARISONS",
    "comparison_names_for",
    "comparisons",
    "prediction_blocking_rules",
    "settings_for",
]

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

logger = logging.getLogger(__name__)


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
