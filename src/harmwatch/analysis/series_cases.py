"""Series linkage's cases: serious violence and deaths, one row each, from the store.

Serious violence (homicide, attempted murder, GBH, threats to kill) and deaths
classified suspicious or unexplained; natural deaths outside hospital either
all (an option) or, by default, those sharing an MO code with another case.
Each case carries what comparative case analysis compares: place, time, MO
codes, weapon, location type, victim profile, persons (suspects, victims,
certifying practitioner) and, for deaths, the institution.

References
----------
.. [1] Woodhams J, Hollin CR, Bull R. The psychology of linking crimes: a
   review of the evidence. Legal and Criminological Psychology 2007; 12:233-249.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.sql import ColumnElement

from harmwatch.analysis.data import read_kind
from harmwatch.store.schema import kind_tables

__all__ = [
    "AGE_BAND_STARTS",
    "DEATH_CLASSES",
    "SERIOUS_VIOLENCE",
    "case_key",
    "load_cases",
]

#: Serious violence compared (offence groups).
SERIOUS_VIOLENCE = ("homicide", "attempted_murder", "gbh", "threats_to_kill")
#: Death classifications compared.
DEATH_CLASSES = ("suspicious", "unexplained")
#: Age bands of the victim profile (lower bounds, years).
AGE_BAND_STARTS = (0, 18, 25, 35, 45, 55, 65)
_PLACE_TO_LOCATION = {
    "care_home": "care_home", "own_home": "dwelling", "hospital": "hospital",
    "hospice": "hospital", "prison": "prison", "hostel": "dwelling", "public_place": "street",
}  # fmt: skip
_UNKNOWN = ["unknown", "none", ""]


def case_key(kind: str, source: str, record_id: str) -> str:
    """A case's identity: ``kind|source|record_id`` (kind ``occurrence`` or ``death``)."""
    return f"{kind}|{source}|{record_id}"


def _age_band(age: pl.Expr) -> pl.Expr:
    band = pl.sum_horizontal([(age >= s).cast(pl.Int64) for s in AGE_BAND_STARTS[1:]])
    return pl.when(age.is_null()).then(None).otherwise(band).alias("victim_age_band")


def _codes(column: str) -> pl.Expr:
    return (
        pl.col(column).fill_null("").str.to_lowercase().str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
        .list.unique().list.sort().alias("codes")
    )  # fmt: skip


def _known(column: str) -> pl.Expr:
    value = pl.col(column).str.to_lowercase()
    return pl.when(value.is_in(_UNKNOWN)).then(None).otherwise(value).alias(column)


_DEATH_COLUMNS = [
    "death_id", "source", "date_of_death", "classification", "place_type", "date_of_birth",
    "age", "sex", "practitioner_id", "institution_id", "easting", "northing", "area_code",
    "mo",
]  # fmt: skip


def _death_cases(deaths: pl.DataFrame, deceased: pl.DataFrame) -> pl.DataFrame:
    """Deaths as cases (the columns of :func:`load_cases`)."""
    d_age = pl.coalesce(
        pl.col("age"),
        ((pl.col("date_of_death") - pl.col("date_of_birth")).dt.total_days() / 365.25)
        .floor().cast(pl.Int64),
    )  # fmt: skip
    return deaths.join(deceased, on=["source", "death_id"], how="left").select(
        pl.lit("death").alias("kind"), "source", pl.col("death_id").alias("record_id"),
        pl.col("date_of_death").alias("date"),
        (pl.col("date_of_death").cast(pl.Datetime("us")).dt.epoch("s") / 86_400.0 + 0.5)
        .alias("day"),
        pl.col("classification").alias("what"), "area_code",
        pl.col("easting").alias("x"), pl.col("northing").alias("y"), _codes("mo"),
        pl.lit(None, dtype=pl.String).alias("weapon"),
        pl.col("place_type").replace_strict(_PLACE_TO_LOCATION, default=None,
                                            return_dtype=pl.String).alias("location_type"),
        _known("sex").alias("victim_sex"), _age_band(d_age),
        "practitioner_id", "institution_id",
        pl.lit([], dtype=pl.List(pl.String)).alias("suspects"),
        pl.concat_list(pl.col("person_id")).list.drop_nulls().alias("victims"),
        pl.lit(False).alias("charged"),
    )  # fmt: skip


