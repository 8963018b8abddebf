"""The records the escalation score reads: one :class:`History` per store, filtered by date.

:func:`load_history` reads police occurrences and involvements, and (for linked
persons) ED assault attendances, council referrals and deaths once, and turns
them into *unit records*: one row per unit (a victim-suspect relationship, a
person, a small area), occurrence and record. Every later step filters these
by an as-of date (:func:`within_days`), so the score and its back-test read
only what was known before the date. :func:`outcomes` reads the other side of
the date: serious violence in the following months, for back-testing and for
fitting the weights (:mod:`.risk_model`).

Ethnicity is read only into :attr:`History.demographics`, for the fairness
table of :mod:`.risk_backtest`; no score reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import read_kind
from harmwatch.analysis.harm_index import harm_expr

__all__ = [
    "NEAR_MISS",
    "SERIOUS",
    "UNIT_TYPES",
    "WEAPONS",
    "History",
    "load_history",
    "outcomes",
    "within_days",
]

#: Offence groups of the outcome: serious violence.
SERIOUS = ("homicide", "attempted_murder", "gbh")
#: Near-miss offences (serious violence the victim survived).
NEAR_MISS = ("attempted_murder", "gbh")
#: Weapons (not bodily force, none or unknown).
WEAPONS = ("sharp", "firearm", "blunt", "poison_drugs", "burning", "vehicle", "other")
UNIT_TYPES = ("relationship", "person", "place")
_PARTIES = ("victim", "suspect", "offender")
_OCC_COLUMNS = (
    "source",
    "occurrence_id",
    "occurred_from",
    "offence_group",
    "weapon",
    "domestic",
    "area_code",
)
#: Never ethnicity: the score does not read it.
_PEOPLE_COLUMNS = (
    "source",
    "occurrence_id",
    "involvement_id",
    "role",
    "person_ref",
    "age",
    "date_of_birth",
    "sex",
    "relationship_to_victim",
)
_CLOSE = ("partner", "ex_partner", "parent", "child", "other_family")
_KEY = ["unit_type", "unit"]


@dataclass
class History:
    """Everything the score reads, for all dates (filtered per as-of date).

    Attributes
    ----------
    unit_records : polars.DataFrame
        One row per unit, occurrence and record: ``unit_type``, ``unit``,
        ``person_ids``, ``occurrence_id``, ``day``, ``offence_group``, ``harm``,
        ``weapon``, ``separated``, ``domestic``, ``record_id``.
    unit_persons : polars.DataFrame
        ``unit_type``, ``unit``, ``person_id`` (relationships and persons).
    person_records : polars.DataFrame
        Police involvements by person: ``person_id``, ``occurrence_id``,
        ``day``, ``offence_group``, ``role``, ``record_id``.
    ed, referrals, deaths : polars.DataFrame
        ``person_id``, ``record_id``, ``day`` (+ ``concern``, ``classification``).
    demographics : polars.DataFrame
        ``person_id``, ``sex``, ``age``, ``ethnicity``: for the fairness report only.
    linked : bool
        Whether persons come from ``harmwatch link`` (else police nominals only).
    warnings : list of str
    """

    unit_records: pl.DataFrame
    unit_persons: pl.DataFrame
    person_records: pl.DataFrame
    ed: pl.DataFrame
    referrals: pl.DataFrame
    deaths: pl.DataFrame
    demographics: pl.DataFrame
    linked: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        """The oldest police record's day (None when there is none)."""
        day = self.unit_records.get_column("day").min()
        return day if isinstance(day, date) else None


def _persons(engine: Engine) -> pl.DataFrame:
    from harmwatch.linkage.persons import person_assignments

    return person_assignments(engine).select("kind", "source", "record_id", "person_id")


def _linked(frame: pl.DataFrame, kind: str, id_col: str, links: pl.DataFrame) -> pl.DataFrame:
    mine = links.filter(pl.col("kind") == kind).select(
        "source", pl.col("record_id").alias(id_col), "person_id"
    )
    return frame.join(mine, on=["source", id_col], how="left")


