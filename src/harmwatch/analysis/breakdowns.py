"""Homicide and near misses by circumstance: weapon, place, victim, relationship.

:func:`circumstance_breakdowns` counts the current period's homicide and
near-miss occurrences (:data:`HOMICIDE_AND_NEAR_MISS`) by weapon, location type,
domestic, alcohol and drugs; their victims by age band (:func:`victim_age_band`)
and sex; and their suspects (and offenders) by relationship to the victim. Each
count carries its exact Poisson interval and its share of the dimension with an
exact binomial interval.

References
----------
.. [1] Office for National Statistics. Homicide in England and Wales (the
   Homicide Index's breakdowns: method, relationship, age, sex, domestic).
"""

from __future__ import annotations

import polars as pl

from harmwatch.analysis.count_tables import with_count_ci, with_share

__all__ = [
    "AGE_BANDS",
    "HOMICIDE_AND_NEAR_MISS",
    "NOT_RECORDED",
    "circumstance_breakdowns",
    "victim_age_band",
]

#: Homicide and the near-miss offences broken down by circumstance.
HOMICIDE_AND_NEAR_MISS = (
    "homicide",
    "attempted_murder",
    "gbh",
    "threats_to_kill",
    "weapon_possession",
)
#: Victim age bands computed from an age in years (lower bounds, labels).
AGE_BANDS = (
    (0, "0-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65+"),
)
#: The value shown for a missing circumstance.
NOT_RECORDED = "not recorded"
_OCC_DIMENSIONS = ("weapon", "location_type", "domestic", "alcohol", "drugs")


def victim_age_band(occurred: pl.Expr | str = "occurred_from") -> pl.Expr:
    """A victim's age band: from ``date_of_birth`` at ``occurred``, else ``age``, else
    ``age_band`` as given (e.g. MPS "25 to 34" shown as "25-34"), else not recorded."""
    when = pl.col(occurred) if isinstance(occurred, str) else occurred
    dob = pl.col("date_of_birth")
    before_birthday = (when.dt.month() * 100 + when.dt.day()) < (
        dob.dt.month() * 100 + dob.dt.day()
    )
    from_dob = (
        when.dt.year().cast(pl.Int64)
        - dob.dt.year().cast(pl.Int64)
        - before_birthday.cast(pl.Int64)
    )
    age = pl.coalesce(from_dob, pl.col("age"))
    banded = pl.lit(None, dtype=pl.String)
    for lower, label in AGE_BANDS:
        banded = pl.when(age >= lower).then(pl.lit(label)).otherwise(banded)
    given = (
        pl.col("age_band")
        .str.replace(" to ", "-", literal=True)
        .str.replace(" and over", "+", literal=True)
    )
    return pl.coalesce(pl.when(age >= 0).then(banded), given, pl.lit(NOT_RECORDED))


def circumstance_breakdowns(
    current: pl.DataFrame, people: pl.DataFrame, level: float
) -> pl.DataFrame:
    """Homicide and near misses by circumstance: occurrences, victims and suspects."""
    serious = current.filter(pl.col("offence_group").is_in(HOMICIDE_AND_NEAR_MISS))
    both = pl.concat(
        [serious, serious.with_columns(pl.lit("homicide_and_near_miss").alias("offence_group"))]
    )
    as_text = [
        pl.when(pl.col(c).is_null()).then(pl.lit(NOT_RECORDED))
        .otherwise(pl.col(c).cast(pl.String).replace({"true": "yes", "false": "no"}))
        .alias(c)
        for c in _OCC_DIMENSIONS
    ]  # fmt: skip
    occ_long = (
        both.select("offence_group", *as_text)
        .unpivot(
            index="offence_group",
            on=list(_OCC_DIMENSIONS),
            variable_name="dimension",
            value_name="value",
        )
        .with_columns(pl.lit("occurrences").alias("unit"))
    )
    linked = both.select("source", "occurrence_id", "offence_group", "occurred_from").join(
        people, on=["source", "occurrence_id"], how="inner"
    )
    victims = (
        linked.filter(pl.col("role") == "victim")
        .select(
            "offence_group",
            victim_age_band().alias("victim_age_band"),
            pl.col("sex").fill_null(NOT_RECORDED).alias("victim_sex"),
        )
        .unpivot(index="offence_group", variable_name="dimension", value_name="value")
    )
    suspects = linked.filter(pl.col("role").is_in(["suspect", "offender"])).select(
        "offence_group",
        pl.lit("relationship_to_suspect").alias("dimension"),
        pl.col("relationship_to_victim").fill_null(NOT_RECORDED).alias("value"),
    )
    long = pl.concat(
        [
            occ_long.select("offence_group", "dimension", "value", "unit"),
            victims.with_columns(pl.lit("victims").alias("unit")),
            suspects.with_columns(pl.lit("suspects").alias("unit")),
        ]
    )
    table = long.group_by("offence_group", "dimension", "value", "unit").agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    table = with_share(with_count_ci(table, level=level), ["offence_group", "dimension"], level)
    return table.sort("offence_group", "dimension", "count", descending=[False, False, True])
