"""Escalation risk: people, relationships and places where violence is heading towards homicide.

A transparent points score, computed at an *as-of* date from records dated
before it only. Each unit (a linked person, a victim-suspect relationship, a
small area) earns the points of every component that fires, and every
component lists the records behind it (involvement, attendance and referral
ids), so an entry on the list explains itself at a multi-agency meeting.

==================  ======  ===============================================================
component           points  fires when (records before the as-of date)
==================  ======  ===============================================================
frequency           1-4     1 a police occurrence in the last 12 months, at most 4
harm                0-3     log10(1 + harm-weighted days, :mod:`.harm_index`), 12 months
severity_rising     4       3+ occurrences in 12 months, Spearman rho(time, harm) >= 0.5,
                            the latest at ABH harm or above
frequency_rising    3       3+ occurrences in the last 90 days, at twice the earlier rate
strangulation       4       non-fatal strangulation (weapon ``strangulation``), 12 months
weapon              3       a weapon used (sharp, firearm, blunt, ...), 12 months
threats_to_kill     2       a threats-to-kill offence, 12 months
separation          3       an ex-partner relationship recorded, 12 months
near_miss_victim    3       a person of the unit was the victim of attempted murder or GBH
repeat_ed           2       2+ ED assault attendances of the unit's persons in 12 months
da_referral         2       a council referral for domestic abuse in 12 months
network             2       shared an occurrence (12 months) with a victim or suspect of
                            homicide, attempted murder or GBH (12 months)
domestic            1       a domestic occurrence in 12 months (persons, relationships)
==================  ======  ===============================================================

Marker points are about twice the natural log of the odds ratios reported for
intimate-partner femicide (Campbell et al. 2003; Glass et al. 2008), rounded:
a points score is a logistic score with rounded coefficients. Ethnicity is
never read here: :func:`load_history` keeps it in ``demographics`` for the
fairness report of :mod:`.risk_backtest` only.

References
----------
.. [1] Campbell JC et al. Risk factors for femicide in abusive relationships:
   results from a multisite case control study. American Journal of Public
   Health 2003; 93(7):1089-1097.
.. [2] Glass N et al. Non-fatal strangulation is an important risk factor for
   homicide of women. Journal of Emergency Medicine 2008; 35(3):329-335.
.. [3] Sherman L, Neyroud PW, Neyroud E. The Cambridge Crime Harm Index.
   Policing 2016; 10(3):171-183.
.. [4] Robinson AL et al. Risk-led policing of domestic abuse and the DASH
   risk model. College of Policing, 2016.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import read_kind
from harmwatch.analysis.harm_index import HARM_WEIGHTS, harm_expr

__all__ = [
    "COMPONENTS",
    "NEAR_MISS",
    "SERIOUS",
    "UNIT_TYPES",
    "History",
    "RiskResult",
    "escalation_risk",
    "load_history",
    "rank_units",
    "score_units",
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

#: Component -> (maximum points, what it means).
COMPONENTS: dict[str, tuple[float, str]] = {
    "frequency": (4.0, "police occurrences in the last 12 months (1 point each, at most 4)"),
    "harm": (3.0, "harm-weighted severity in 12 months: log10(1 + CCHI days)"),
    "severity_rising": (4.0, "severity rising over 3+ occurrences, latest ABH or worse"),
    "frequency_rising": (3.0, "3+ occurrences in 90 days, at twice the earlier rate"),
    "strangulation": (4.0, "non-fatal strangulation"),
    "weapon": (3.0, "weapon used"),
    "threats_to_kill": (2.0, "threats to kill"),
    "separation": (3.0, "ex-partner (separation)"),
    "near_miss_victim": (3.0, "victim of attempted murder or GBH"),
    "repeat_ed": (2.0, "2+ ED assault attendances in 12 months"),
    "da_referral": (2.0, "council referral for domestic abuse in 12 months"),
    "network": (2.0, "shared an occurrence with a victim or suspect of serious violence"),
    "domestic": (1.0, "domestic occurrence in 12 months"),
}
_YEAR, _LOOKBACK, _RECENT = 365, 365, 90


def _points(component: str) -> float:
    """The points of a component that fires (its maximum)."""
    return COMPONENTS[component][0]


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
    return frame.filter((pl.col("day") < as_of) & (pl.col("day") >= as_of - timedelta(days=days)))


def _fired(
    records: pl.DataFrame, name: str, points: pl.Expr | float, where: pl.Expr | None = None
) -> pl.DataFrame:
    """Component ``name`` for each unit of ``records`` (unit_type, unit, record_id, ...)."""
    if where is not None:
        records = records.filter(where)
    return records.with_columns(
        pl.lit(name).alias("component"),
        (points if isinstance(points, pl.Expr) else pl.lit(points))
        .cast(pl.Float64)
        .alias("points"),
    ).select("unit_type", "unit", "component", "points", "record_id")


def score_units(history: History, as_of: date, unit_type: str | None = None) -> pl.DataFrame:
    """Every component that fires for every unit at ``as_of`` (records before it only).

    Returns
    -------
    polars.DataFrame
        ``unit_type``, ``unit``, ``component``, ``points``, ``record_ids`` (list).
    """
    recs = history.unit_records
    if unit_type is not None:
        recs = recs.filter(pl.col("unit_type") == unit_type)
    year, three = within_days(recs, as_of, _YEAR), within_days(recs, as_of, _LOOKBACK)
    key = ["unit_type", "unit"]
    per_occ = year.unique([*key, "occurrence_id"]).with_columns(
        (pl.col("day") >= as_of - timedelta(days=_RECENT)).alias("recent")
    )
    stats = per_occ.group_by(key).agg(
        pl.len().alias("n"),
        pl.col("harm").sum().alias("harm_sum"),
        pl.col("recent").sum().alias("n90"),
        pl.corr(pl.col("day").cast(pl.Int64), "harm", method="spearman").alias("rho"),
        pl.col("harm").sort_by("day").last().alias("latest"),
    )
    year = year.join(stats, on=key).join(
        per_occ.select(*key, "occurrence_id", "recent"), on=[*key, "occurrence_id"]
    )
    rising = (
        (pl.col("n") >= 3)
        & (pl.col("rho").fill_nan(0.0) >= 0.5)
        & (pl.col("latest") >= HARM_WEIGHTS["abh"])
    )
    faster = (pl.col("n90") >= 3) & (
        pl.col("n90") / _RECENT >= 2 * (pl.col("n") - pl.col("n90")) / (_YEAR - _RECENT)
    )
    harm_points = (pl.col("harm_sum") + 1).log10().clip(0, 3).round(1)
    parts = [
        _fired(year, "frequency", pl.col("n").clip(0, 4)),
        _fired(year, "harm", harm_points, pl.col("harm") > 0),
        _fired(year, "severity_rising", _points("severity_rising"), rising),
        _fired(year, "frequency_rising", _points("frequency_rising"), faster & pl.col("recent")),
        _fired(
            three, "strangulation", _points("strangulation"), pl.col("weapon") == "strangulation"
        ),
        _fired(three, "weapon", _points("weapon"), pl.col("weapon").is_in(WEAPONS)),
        _fired(
            three,
            "threats_to_kill",
            _points("threats_to_kill"),
            pl.col("offence_group") == "threats_to_kill",
        ),
        _fired(three, "separation", _points("separation"), pl.col("separated")),
        _fired(
            year,
            "domestic",
            _points("domestic"),
            pl.col("domestic") & (pl.col("unit_type") != "place"),
        ),
    ]
    parts += _person_parts(history, as_of, year.select(key).unique())
    fired = pl.concat(parts)
    return (
        fired.group_by([*key, "component"])
        .agg(pl.col("points").first(), pl.col("record_id").unique().sort().alias("record_ids"))
        .sort([*key, "component"])
    )


def _person_parts(history: History, as_of: date, units: pl.DataFrame) -> list[pl.DataFrame]:
    """Components read from the unit's persons: near misses, ED, referrals, network."""
    members = history.unit_persons.join(units, on=["unit_type", "unit"])
    police3 = within_days(history.person_records, as_of, _LOOKBACK)
    near = police3.filter((pl.col("role") == "victim") & pl.col("offence_group").is_in(NEAR_MISS))
    ed = within_days(history.ed, as_of, _YEAR).join(
        within_days(history.ed, as_of, _YEAR)
        .group_by("person_id")
        .len()
        .filter(pl.col("len") >= 2),
        on="person_id",
    )
    da = within_days(history.referrals, as_of, _YEAR).filter(pl.col("concern") == "domestic_abuse")
    serious = police3.filter(pl.col("offence_group").is_in(SERIOUS)).select(
        pl.col("person_id").alias("contact"), "record_id"
    )
    police1 = within_days(history.person_records, as_of, _YEAR).select("person_id", "occurrence_id")
    contacts = (
        police1.join(police1.rename({"person_id": "contact"}), on="occurrence_id")
        .filter(pl.col("person_id") != pl.col("contact"))
        .join(serious, on="contact")
        .select("person_id", "contact", "record_id")
    )
    network = members.join(
        contacts, on="person_id"
    ).join(  # a contact who is part of the unit is not a network tie
        members.select("unit_type", "unit", pl.col("person_id").alias("contact")),
        on=["unit_type", "unit", "contact"],
        how="anti",
    )
    out = []
    for name, points, frame in (
        ("near_miss_victim", _points("near_miss_victim"), near),
        ("repeat_ed", _points("repeat_ed"), ed),
        ("da_referral", _points("da_referral"), da),
    ):
        out.append(
            _fired(
                members.join(frame.select("person_id", "record_id"), on="person_id"), name, points
            )
        )
    out.append(_fired(network, "network", _points("network")))
    return out