def load_history(engine: Engine) -> History:
    """Read the store once into a :class:`History` (person ids from the current linkage)."""
    links = _persons(engine)
    linked = links.height > 0
    warnings = []
    if not linked:
        warnings.append(
            "persons are not linked (run `harmwatch link`): police nominals stand for persons, "
            "and ED attendances and council referrals are not used"
        )
    occ = read_kind(
        engine,
        "police_occurrences",
        columns=[*_OCC_COLUMNS],
    ).with_columns(pl.col("occurred_from").cast(pl.Date).alias("day"), harm_expr().alias("harm"))
    people = read_kind(
        engine,
        "police_people",
        columns=[*_PEOPLE_COLUMNS],
    )
    people = _linked(people, "police_people", "involvement_id", links).with_columns(
        pl.coalesce(
            "person_id", pl.lit("nominal:") + pl.coalesce("person_ref", "involvement_id")
        ).alias("person_id")
    )
    per_occ = people.group_by("source", "occurrence_id").agg(
        (pl.col("relationship_to_victim") == "ex_partner").any().alias("separated"),
        pl.col("relationship_to_victim").is_in(_CLOSE).any().alias("close"),
    )
    occ = occ.join(per_occ, on=["source", "occurrence_id"], how="left").with_columns(
        pl.col("separated").fill_null(False),
        (pl.col("domestic").fill_null(False) | pl.col("close").fill_null(False)).alias("domestic"),
    )
    inv = people.join(occ, on=["source", "occurrence_id"], how="inner").filter(
        pl.col("role").is_in(_PARTIES)
    )
    fields = ["occurrence_id", "day", "offence_group", "harm", "weapon", "separated", "domestic"]
    person_units = inv.select(
        pl.lit("person").alias("unit_type"),
        pl.col("person_id").alias("unit"),
        pl.col("person_id").alias("person_ids"),
        *fields,
        pl.col("involvement_id").alias("record_id"),
    )
    victims = inv.filter(pl.col("role") == "victim").select(
        "source",
        "occurrence_id",
        pl.col("person_id").alias("a"),
        pl.col("involvement_id").alias("ra"),
    )
    suspects = inv.filter(pl.col("role") != "victim")
    pairs = victims.join(
        suspects.select(
            "source", *fields, pl.col("person_id").alias("b"), pl.col("involvement_id").alias("rb")
        ),
        on=["source", "occurrence_id"],
    ).filter(pl.col("a") != pl.col("b"))
    lo, hi = pl.min_horizontal("a", "b"), pl.max_horizontal("a", "b")
    pairs = pairs.with_columns(
        (lo + "+" + hi).alias("unit"), (lo + ";" + hi).alias("person_ids")
    ).with_columns(pl.lit("relationship").alias("unit_type"))
    rel_units = pl.concat(
        [
            pairs.select("unit_type", "unit", "person_ids", *fields, pl.col(r).alias("record_id"))
            for r in ("ra", "rb")
        ]
    )
    place_records = occ.filter(pl.col("area_code").is_not_null()).join(
        people.select("source", "occurrence_id", "involvement_id"),
        on=["source", "occurrence_id"],
        how="left",
    )
    place_units = place_records.select(
        pl.lit("place").alias("unit_type"),
        pl.col("area_code").alias("unit"),
        pl.lit("").alias("person_ids"),
        *fields,
        pl.coalesce("involvement_id", "occurrence_id").alias("record_id"),
    )
    unit_records = pl.concat([rel_units, person_units, place_units]).unique()
    unit_persons = pl.concat(
        [pairs.select("unit_type", "unit", pl.col(c).alias("person_id")) for c in ("a", "b")]
        + [person_units.select("unit_type", "unit", pl.col("unit").alias("person_id"))]
    ).unique()
    person_records = inv.select(
        "person_id",
        "occurrence_id",
        "day",
        "offence_group",
        "role",
        pl.col("involvement_id").alias("record_id"),
    )
    demographics = _demographics(engine, people, occ)
    return History(
        unit_records=unit_records,
        unit_persons=unit_persons,
        person_records=person_records,
        ed=_partner(engine, "ed_assaults", "attendance_id", "assault_at", links, []),
        referrals=_partner(
            engine, "council_referrals", "referral_id", "received_at", links, ["concern"]
        ),
        deaths=_partner(engine, "deaths", "death_id", "date_of_death", links, ["classification"]),
        demographics=demographics,
        linked=linked,
        warnings=warnings,
    )


def _partner(
    engine: Engine, kind: str, id_col: str, when: str, links: pl.DataFrame, extra: list[str]
) -> pl.DataFrame:
    """A partner kind's records by person (empty when persons are not linked)."""
    frame = read_kind(engine, kind, columns=["source", id_col, when, *extra])
    frame = _linked(frame, kind, id_col, links).filter(pl.col("person_id").is_not_null())
    return frame.select(
        "person_id",
        pl.col(id_col).alias("record_id"),
        pl.col(when).cast(pl.Date).alias("day"),
        *extra,
    )


def _demographics(engine: Engine, people: pl.DataFrame, occ: pl.DataFrame) -> pl.DataFrame:
    """Sex, age (at the first record) and ethnicity by person: the fairness report's only use."""
    ethnicity = read_kind(
        engine, "police_people", columns=["source", "involvement_id", "ethnicity"]
    )
    frame = people.join(ethnicity, on=["source", "involvement_id"], how="left").join(
        occ.select("source", "occurrence_id", "day"), on=["source", "occurrence_id"], how="left"
    )
    age = pl.coalesce(
        "age", ((pl.col("day") - pl.col("date_of_birth")).dt.total_days() // 365.25).cast(pl.Int64)
    )
    return (
        frame.with_columns(age.alias("age"))
        .sort("day")
        .group_by("person_id")
        .agg(
            pl.col("sex").drop_nulls().mode().sort().first(),
            pl.col("age").drop_nulls().first(),
            pl.col("ethnicity").drop_nulls().mode().sort().first(),
        )
    )


def within_days(frame: pl.DataFrame, as_of: date, days: int) -> pl.DataFrame:
    """Rows of ``frame`` dated in the ``days`` days before ``as_of`` (``as_of`` excluded)."""
    return frame.filter((pl.col("day") < as_of) & (pl.col("day") >= as_of - timedelta(days=days)))


def outcomes(history: History, as_of: date, horizon_days: int = 365) -> pl.DataFrame:
    """Units with serious violence in ``[as_of, as_of + horizon)``: ``unit_type``,
    ``unit``, ``outcome_ids`` (involvement and death ids).

    A relationship's outcome is an occurrence of homicide, attempted murder or
    GBH with both persons; a person's, such an occurrence or a death classified
    as homicide; a place's, such an occurrence in the area.
    """
    end = as_of + timedelta(days=horizon_days)
    ahead = pl.col("day").is_between(as_of, end, closed="left")
    units = history.unit_records.filter(ahead & pl.col("offence_group").is_in(SERIOUS)).select(
        *_KEY, "record_id"
    )
    deaths = history.deaths.filter(ahead & (pl.col("classification") == "homicide"))
    dead = history.unit_persons.filter(pl.col("unit_type") == "person").join(
        deaths.select("person_id", "record_id"), on="person_id"
    )
    return (
        pl.concat([units, dead.select(*_KEY, "record_id")])
        .group_by(_KEY)
        .agg(pl.col("record_id").unique().sort().alias("outcome_ids"))
    )
