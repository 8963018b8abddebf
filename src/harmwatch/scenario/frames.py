"""Turn the tables under construction into polars frames with the contract's columns.

Each builder sorts the records by time, assigns identifiers in that order and
returns the frame (contract column order), the internal-row-to-output-position
map (``rank``), each output row's true person id (``person``, -1 where the row
describes nobody) and which output rows are protected from fault injection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harmwatch.contract import KINDS, codes
from harmwatch.scenario._table import (
    Array,
    date_series,
    datetime_series,
    enum_series,
    format_ids,
)
from harmwatch.scenario.deaths import Deaths
from harmwatch.scenario.geography import Geography, to_latlon
from harmwatch.scenario.institutions import Institutions
from harmwatch.scenario.occurrences import AGE_BANDS, HO_CODES, Police
from harmwatch.scenario.partners import OUTCOMES, Council, Ed
from harmwatch.scenario.population import Persons, person_refs, render

__all__ = [
    "ID_FORMATS",
    "Built",
    "council_frame",
    "deaths_frame",
    "ed_frame",
    "institutions_frame",
    "occurrence_frame",
    "people_frame",
]

#: Identity columns of a person as written to the files (rendered with noise).
_IDENTITY = (
    "forename",
    "surname",
    "date_of_birth",
    "age",
    "sex",
    "ethnicity",
    "postcode",
    "nhs_number",
)

#: Identifier prefix and digits of each kind's id column.
ID_FORMATS = {
    "police_occurrences": ("OC", 8),
    "deaths": ("D", 7),
    "ed_assaults": ("ED", 8),
    "council_referrals": ("CR", 8),
}


@dataclass
class Built:
    """A kind's output frame and how its rows relate to the tables.

    Attributes
    ----------
    frame : polars.DataFrame
        Output rows in file order, the contract's columns.
    rank : ndarray
        Output position of each internal row.
    person : ndarray
        True person id of each output row (-1: none).
    protected : ndarray of bool
        Output rows that belong to a planted pattern.
    """

    frame: pl.DataFrame
    rank: Array
    person: Array
    protected: Array


def _ids(kind: str, rank: Array) -> pl.Series:
    prefix, width = ID_FORMATS[kind]
    return format_ids(KINDS[kind].id_column, prefix, rank + 1, width)


def location_columns(
    geo: Geography, x: Array, y: Array, mode: Array, area: Array
) -> list[pl.Series]:
    """easting, northing, lat, lon (by ``mode``: 0 grid, 1 WGS84, 2 none) and area_code."""
    grid, wgs = mode == 0, mode == 1
    lat, lon = np.full(len(x), np.nan), np.full(len(x), np.nan)
    if wgs.any():
        lat[wgs], lon[wgs] = to_latlon(x[wgs], y[wgs])

    def col(name: str, values: Array, keep: Array) -> pl.Series:
        return pl.Series(name, np.where(keep, values, np.nan)).fill_nan(None)

    return [
        col("easting", x, grid),
        col("northing", y, grid),
        col("lat", lat, wgs),
        col("lon", lon, wgs),
        enum_series("area_code", geo.codes, area),
    ]


def text_series(name: str, values: list[str], index: Array) -> pl.Series:
    """``values[index]`` as text (values may repeat), null where ``index`` < 0."""
    idx = np.asarray(index, dtype=np.int64)
    out = pl.Series(name, values, dtype=pl.String).gather(
        pl.Series(np.maximum(idx, 0).astype(np.uint32))
    )
    missing = np.flatnonzero(idx < 0)
    return (out.scatter(missing, None) if len(missing) else out).alias(name)


def _bool(name: str, values: Array) -> pl.Series:
    s = pl.Series(name, values == 1)
    missing = np.flatnonzero(values < 0)
    return s.scatter(missing, None) if len(missing) else s


def _order(t: Array) -> tuple[Array, Array]:
    order = np.argsort(t, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return order, rank


def occurrence_frame(police: Police, geo: Geography) -> Built:
    """police_occurrences.csv."""
    occ = police.occ
    order, rank = _order(occ["t"])
    o = occ.take(order)
    og = codes.OFFENCE_GROUP
    incident = np.isin(
        o["offence"],
        [og.index(g) for g in ("domestic_incident", "concern_for_welfare", "missing_person")],
    )
    ho_vocab = list(dict.fromkeys(HO_CODES.values()))
    ho_of = np.array([ho_vocab.index(HO_CODES[g]) if g in HO_CODES else -1 for g in og])
    ho_idx = np.where(incident, -1, ho_of[o["offence"]])
    t_to = np.where(o["dur_min"] >= 0, o["t"] + o["dur_min"] * 60, -1)
    cols = [
        _ids("police_occurrences", np.arange(len(o))),
        enum_series("kind", codes.OCCURRENCE_KIND, incident.astype(np.int64)),
        enum_series("offence_group", og, o["offence"]),
        enum_series("ho_code", ho_vocab, ho_idx),
        datetime_series("occurred_from", o["t"]),
        datetime_series("occurred_to", t_to),
        datetime_series("reported_at", o["t"] + o["delay_min"] * 60),
        *location_columns(geo, o["x"], o["y"], o["loc_mode"], o["area"]),
        enum_series("location_type", codes.LOCATION_TYPE, o["loc_type"]),
        enum_series("weapon", codes.WEAPON, o["weapon"]),
        enum_series("injury", codes.INJURY, o["injury"]),
        _bool("domestic", o["domestic"]),
        _bool("alcohol", o["alcohol"]),
        _bool("drugs", o["drugs"]),
        _bool("gang", o["gang"]),
        enum_series("outcome", codes.OUTCOME, o["outcome"]),
        enum_series("mo", police.mo.values, o["mo"]),
        enum_series("description", police.descriptions.values, o["desc"]),
    ]
    return Built(pl.DataFrame(cols), rank, np.full(len(o), -1), o["protected"])


def people_frame(
    rng: np.random.Generator, police: Police, persons: Persons, occ_rank: Array
) -> Built:
    """police_people.csv: rows grouped by occurrence (file order), victims first."""
    p = police.people
    occ_pos = occ_rank[p["occ"]]
    role_order = np.array([0, 1, 1, 2, 3])[p["role"]]  # victim, suspect/offender, witness, other
    order = np.lexsort((role_order, occ_pos))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    q = p.take(order)
    pos = occ_pos[order]
    first = np.r_[True, pos[1:] != pos[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(pos)), 0))
    n = np.arange(len(pos)) - start + 1
    occ_ids = _ids("police_occurrences", pos)
    inv = pl.select(
        (occ_ids + pl.lit("/") + pl.Series(n).cast(pl.String)).alias("involvement_id")
    ).to_series()
    day = police.occ["t"][q["occ"]] // 86_400
    ident = render(rng, persons, q["pid"], day, "police", anonymous=q["anon"])
    dup = persons["nominal2"][q["pid"]]
    nominal = np.where((dup >= 0) & (rng.random(len(q)) < 0.5), dup, persons["nominal"][q["pid"]])
    nominal = np.where(q["anon"], -1, nominal)
    cols = [
        occ_ids.alias("occurrence_id"),
        inv,
        enum_series("role", codes.ROLE, q["role"]),
        person_refs("person_ref", "N", nominal, 8),
        *[ident[c] for c in _IDENTITY],
        pl.Series("person_token", [None] * len(q), dtype=pl.String),
        enum_series("age_band", AGE_BANDS, q["age_band"]),
        enum_series("relationship_to_victim", codes.RELATIONSHIP, q["relationship"]),
    ]
    protected = police.occ["protected"][q["occ"]]
    return Built(pl.DataFrame(cols), rank, q["pid"], protected)


def deaths_frame(
    rng: np.random.Generator, deaths: Deaths, persons: Persons, inst: Institutions, geo: Geography
) -> Built:
    """deaths.csv."""
    order, rank = _order(deaths.table["day"])
    d = deaths.table.take(order)
    ident = render(rng, persons, d["pid"], d["day"], "deaths")
    icd = [deaths.icd10[c] for c in range(len(deaths.causes))]
    icd_vocab = list(dict.fromkeys(icd))
    icd_idx = np.array([icd_vocab.index(i) for i in icd] or [0])[np.maximum(d["cause"], 0)]
    cols = [
        _ids("deaths", np.arange(len(d))),
        date_series("date_of_death", d["day"]),
        datetime_series("reported_at", d["t_report"]),
        enum_series("place_type", codes.PLACE_TYPE, d["place"]),
        enum_series("institution_id", inst.ids, d["inst"]),
        text_series("institution_name", inst.names, d["inst"]),
        *[ident[c] for c in _IDENTITY],
        pl.Series("person_token", [None] * len(d), dtype=pl.String),
        enum_series("classification", codes.DEATH_CLASSIFICATION, d["classification"]),
        enum_series("cause", deaths.causes.values, d["cause"]),
        enum_series("icd10", icd_vocab, np.where(d["cause"] >= 0, icd_idx, -1)),
        enum_series("practitioner_id", inst.practitioner_ids, d["practitioner"]),
        *location_columns(geo, d["x"], d["y"], d["loc_mode"], d["area"]),
        enum_series("mo", deaths.mo.values, d["mo"]),
    ]
    return Built(pl.DataFrame(cols), rank, d["pid"], d["protected"])


def ed_frame(
    rng: np.random.Generator, ed: Ed, persons: Persons, inst: Institutions, geo: Geography
) -> Built:
    """ed_assaults.csv."""
    order, rank = _order(ed.table["t_assault"])
    e = ed.table.take(order)
    age = (e["t_assault"] // 86_400 - persons["dob"][e["pid"]]) // 365
    sites = [s for s in inst.site_code if s]
    site_of = np.array([sites.index(s) if s else -1 for s in inst.site_code])
    cols = [
        _ids("ed_assaults", np.arange(len(e))),
        enum_series("site_code", sites, site_of[e["site"]]),
        datetime_series("arrived_at", e["t_arrive"]),
        datetime_series("assault_at", e["t_assault"]),
        enum_series("assault_method", codes.WEAPON, e["method"]),
        enum_series("assault_location_type", codes.LOCATION_TYPE, e["loc_type"]),
        enum_series("assault_location_description", ed.descriptions.values, e["desc"]),
        *location_columns(geo, e["x"], e["y"], e["loc_mode"], e["area"]),
        pl.Series("age", np.where(rng.random(len(e)) < 0.95, age, -1), dtype=pl.Int32),
        enum_series("sex", codes.SEX, persons["sex"][e["pid"]].astype(np.int64)),
        pl.Series("person_token", [None] * len(e), dtype=pl.String),
    ]
    frame = pl.DataFrame(cols).with_columns(
        pl.when(pl.col("age") >= 0).then(pl.col("age")).alias("age")
    )
    return Built(frame, rank, e["pid"], e["protected"])


def council_frame(rng: np.random.Generator, council: Council, persons: Persons) -> Built:
    """council_referrals.csv."""
    order, rank = _order(council.table["t"])
    c = council.table.take(order)
    ident = render(rng, persons, c["pid"], c["t"] // 86_400, "council")
    ref = np.where(rng.random(len(c)) < 0.95, persons["council"][c["pid"]], -1)
    cols = [
        _ids("council_referrals", np.arange(len(c))),
        datetime_series("received_at", c["t"]),
        enum_series("service", codes.SERVICE, c["service"]),
        enum_series("concern", codes.CONCERN, c["concern"]),
        *[ident[c] for c in _IDENTITY if c != "ethnicity"],
        person_refs("person_ref", "LA", ref, 8),
        pl.Series("person_token", [None] * len(c), dtype=pl.String),
        enum_series("outcome", OUTCOMES, c["outcome"]),
    ]
    return Built(pl.DataFrame(cols), rank, c["pid"], c["protected"])


def institutions_frame(inst: Institutions, geo: Geography) -> pl.DataFrame:
    """institutions.csv (with the extra column ``site_code`` for hospitals' ED sites)."""
    kinds = np.array(["care_home", "hospital", "gp_practice"])[inst.type]
    return pl.DataFrame(
        {
            "institution_id": inst.ids,
            "name": inst.names,
            "type": kinds.tolist(),
            "capacity": inst.capacity,
            "easting": inst.xy[:, 0],
            "northing": inst.xy[:, 1],
            "lat": pl.Series([None] * len(inst.ids), dtype=pl.Float64),
            "lon": pl.Series([None] * len(inst.ids), dtype=pl.Float64),
            "area_code": [geo.codes[a] for a in inst.area],
            "expected_deaths_per_year": np.round(inst.expected, 2),
            "site_code": [s or None for s in inst.site_code],
        }
    )
