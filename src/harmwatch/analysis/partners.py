"""Partner data (the Cardiff model): ED assault attendances against police-recorded violence.

Emergency departments see violence that is never reported to the police. The
Cardiff model shares anonymised ED data (where, when, with what) with the police
and the community safety partnership, who use it to target places, licensed
premises above all, that police data alone do not show; in Cardiff this cut
violence-related hospital admissions by about a third against comparable
cities (Florence et al. 2011).

:func:`partner_analysis` compares, for a period:

* ED assault attendances and police-recorded violence (offence groups
  :data:`harmwatch.linkage.incidents.VIOLENCE_GROUPS`) by small area, by
  location type and by month, and the ED attendances by hour and weekday;
* the share of ED attendances matched to a police occurrence
  (:mod:`harmwatch.linkage.incidents`): the stored matches when matching has
  been run, else matches computed in memory (not stored) with the default
  settings, and the result says which;
* the places where the ED sees violence the police do not: unmatched ED
  attendances grouped by location (:func:`unmatched_places`), ranked by count.

Places are found by greedy densest-disc grouping (:mod:`.partner_places`, whose
docstring gives the method); the result is a :class:`PartnerResult`
(:mod:`.partner_result`); both are re-exported here.

References
----------
.. [1] Florence C, Shepherd J, Brennan I, Simon T. Effectiveness of anonymised
   information sharing and use in health service, police, and local government
   partnership for preventing violence related injury: experimental study and
   time series analysis. BMJ 2011;342:d3313.
.. [2] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (interval of the
   matched share).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, in_period, read_kind
from harmwatch.analysis.partner_places import describe_places, unmatched_places
from harmwatch.analysis.partner_result import PartnerResult
from harmwatch.analysis.smallnumbers import binomial_ci, small_count_warning
from harmwatch.linkage.incidents import VIOLENCE_GROUPS, match_incidents, stored_matches
from harmwatch.store.schema import kind_tables

__all__ = ["PartnerResult", "partner_analysis", "unmatched_places"]

_ED_COLUMNS = [
    "source",
    "attendance_id",
    "assault_at",
    "date_precision",
    "assault_method",
    "assault_location_type",
    "assault_location_description",
    "easting",
    "northing",
    "area_code",
]
_OCC_COLUMNS = [
    "source",
    "occurrence_id",
    "offence_group",
    "occurred_from",
    "location_type",
    "easting",
    "northing",
    "area_code",
]


def _ed_period(engine: Engine) -> Period | None:
    ed = read_kind(engine, "ed_assaults", columns=["assault_at"])
    first, last = ed["assault_at"].min(), ed["assault_at"].max()
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return None
    return Period(first.date(), last.date() + timedelta(days=1))


def partner_analysis(
    engine: Engine,
    period: Period | None = None,
    *,
    radius: float = 100.0,
    min_count: int = 3,
    max_places: int = 20,
) -> PartnerResult:
    """ED assault attendances against police-recorded violence, by place and time.

    Parameters
    ----------
    engine : Engine
        The store.
    period : Period, optional
        The period (default: every day with ED data).
    radius : float
        Metres: the size of a place (:func:`unmatched_places`) and of "nearby".
    min_count : int
        Fewest unmatched attendances of a place.
    max_places : int
        Most places listed.

    Returns
    -------
    PartnerResult
        ``available=False`` with a reason when no ED data is loaded (or none in
        the period). Uses the stored matches when incident matching has been
        run; otherwise computes them in memory without storing, and says so.

    References
    ----------
    Florence et al., BMJ 2011;342:d3313 (see the module docstring).
    """
    period = period or _ed_period(engine)
    if period is None:
        return PartnerResult(
            available=False,
            reason="no ED assault attendances are loaded (kind ed_assaults): the Cardiff-model "
            "comparison needs the emergency departments' data",
        )
    ed = read_kind(
        engine, "ed_assaults", columns=_ED_COLUMNS, where=in_period("ed_assaults", period)
    ).sort("source", "attendance_id")
    if ed.is_empty():
        return PartnerResult(
            available=False,
            period=period,
            reason=f"no ED assault attendances fall in {period.label}",
        )
    warnings: list[str] = []
    matches = stored_matches(engine)
    if matches is not None:
        source = "stored"
        settings = _parse(matches["method"][0])
    else:
        computed = match_incidents(engine, store=False)
        matches, source, settings = computed.matches, "computed", computed.settings
        warnings.append(
            "Incident matching has not been run on this store: ED attendances were matched "
            "to police occurrences for this analysis only, with the default settings "
            "(nothing stored)."
        )
    keys = matches.select(source="attendance_source", attendance_id="attendance_id")
    ed = ed.with_columns(
        pl.struct("source", "attendance_id").is_in(keys.to_struct().implode()).alias("matched")
    )
    police = read_kind(
        engine,
        "police_occurrences",
        columns=_OCC_COLUMNS,
        where=in_period("police_occurrences", period)
        & kind_tables["police_occurrences"].c.offence_group.in_(VIOLENCE_GROUPS),
    )
    if police.is_empty():
        warnings.append(
            f"No police occurrence of violence is loaded for {period.label}: every ED "
            "attendance counts as unseen by the police."
        )
    n, k = ed.height, int(ed["matched"].sum())
    lower, upper = binomial_ci(k, n)
    unmatched = ed.filter(~pl.col("matched"))
    groups = unmatched_places(
        unmatched["easting"].to_numpy(),
        unmatched["northing"].to_numpy(),
        radius=radius,
        min_count=min_count,
        max_places=max_places,
    )
    places = describe_places(groups, unmatched, ed, police, radius)
    unlocated = ed.filter(pl.col("easting").is_null() | pl.col("northing").is_null()).height
    if unlocated:
        warnings.append(
            f"{unlocated} of {n} ED attendances have no location: they count in the totals "
            "but not in the places."
        )
    for message in (
        small_count_warning(n, f"ED assault attendances in {period.label}"),
        small_count_warning(places[0]["count"], "unmatched ED attendances at the top place")
        if places
        else None,
    ):
        if message:
            warnings.append(message[0].upper() + message[1:] + ".")
    if not places:
        warnings.append(
            f"No place has {min_count} or more unmatched ED attendances within {radius:g} m."
        )
    tables = _tables(ed, police)
    tables["places"] = pl.DataFrame(
        [{k2: v for k2, v in p.items() if not k2.endswith("_ids")} for p in places]
    )
    return PartnerResult(
        available=True,
        period=period,
        matches_source=source,
        match_settings=settings,
        attendances=n,
        matched=k,
        matched_share=k / n,
        matched_share_ci=(float(lower), float(upper)),
        police_violence=police.height,
        unlocated=unlocated,
        places=places,
        warnings=warnings,
        tables=tables,
    )


def _parse(method: str) -> dict[str, Any]:
    import json

    try:
        value = json.loads(method)
    except ValueError:
        return {"method": method}
    return value if isinstance(value, dict) else {"method": method}


def _tables(ed: pl.DataFrame, police: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """ED against police by area, location type and month; ED by hour and weekday."""
    ed_counts = [
        pl.len().alias("ed_attendances"),
        pl.col("matched").sum().alias("ed_matched"),
        (~pl.col("matched")).sum().alias("ed_unmatched"),
    ]
    by_area = (
        ed.group_by(pl.col("area_code"))
        .agg(ed_counts)
        .join(
            police.group_by("area_code").agg(pl.len().alias("police_violence")),
            on="area_code",
            how="full",
            coalesce=True,
        )
        .fill_null(0)
        .sort("ed_unmatched", "area_code", descending=[True, False], nulls_last=True)
    )
    by_type = (
        ed.group_by(pl.col("assault_location_type").alias("location_type"))
        .agg(ed_counts)
        .join(
            police.group_by("location_type").agg(pl.len().alias("police_violence")),
            on="location_type",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("location_type").fill_null("unknown"))
        .fill_null(0)
        .sort("ed_attendances", "location_type", descending=[True, False])
    )
    by_month = (
        ed.group_by(pl.col("assault_at").dt.truncate("1mo").dt.date().alias("month"))
        .agg(ed_counts)
        .join(
            police.group_by(
                pl.col("occurred_from").dt.truncate("1mo").dt.date().alias("month")
            ).agg(pl.len().alias("police_violence")),
            on="month",
            how="full",
            coalesce=True,
        )
        .fill_null(0)
        .sort("month")
        .with_columns(pl.col("month").dt.strftime("%Y-%m"))
    )
    timed = ed.filter(pl.col("date_precision") == "datetime")
    grid = pl.DataFrame(
        {
            "weekday": np.repeat(np.arange(7), 24),
            "hour": np.tile(np.arange(24), 7),
        },
        schema={"weekday": pl.Int8, "hour": pl.Int8},
    )
    heat = (
        grid.join(
            timed.group_by(
                (pl.col("assault_at").dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
                pl.col("assault_at").dt.hour().cast(pl.Int8).alias("hour"),
            ).agg(pl.len().alias("n")),
            on=["weekday", "hour"],
            how="left",
        )
        .fill_null(0)
        .sort("weekday", "hour")
        .pivot(on="hour", index="weekday", values="n")
    )
    return {
        "by_area": by_area,
        "by_location_type": by_type,
        "by_month": by_month,
        "ed_hour_weekday": heat,
    }
