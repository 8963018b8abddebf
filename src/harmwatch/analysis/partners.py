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

Places are found by greedy densest-disc grouping (a leader clustering,
Hartigan 1975): the unmatched attendance with most unmatched neighbours
within ``radius`` (found with a KD-tree) seeds a place holding those
neighbours; they are removed and the next densest seeds the next place, until
no attendance has ``min_count`` neighbours left. Unlike single-linkage
grouping (or DBSCAN's chaining, Ester et al. 1996) a busy town centre is not
merged into one place: every place fits in a disc of ``radius`` around its seed.

References
----------
.. [1] Florence C, Shepherd J, Brennan I, Simon T. Effectiveness of anonymised
   information sharing and use in health service, police, and local government
   partnership for preventing violence related injury: experimental study and
   time series analysis. BMJ 2011;342:d3313.
.. [2] Hartigan JA. Clustering Algorithms. Wiley, 1975 (the leader algorithm).
.. [3] Ester M, Kriegel H-P, Sander J, Xu X. A density-based algorithm for
   discovering clusters in large spatial databases with noise. KDD 1996.
.. [4] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (interval of the
   matched share).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, in_period, period_json, read_kind
from harmwatch.analysis.smallnumbers import binomial_ci, small_count_warning
from harmwatch.linkage.incidents import VIOLENCE_GROUPS, match_incidents, stored_matches
from harmwatch.store.schema import kind_tables

__all__ = ["PartnerResult", "partner_analysis", "unmatched_places"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
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


@dataclass
class PartnerResult:
    """ED assault attendances against police-recorded violence in one period.

    Attributes
    ----------
    available : bool
        False when no ED attendance falls in the period.
    reason : str
        Why not ("" when available).
    period : Period or None
        The period analysed.
    matches_source : str
        ``"stored"`` (the matches in ``incident_matches``) or ``"computed"``
        (computed in memory for this analysis, not stored).
    match_settings : dict
        The matching settings behind the matches.
    attendances, matched : int
        ED attendances in the period, those matched to a police occurrence.
    matched_share : float or None
        ``matched / attendances``, with ``matched_share_ci`` its exact 95%
        interval (Clopper-Pearson).
    police_violence : int
        Police occurrences of violence in the period.
    unlocated : int
        ED attendances without a location (not in places).
    places : list of dict
        The places where the ED sees violence the police do not, ranked by
        count (see :func:`unmatched_places` and :meth:`to_json`).
    warnings : list of str
        Plain-words cautions.
    tables : dict of str to polars.DataFrame
        ``by_area``, ``by_location_type``, ``by_month``, ``ed_hour_weekday``,
        ``places``.
    """

    available: bool
    reason: str = ""
    period: Period | None = None
    matches_source: str = ""
    match_settings: dict[str, Any] = field(default_factory=dict)
    attendances: int = 0
    matched: int = 0
    matched_share: float | None = None
    matched_share_ci: tuple[float, float] | None = None
    police_violence: int = 0
    unlocated: int = 0
    places: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The partner-data figures.

        ``ed_unmatched_places`` is the ranked list of places: ``rank``,
        ``easting``, ``northing``, ``count`` (unmatched ED attendances),
        ``venue`` (the most common ``assault_location_description``),
        ``venue_share``, ``area_code``, ``attendances_nearby`` and
        ``matched_share`` (all located ED attendances within the radius and the
        share of them matched), ``police_occurrences_nearby``, ``first``,
        ``last`` (dates), ``attendance_ids`` and ``occurrence_ids`` (nearby
        police violence).
        """
        tables: dict[str, Any] = {
            name: self.tables[name].to_dicts()
            for name in ("by_area", "by_location_type", "by_month")
            if name in self.tables
        }
        heat = self.tables.get("ed_hour_weekday")
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "matches_source": self.matches_source,
            "match_settings": self.match_settings,
            "ed_attendances": self.attendances,
            "ed_matched": self.matched,
            "ed_matched_share": self.matched_share,
            "ed_matched_share_ci": list(self.matched_share_ci) if self.matched_share_ci else None,
            "police_violence": self.police_violence,
            "ed_unlocated": self.unlocated,
            **tables,
            "ed_hour_weekday": {
                "weekdays": list(_WEEKDAYS),
                "counts": heat.drop("weekday").to_numpy().tolist(),
            }
            if heat is not None
            else None,
            "ed_unmatched_places": self.places,
            "warnings": list(self.warnings),
        }


# --- places -----------------------------------------------------------------


def unmatched_places(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    *,
    radius: float = 100.0,
    min_count: int = 3,
    max_places: int = 20,
) -> list[npt.NDArray[np.int64]]:
    """Group points into places by greedy densest-disc grouping.

    Parameters
    ----------
    easting, northing : array of float
        The points (NaN: left out).
    radius : float
        Metres: a place holds the points within ``radius`` of its seed.
    min_count : int
        Fewest points of a place.
    max_places : int
        Most places returned.

    Returns
    -------
    list of ndarray of int
        The indices of each place's points, densest place first.

    Examples
    --------
    >>> x = np.array([0.0, 5.0, 10.0, 1000.0, 1003.0, 5000.0])
    >>> [p.tolist() for p in unmatched_places(x, np.zeros(6), radius=50, min_count=2)]
    [[0, 1, 2], [3, 4]]
    """
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped,unused-ignore]
    from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

    x = np.asarray(easting, dtype=np.float64)
    y = np.asarray(northing, dtype=np.float64)
    located = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    n = len(located)
    if n == 0:
        return []
    pairs = np.asarray(
        cKDTree(np.column_stack([x[located], y[located]])).query_pairs(
            radius, output_type="ndarray"
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    adjacency = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    remaining = np.ones(n, dtype=np.float64)
    places: list[npt.NDArray[np.int64]] = []
    while len(places) < max_places:  # one iteration per place
        counts = np.asarray(adjacency @ remaining).ravel() * remaining
        seed = int(np.argmax(counts))
        if counts[seed] < min_count:
            break
        neighbours = np.asarray(adjacency[seed].indices, dtype=np.int64)
        members = np.sort(neighbours[remaining[neighbours] > 0])
        remaining[members] = 0.0
        places.append(located[members])
    return places


def _mode(values: pl.Series) -> tuple[str | None, float]:
    known = values.drop_nulls()
    if known.is_empty():
        return None, 0.0
    counts = known.value_counts(sort=True)
    top = counts.row(0)
    return str(top[0]), int(top[1]) / values.len()


def _describe_places(
    groups: list[npt.NDArray[np.int64]],
    unmatched: pl.DataFrame,
    ed: pl.DataFrame,
    police: pl.DataFrame,
    radius: float,
) -> list[dict[str, Any]]:
    """Each place's centre, venue, nearby ED (matched share) and police violence."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

    if not groups:
        return []
    members = [unmatched[g] for g in groups]
    centres = np.array([[_mean(m["easting"]), _mean(m["northing"])] for m in members])
    ed_located = ed.filter(pl.col("easting").is_not_null() & pl.col("northing").is_not_null())
    ed_near = _within(cKDTree, ed_located, centres, radius)
    police_located = police.filter(
        pl.col("easting").is_not_null() & pl.col("northing").is_not_null()
    )
    police_near = _within(cKDTree, police_located, centres, radius)
    places = []
    for rank, (m, centre, near_ed, near_police) in enumerate(
        zip(members, centres, ed_near, police_near, strict=True), start=1
    ):
        venue, venue_share = _mode(m["assault_location_description"])
        area, _ = _mode(m["area_code"])
        nearby = ed_located[near_ed]
        places.append(
            {
                "rank": rank,
                "easting": round(float(centre[0]), 1),
                "northing": round(float(centre[1]), 1),
                "count": m.height,
                "venue": venue,
                "venue_share": round(venue_share, 3),
                "area_code": area,
                "attendances_nearby": nearby.height,
                "matched_share": _mean(nearby["matched"]) if nearby.height else None,
                "police_occurrences_nearby": len(near_police),
                "first": _day(m["assault_at"].min()),
                "last": _day(m["assault_at"].max()),
                "attendance_ids": m["attendance_id"].sort().to_list(),
                "occurrence_ids": police_located[near_police]["occurrence_id"].sort().to_list(),
            }
        )
    return places


def _within(
    tree_type: Any, frame: pl.DataFrame, centres: npt.NDArray[np.float64], radius: float
) -> list[list[int]]:
    if frame.is_empty():
        return [[] for _ in range(len(centres))]
    tree = tree_type(np.column_stack([frame["easting"].to_numpy(), frame["northing"].to_numpy()]))
    return [sorted(int(i) for i in found) for found in tree.query_ball_point(centres, radius)]


def _mean(values: pl.Series) -> float:
    return float(values.cast(pl.Float64).to_numpy().mean())


def _day(value: Any) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else None


# --- the analysis -------------------------------------------------------------


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
    places = _describe_places(groups, unmatched, ed, police, radius)
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