def load_cases(
    engine: Engine, *, include_natural: bool = False, natural_sharing_mo: bool = True
) -> pl.DataFrame:
    """The cases to compare, one row each, from the store.

    Serious violence (:data:`SERIOUS_VIOLENCE`) and deaths classified
    :data:`DEATH_CLASSES`; with ``include_natural``, also every natural death
    outside hospital and hospice; otherwise (``natural_sharing_mo``, default)
    those natural deaths outside hospital that carry an MO code also carried by
    one of the other cases: a death recorded as natural that the police noted
    an MO for, and the same MO as a suspicious or violent case, is exactly
    where a series hides (Shipman's, Letby's). Persons are the linkage's
    ``person_id`` where ``harmwatch link`` has run, else the police's own
    ``person_ref``. Ethnicity is not read.

    Returns
    -------
    polars.DataFrame
        ``case``, ``kind``, ``source``, ``record_id``, ``date``, ``day`` (days
        since 1970), ``what``, ``area_code``, ``x``, ``y``, ``codes`` (MO codes),
        ``weapon``, ``location_type``, ``victim_sex``, ``victim_age_band`` (index
        into :data:`AGE_BAND_STARTS`), ``practitioner_id``, ``institution_id``
        (deaths at an institution), ``suspects``,
        ``victims`` (person keys), ``charged``, ``linked`` (persons from linkage).
    """
    from harmwatch.linkage.persons import person_assignments

    occ_t = kind_tables["police_occurrences"].c
    occ = read_kind(
        engine, "police_occurrences",
        columns=["occurrence_id", "source", "offence_group", "occurred_from", "easting",
                 "northing", "area_code", "location_type", "weapon", "outcome", "mo"],
        where=occ_t.offence_group.in_(SERIOUS_VIOLENCE),
    )  # fmt: skip
    ppl_t = kind_tables["police_people"].c
    people = read_kind(
        engine, "police_people",
        columns=["occurrence_id", "source", "involvement_id", "role", "person_ref",
                 "date_of_birth", "age", "age_band", "sex"],
        where=ppl_t.role.in_(("victim", "suspect", "offender")),
    )  # fmt: skip
    persons = person_assignments(engine)
    linked = persons.height > 0
    people = people.join(
        persons.filter(pl.col("kind") == "police_people").select(
            "source", pl.col("record_id").alias("involvement_id"), "person_id"
        ),
        on=["source", "involvement_id"],
        how="left",
    ).join(occ.select("source", "occurrence_id", "occurred_from"), on=["source", "occurrence_id"])
    age = pl.coalesce(
        pl.col("age"),
        ((pl.col("occurred_from").cast(pl.Date) - pl.col("date_of_birth")).dt.total_days()
         / 365.25).floor().cast(pl.Int64),
        pl.col("age_band").str.extract(r"^(\d+)").cast(pl.Int64, strict=False),
    )  # fmt: skip
    people = people.with_columns(
        pl.coalesce(
            pl.col("person_id"),
            pl.when(pl.col("person_ref").is_not_null()).then(
                pl.concat_str([pl.lit("ref"), "source", "person_ref"], separator=":")
            ),
        ).alias("person"),
        _age_band(age),
        _known("sex"),
    )
    victims = people.filter(pl.col("role") == "victim").sort("involvement_id")
    profile = victims.group_by(["source", "occurrence_id"]).agg(
        pl.col("sex").drop_nulls().first().alias("victim_sex"),
        pl.col("victim_age_band").drop_nulls().first(),
        pl.col("person").drop_nulls().unique().alias("victims"),
    )
    suspects = (
        people.filter(pl.col("role") != "victim")
        .group_by(["source", "occurrence_id"])
        .agg(pl.col("person").drop_nulls().unique().alias("suspects"))
    )
    occ_cases = (
        occ.join(profile, on=["source", "occurrence_id"], how="left")
        .join(suspects, on=["source", "occurrence_id"], how="left")
        .select(
            pl.lit("occurrence").alias("kind"), "source",
            pl.col("occurrence_id").alias("record_id"),
            pl.col("occurred_from").cast(pl.Date).alias("date"),
            (pl.col("occurred_from").dt.epoch("s") / 86_400.0).alias("day"),
            pl.col("offence_group").alias("what"), "area_code",
            pl.col("easting").alias("x"), pl.col("northing").alias("y"), _codes("mo"),
            _known("weapon"), _known("location_type"), "victim_sex", "victim_age_band",
            pl.lit(None, dtype=pl.String).alias("practitioner_id"),
            pl.lit(None, dtype=pl.String).alias("institution_id"),
            pl.col("suspects").fill_null([]), pl.col("victims").fill_null([]),
            (pl.col("outcome") == "charged").fill_null(False).alias("charged"),
        )
    )  # fmt: skip
    d_t = kind_tables["deaths"].c
    outside = d_t.place_type.is_(None) | d_t.place_type.notin_(("hospital", "hospice"))
    wanted: ColumnElement[bool] = d_t.classification.in_(DEATH_CLASSES)
    if include_natural:
        wanted = wanted | ((d_t.classification == "natural") & outside)
    deceased = persons.filter(pl.col("kind") == "deaths").select(
        "source", pl.col("record_id").alias("death_id"), "person_id"
    )
    death_cases = _death_cases(read_kind(engine, "deaths", columns=_DEATH_COLUMNS, where=wanted),
                               deceased)  # fmt: skip
    if not include_natural and natural_sharing_mo:
        natural = _death_cases(
            read_kind(
                engine, "deaths", columns=_DEATH_COLUMNS,
                where=(d_t.classification == "natural") & outside & d_t.mo.is_not(None),
            ),
            deceased,
        )  # fmt: skip
        seen = pl.concat([occ_cases.select("codes"), death_cases.select("codes")])
        known = seen["codes"].explode().drop_nulls().unique().to_list()
        shares = pl.col("codes").list.eval(pl.element().is_in(known)).list.any()
        death_cases = pl.concat([death_cases, natural.filter(shares)])
    frame = pl.concat([occ_cases, death_cases], how="vertical_relaxed")
    return frame.with_columns(
        pl.concat_str(["kind", "source", "record_id"], separator="|").alias("case"),
        pl.lit(linked).alias("linked"),
    ).sort(["kind", "source", "record_id"])