def rank_units(components: pl.DataFrame, history: History, as_of: date) -> pl.DataFrame:
    """Units ranked by score within each unit type (1 = highest), with reasons and records."""
    key = ["unit_type", "unit"]
    last = (
        within_days(history.unit_records, as_of, _YEAR)
        .group_by(key)
        .agg(pl.col("day").max().alias("last_day"), pl.col("person_ids").first())
    )
    scored = (
        components.sort("points", descending=True)
        .group_by(key)
        .agg(
            pl.col("points").sum().round(1).alias("score"),
            pl.format("{} ({})", "component", "points").str.join("; ").alias("reasons"),
            pl.col("record_ids")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("record_ids"),
        )
        .join(last, on=key, how="inner")
        .sort(["unit_type", "score", "last_day", "unit"], descending=[False, True, True, False])
    )
    return scored.with_columns(pl.int_range(1, pl.len() + 1).over("unit_type").alias("rank"))


@dataclass
class RiskResult:
    """The escalation risk list at one as-of date.

    Attributes
    ----------
    as_of : date
        Records dated before this day were used.
    available : bool
    reason : str
    ranking : polars.DataFrame
        ``unit_type``, ``rank``, ``unit``, ``person_ids``, ``score``, ``reasons``,
        ``record_ids`` (list), ``last_day``.
    components : polars.DataFrame
        ``unit_type``, ``unit``, ``component``, ``points``, ``record_ids``: the
        evidence behind every score.
    warnings : list of str
    tables : dict of str to polars.DataFrame
    """

    as_of: date
    available: bool
    reason: str
    ranking: pl.DataFrame
    components: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def top(self, n: int, unit_type: str | None = None) -> pl.DataFrame:
        """The first ``n`` of each unit type (or of one)."""
        frame = self.ranking.filter(pl.col("rank") <= n)
        return frame if unit_type is None else frame.filter(pl.col("unit_type") == unit_type)

    def to_json(self, top: int = 20) -> dict[str, Any]:
        """Figures: ``as_of``, ``available``, ``reason``, ``warnings``, and ``units``:
        the first ``top`` of each unit type with their ``components`` (name,
        points, meaning, record_ids)."""
        entries = self.top(top)
        parts = self.components.join(entries.select("unit_type", "unit"), on=["unit_type", "unit"])
        by_unit: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in parts.sort("points", descending=True).iter_rows(named=True):
            by_unit.setdefault((row["unit_type"], row["unit"]), []).append(
                {
                    "component": row["component"],
                    "points": float(row["points"]),
                    "meaning": COMPONENTS[row["component"]][1],
                    "record_ids": list(row["record_ids"]),
                }
            )
        units = [
            {
                "unit_type": row["unit_type"],
                "rank": int(row["rank"]),
                "unit": row["unit"],
                "person_ids": [p for p in row["person_ids"].split(";") if p],
                "score": float(row["score"]),
                "components": by_unit.get((row["unit_type"], row["unit"]), []),
            }
            for row in entries.iter_rows(named=True)
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "available": self.available,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "units": units,
        }


def escalation_risk(engine: Engine, as_of: date, *, history: History | None = None) -> RiskResult:
    """Score and rank every unit at ``as_of`` (see the module docstring).

    Parameters
    ----------
    engine : Engine
        The store.
    as_of : date
        Only records dated before this day are read.
    history : History, optional
        A history already loaded with :func:`load_history` (back-testing).
    """
    history = history or load_history(engine)
    components = score_units(history, as_of)
    ranking = rank_units(components, history, as_of)
    if ranking.height == 0:
        return RiskResult(
            as_of,
            False,
            "no police occurrences in the 12 months before the as-of date",
            ranking,
            components,
            list(history.warnings),
        )
    return RiskResult(
        as_of,
        True,
        "",
        ranking,
        components,
        list(history.warnings),
        tables={"ranking": ranking.with_columns(pl.col("record_ids").list.join(";"))},
    )
