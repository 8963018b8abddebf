"""The components of the escalation score: what fires for each unit at an as-of date.

Each component is a piece of evidence read from records dated before the
as-of date, with the records behind it. :func:`score_units` returns every
component that fires for every unit with its *judgement points* (the prior
weights of :data:`COMPONENTS`; graded components take part of them);
:mod:`.risk_model` turns these into the score, either as they are or re-weighted
by a logistic regression fitted on the force's own earlier data.

==================  ======  ===============================================================
component           points  fires when (records before the as-of date)
==================  ======  ===============================================================
frequency           1-10    1 a police occurrence in the last 12 months up to 4, then 1
                            more for each doubling (8: 5, 16: 6, ...), at most 10
harm                0-5     log10(1 + harm-weighted days, :mod:`.harm_index`), 12 months
severity_rising     4       3+ occurrences in 12 months, Spearman rho(time, harm) >= 0.5,
                            the latest at ABH harm or above
frequency_rising    3       3+ occurrences in the last 90 days, at twice the earlier rate
strangulation       4       non-fatal strangulation (weapon ``strangulation``), 12 months
weapon              3       a weapon used (sharp, firearm, blunt, ...), 12 months
threats_to_kill     2       a threats-to-kill offence, 12 months
stalking            2       a stalking or harassment offence, 12 months (persons,
                            relationships)
separation          3       an ex-partner relationship recorded, 12 months
near_miss_victim    3       attempted murder or GBH, 12 months: for a person, as its
                            victim; for a relationship, within the relationship
repeat_ed           2       2+ ED assault attendances of the unit's persons in 12 months
da_referral         2       a council referral for domestic abuse in 12 months
network             2       persons only: shared an occurrence (12 months) with a victim
                            or suspect of homicide, attempted murder or GBH (12 months)
domestic            1       a domestic occurrence in 12 months (persons, relationships)
==================  ======  ===============================================================

**Relationships are scored on the relationship's own history** (its
occurrences, and its persons' ED attendances and domestic-abuse referrals):
a person's other victimisations and network belong to the person list. Mixed
into relationships, one prolific person's many partners fill the list (at
force scale one police nominal with 5,874 involvements made a person-level near
miss fire for a third of all relationships, and network for 60%).

Judgement points are about twice the natural log of the odds ratios reported
for intimate-partner femicide (Campbell et al. 2003; Glass et al. 2008),
rounded. Stalking: McFarlane et al. (1999) found stalking in the 12 months
before 76% of femicides and 85% of attempts; in McFarlane, Campbell & Watson
(2002) women whose partner followed or spied on them were more than twice as
likely to become victims of attempted or actual femicide (adjusted OR about 2.1:
2 ln 2.1 = 1.5, rounded up to 2 like threats to kill); DASH asks about it
(Robinson et al. 2016). The offence group ``stalking_harassment`` is the
evidence: the contract's MO codes are a free vocabulary. Places do not earn it.
Ethnicity is never read here.

References
----------
.. [1] Campbell JC et al. Risk factors for femicide in abusive relationships:
   results from a multisite case control study. American Journal of Public
   Health 2003; 93(7):1089-1097.
.. [2] Glass N et al. Non-fatal strangulation is an important risk factor for
   homicide of women. Journal of Emergency Medicine 2008; 35(3):329-335.
.. [3] Sherman L, Neyroud PW, Neyroud E. The Cambridge Crime Harm Index.
   Policing 2016; 10(3):171-183.
.. [4] McFarlane JM et al. Stalking and intimate partner femicide. Homicide
   Studies 1999; 3(4):300-316.
.. [5] McFarlane J, Campbell JC, Watson K. Intimate partner stalking and
   femicide: urgent implications for women's safety. Behavioral Sciences and
   the Law 2002; 20(1-2):51-68.
.. [6] Robinson AL et al. Risk-led policing of domestic abuse and the DASH
   risk model. College of Policing, 2016.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from harmwatch.analysis.escalation_history import (
    NEAR_MISS,
    SERIOUS,
    WEAPONS,
    History,
    within_days,
)
from harmwatch.analysis.harm_index import HARM_WEIGHTS

__all__ = ["COMPONENTS", "UNIT_COMPONENTS", "judgement_points", "score_units"]

#: Component -> (judgement points when it fires fully, what it means).
COMPONENTS: dict[str, tuple[float, str]] = {
    "frequency": (
        10.0,
        "police occurrences in the last 12 months (1 point each up to 4, then 1 more for "
        "each doubling, at most 10)",
    ),
    "harm": (5.0, "harm-weighted severity in 12 months: log10(1 + CCHI days), at most 5"),
    "severity_rising": (4.0, "severity rising over 3+ occurrences, latest ABH or worse"),
    "frequency_rising": (3.0, "3+ occurrences in 90 days, at twice the earlier rate"),
    "strangulation": (4.0, "non-fatal strangulation"),
    "weapon": (3.0, "weapon used"),
    "threats_to_kill": (2.0, "threats to kill"),
    "stalking": (2.0, "stalking or harassment"),
    "separation": (3.0, "ex-partner (separation)"),
    "near_miss_victim": (3.0, "attempted murder or GBH (person: as victim; relationship: within)"),
    "repeat_ed": (2.0, "2+ ED assault attendances in 12 months"),
    "da_referral": (2.0, "council referral for domestic abuse in 12 months"),
    "network": (2.0, "shared an occurrence with a victim or suspect of serious violence"),
    "domestic": (1.0, "domestic occurrence in 12 months"),
}
#: The components each unit type can earn.
UNIT_COMPONENTS: dict[str, tuple[str, ...]] = {
    "relationship": tuple(c for c in COMPONENTS if c != "network"),
    "person": tuple(COMPONENTS),
    "place": (
        "frequency",
        "harm",
        "severity_rising",
        "frequency_rising",
        "strangulation",
        "weapon",
        "threats_to_kill",
        "separation",
    ),
}
_YEAR, _RECENT = 365, 90
#: Share of its points a marker keeps when its latest record is older than 90 days.
OLDER_SHARE = 0.5
#: The incident markers whose points depend on recency (and the harm of each occurrence).
RECENCY_MARKERS = (
    "strangulation",
    "weapon",
    "threats_to_kill",
    "stalking",
    "separation",
    "near_miss_victim",
)


def judgement_points(component: str) -> float:
    """The judgement points of a component that fires fully (its prior weight)."""
    return COMPONENTS[component][0]


def _fired(
    records: pl.DataFrame, name: str, points: pl.Expr | float, where: pl.Expr | None = None
) -> pl.DataFrame:
    """Component ``name`` for each unit of ``records`` (unit_type, unit, record_id, ...)."""
    if where is not None:
        records = records.filter(where)
    value = points if isinstance(points, pl.Expr) else pl.lit(points)
    if name in RECENCY_MARKERS and "recent" in records.columns:
        value = value * pl.when(pl.col("recent")).then(1.0).otherwise(OLDER_SHARE)
    return records.with_columns(
        pl.lit(name).alias("component"),
        value.cast(pl.Float64).alias("points"),
    ).select("unit_type", "unit", "component", "points", "record_id")


def score_units(history: History, as_of: date, unit_type: str | None = None) -> pl.DataFrame:
    """Every component that fires for every unit at ``as_of`` (records before it only).

    Returns
    -------
    polars.DataFrame
        ``unit_type``, ``unit``, ``component``, ``points`` (judgement points),
        ``record_ids`` (list): one row per unit and component that fires.
    """
    recs = history.unit_records
    if unit_type is not None:
        recs = recs.filter(pl.col("unit_type") == unit_type)
    year = within_days(recs, as_of, _YEAR)
    key = ["unit_type", "unit"]
    per_occ = year.unique([*key, "occurrence_id"]).with_columns(
        (pl.col("day") >= as_of - timedelta(days=_RECENT)).alias("recent")
    )
    stats = per_occ.group_by(key).agg(
        pl.len().alias("n"),
        (pl.col("harm") * pl.when(pl.col("recent")).then(1.0).otherwise(OLDER_SHARE))
        .sum()
        .alias("harm_sum"),
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
    harm_points = (pl.col("harm_sum") + 1).log10().clip(0, 5).round(1)
    n = pl.col("n").cast(pl.Float64)
    frequency_points = pl.when(n <= 4).then(n).otherwise(4 + (n / 4).log(2)).clip(0, 10).round(1)
    relationship = pl.col("unit_type") == "relationship"
    parts = [
        _fired(year, "frequency", frequency_points),
        _fired(year, "harm", harm_points, pl.col("harm") > 0),
        _fired(year, "severity_rising", judgement_points("severity_rising"), rising),
        _fired(
            year,
            "frequency_rising",
            judgement_points("frequency_rising"),
            faster & pl.col("recent"),
        ),
        _fired(
            year,
            "strangulation",
            judgement_points("strangulation"),
            pl.col("weapon") == "strangulation",
        ),
        _fired(year, "weapon", judgement_points("weapon"), pl.col("weapon").is_in(WEAPONS)),
        _fired(
            year,
            "threats_to_kill",
            judgement_points("threats_to_kill"),
            pl.col("offence_group") == "threats_to_kill",
        ),
        _fired(
            year,
            "stalking",
            judgement_points("stalking"),
            (pl.col("offence_group") == "stalking_harassment") & (pl.col("unit_type") != "place"),
        ),
        _fired(year, "separation", judgement_points("separation"), pl.col("separated")),
        _fired(
            year,
            "near_miss_victim",
            judgement_points("near_miss_victim"),
            relationship & pl.col("offence_group").is_in(NEAR_MISS),
        ),
        _fired(
            year,
            "domestic",
            judgement_points("domestic"),
            pl.col("domestic") & (pl.col("unit_type") != "place"),
        ),
    ]
    parts += _person_parts(history, as_of, year.select(key).unique())
    fired = pl.concat(parts)
    return (
        fired.group_by([*key, "component"])
        .agg(pl.col("points").max(), pl.col("record_id").unique().sort().alias("record_ids"))
        .sort([*key, "component"])
    )


def _person_parts(history: History, as_of: date, units: pl.DataFrame) -> list[pl.DataFrame]:
    """Components read from the unit's persons: near misses and network (persons only),
    ED attendances and domestic-abuse referrals (persons and relationships)."""
    members = history.unit_persons.join(units, on=["unit_type", "unit"])
    persons = members.filter(pl.col("unit_type") == "person")
    police = within_days(history.person_records, as_of, _YEAR)
    near = police.filter((pl.col("role") == "victim") & pl.col("offence_group").is_in(NEAR_MISS))
    ed_year = within_days(history.ed, as_of, _YEAR)
    ed = ed_year.join(
        ed_year.group_by("person_id").len().filter(pl.col("len") >= 2), on="person_id"
    )
    da = within_days(history.referrals, as_of, _YEAR).filter(pl.col("concern") == "domestic_abuse")
    serious = police.filter(pl.col("offence_group").is_in(SERIOUS)).select(
        pl.col("person_id").alias("contact"), "record_id"
    )
    shared = police.select("person_id", "occurrence_id")
    contacts = (
        shared.join(shared.rename({"person_id": "contact"}), on="occurrence_id")
        .filter(pl.col("person_id") != pl.col("contact"))
        .join(serious, on="contact")
        .select("person_id", "contact", "record_id")
    )
    network = persons.join(contacts, on="person_id")
    out = []
    for name, who, frame in (
        ("near_miss_victim", persons, near),
        ("repeat_ed", members, ed),
        ("da_referral", members, da),
    ):
        out.append(
            _fired(
                who.join(frame.select("person_id", "record_id"), on="person_id"),
                name,
                judgement_points(name),
            )
        )
    out.append(_fired(network, "network", judgement_points("network")))
    return out
